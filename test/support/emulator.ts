/** Test helpers around the provider emulator: control calls, OAuth flows with oauth4webapi, a webhook sink. */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as oauth from 'oauth4webapi';
import type { RunningEmulator } from '../../emulator/server.ts';

export async function control<T = unknown>(
  emulator: RunningEmulator,
  path: string,
  body?: unknown,
  method = body === undefined ? 'GET' : 'POST',
): Promise<T> {
  const send = () =>
    fetch(`${emulator.url}/_control${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  const res = await send().catch((error: unknown) => {
    // A kept-alive socket the emulator closed as idle just as it was reused (its idle timer and
    // the client's race on a loaded machine): that request never reached the emulator, so it is
    // sent once more on a new connection. Any other failure stays a failure.
    if ((error as { cause?: { code?: string } }).cause?.code !== 'ECONNRESET') throw error;
    return send();
  });
  if (!res.ok && res.status !== 204) throw new Error(`control ${path}: ${res.status} ${await res.text()}`);
  return (res.status === 204 ? undefined : await res.json()) as T;
}

export const REDIRECT_URI = 'https://ce.example.test/functions/v1/calendar-oauth-callback';

export interface Provisioned {
  clientId: string;
  clientSecret: string;
  as: oauth.AuthorizationServer;
  client: oauth.Client;
  scope: string;
}

export async function provision(
  emulator: RunningEmulator,
  provider: 'google' | 'microsoft',
  clientId = `${provider}-client`,
  clientSecret = `${provider}-secret`,
): Promise<Provisioned> {
  await control(emulator, '/clients', {
    provider,
    client_id: clientId,
    client_secret: clientSecret,
    redirect_uris: [REDIRECT_URI],
  });
  const as: oauth.AuthorizationServer =
    provider === 'google'
      ? {
          issuer: 'https://accounts.google.com',
          authorization_endpoint: `${emulator.url}/o/oauth2/v2/auth`,
          token_endpoint: `${emulator.url}/token`,
          revocation_endpoint: `${emulator.url}/revoke`,
        }
      : {
          issuer: 'https://login.microsoftonline.com/common/v2.0',
          authorization_endpoint: `${emulator.url}/microsoft/login/common/oauth2/v2.0/authorize`,
          token_endpoint: `${emulator.url}/microsoft/login/common/oauth2/v2.0/token`,
        };
  const scope =
    provider === 'google'
      ? 'https://www.googleapis.com/auth/calendar https://www.googleapis.com/auth/userinfo.email'
      : 'offline_access Calendars.ReadWrite User.Read';
  return { clientId, clientSecret, as, client: { client_id: clientId }, scope };
}

export const insecure = { [oauth.allowInsecureRequests]: true } as const;

/** Runs the authorization-code + PKCE flow non-interactively (login_hint) and returns the raw token response. */
export async function authorize(p: Provisioned, email: string, extra: Record<string, string> = {}) {
  const verifier = oauth.generateRandomCodeVerifier();
  const state = oauth.generateRandomState();
  const url = new URL(p.as.authorization_endpoint ?? '');
  url.search = new URLSearchParams({
    client_id: p.clientId,
    redirect_uri: REDIRECT_URI,
    response_type: 'code',
    scope: p.scope,
    state,
    code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    login_hint: email,
    access_type: 'offline',
    prompt: 'consent',
    ...extra,
  }).toString();
  const consent = await fetch(url, { redirect: 'manual' });
  const location = consent.headers.get('location');
  if (!location) throw new Error(`no redirect from authorize (${consent.status})`);
  const params = oauth.validateAuthResponse(p.as, p.client, new URL(location), state);
  return { params, verifier, state, location };
}

export async function exchange(p: Provisioned, params: URLSearchParams, verifier: string) {
  const response = await oauth.authorizationCodeGrantRequest(
    p.as,
    p.client,
    oauth.ClientSecretPost(p.clientSecret),
    params,
    REDIRECT_URI,
    verifier,
    insecure,
  );
  return oauth.processAuthorizationCodeResponse(p.as, p.client, response);
}

export async function connect(p: Provisioned, email: string) {
  const { params, verifier } = await authorize(p, email);
  return exchange(p, params, verifier);
}

export async function refresh(p: Provisioned, refreshToken: string) {
  const response = await oauth.refreshTokenGrantRequest(
    p.as,
    p.client,
    oauth.ClientSecretPost(p.clientSecret),
    refreshToken,
    insecure,
  );
  return oauth.processRefreshTokenResponse(p.as, p.client, response);
}

export interface ReceivedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A local endpoint that records requests; answers Graph validation by echoing the token (unless told not to). */
export async function webhookSink(options: { echoValidation?: boolean } = {}) {
  const received: ReceivedRequest[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      received.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      const token = new URL(req.url ?? '/', 'http://sink').searchParams.get('validationToken');
      if (token !== null) {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end(options.echoValidation === false ? 'nope' : token);
        return;
      }
      res.writeHead(202);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, received, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
