/**
 * OAuth 2.0 protocol work through oauth4webapi: authorization URL with PKCE S256, code exchange,
 * refresh, revocation, and the account email. Token endpoint errors become ProviderErrors.
 */
import * as oauth from 'oauth4webapi';
import type { OAuthClientCredentials, Provider, ProviderEndpoints } from './endpoints.ts';
import { errorFromResponse, ProviderError } from './errors.ts';

export interface TokenSet {
  accessToken: string;
  /** Present on code exchange (offline access) and on Microsoft refreshes (rotation). */
  refreshToken?: string;
  expiresAt: Date;
}

/** Plain http is allowed only for loopback hosts (the local emulator), never for real endpoints. */
function requestOptions(endpoint: string | undefined) {
  const host = endpoint ? new URL(endpoint).hostname : '';
  return host === '127.0.0.1' || host === 'localhost' ? { [oauth.allowInsecureRequests]: true } : {};
}

export async function buildAuthorizationUrl(
  provider: Provider,
  endpoints: ProviderEndpoints,
  client: OAuthClientCredentials,
  redirectUri: string,
  state: string,
  codeVerifier: string,
): Promise<string> {
  const url = new URL(endpoints.authorizationServer.authorization_endpoint ?? '');
  url.searchParams.set('client_id', client.clientId);
  url.searchParams.set('redirect_uri', redirectUri);
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('scope', endpoints.scopes.join(' '));
  url.searchParams.set('state', state);
  url.searchParams.set('code_challenge', await oauth.calculatePKCECodeChallenge(codeVerifier));
  url.searchParams.set('code_challenge_method', 'S256');
  if (provider === 'google') {
    // Offline access + consent: Google only returns a refresh token at consent.
    url.searchParams.set('access_type', 'offline');
    url.searchParams.set('prompt', 'consent');
    url.searchParams.set('include_granted_scopes', 'true');
  } else {
    url.searchParams.set('response_mode', 'query');
    url.searchParams.set('prompt', 'select_account');
  }
  return url.toString();
}

function toTokenSet(result: oauth.TokenEndpointResponse): TokenSet {
  return {
    accessToken: result.access_token,
    ...(result.refresh_token ? { refreshToken: result.refresh_token } : {}),
    expiresAt: new Date(Date.now() + (result.expires_in ?? 3600) * 1000),
  };
}

function classify(error: unknown): ProviderError {
  if (error instanceof oauth.ResponseBodyError) {
    const code =
      error.error === 'invalid_grant'
        ? 'invalid_grant'
        : error.error === 'invalid_client' || error.error === 'unauthorized_client'
          ? 'invalid_client'
          : error.status >= 500
            ? 'temporary'
            : 'unknown';
    return new ProviderError(code, `token endpoint: ${error.error}`, error.status);
  }
  if (error instanceof ProviderError) return error;
  if (error instanceof oauth.OperationProcessingError || error instanceof oauth.UnsupportedOperationError) {
    return new ProviderError('unknown', `token endpoint: ${error.message}`);
  }
  return new ProviderError(
    'temporary',
    `token endpoint unreachable: ${error instanceof Error ? `${error.name} ${error.message}` : 'unknown'}`,
  );
}

async function checkHttp(response: Response): Promise<Response> {
  // 429/5xx carry no OAuth body; classify them before oauth4webapi does.
  if (response.status === 429 || response.status >= 500) throw await errorFromResponse(response);
  return response;
}

export async function exchangeCode(
  endpoints: ProviderEndpoints,
  client: OAuthClientCredentials,
  callbackQuery: URLSearchParams,
  expectedState: string,
  redirectUri: string,
  codeVerifier: string,
): Promise<TokenSet> {
  const as = endpoints.authorizationServer;
  const oauthClient: oauth.Client = { client_id: client.clientId };
  try {
    const callbackParams = oauth.validateAuthResponse(as, oauthClient, callbackQuery, expectedState);
    const response = await oauth.authorizationCodeGrantRequest(
      as,
      oauthClient,
      oauth.ClientSecretPost(client.clientSecret),
      callbackParams,
      redirectUri,
      codeVerifier,
      requestOptions(as.token_endpoint),
    );
    const result = await oauth.processAuthorizationCodeResponse(as, oauthClient, await checkHttp(response));
    return toTokenSet(result);
  } catch (error) {
    throw classify(error);
  }
}

export async function refreshTokens(
  endpoints: ProviderEndpoints,
  client: OAuthClientCredentials,
  refreshToken: string,
): Promise<TokenSet> {
  const as = endpoints.authorizationServer;
  const oauthClient: oauth.Client = { client_id: client.clientId };
  try {
    const response = await oauth.refreshTokenGrantRequest(
      as,
      oauthClient,
      oauth.ClientSecretPost(client.clientSecret),
      refreshToken,
      requestOptions(as.token_endpoint),
    );
    return toTokenSet(await oauth.processRefreshTokenResponse(as, oauthClient, await checkHttp(response)));
  } catch (error) {
    throw classify(error);
  }
}

/** Best-effort revocation (Google only: Microsoft has no revocation endpoint for these tokens). */
export async function revokeToken(endpoints: ProviderEndpoints, token: string): Promise<boolean> {
  if (!endpoints.revocationUrl) return false;
  try {
    const response = await fetch(`${endpoints.revocationUrl}?token=${encodeURIComponent(token)}`, {
      method: 'POST',
    });
    await response.body?.cancel();
    return response.ok;
  } catch {
    return false;
  }
}

/** The connected account's email: Google userinfo `email`, Graph `/me` `mail ?? userPrincipalName`. */
export async function accountEmail(
  provider: Provider,
  endpoints: ProviderEndpoints,
  accessToken: string,
): Promise<string> {
  const response = await fetch(endpoints.userinfoUrl, {
    headers: { authorization: `Bearer ${accessToken}` },
  });
  if (!response.ok) throw await errorFromResponse(response);
  const body = (await response.json()) as {
    email?: string;
    mail?: string | null;
    userPrincipalName?: string;
  };
  const email = provider === 'google' ? body.email : (body.mail ?? body.userPrincipalName);
  if (!email) throw new ProviderError('unknown', 'provider returned no account email');
  return email.toLowerCase();
}
