/**
 * OAuth 2.0 protocol work through oauth4webapi, the same for every provider: authorization URL with
 * PKCE S256, code exchange, refresh, revocation. What differs (endpoints, extra parameters, error
 * bodies) comes from the adapter. Only the token endpoint produces `invalid_grant`.
 */
import * as oauth from 'oauth4webapi';
import { ProviderError } from './errors.ts';
import type { CalendarProvider, OAuthClientCredentials, TokenSet } from './types.ts';

export type { TokenSet } from './types.ts';

/** Plain http is allowed only for loopback hosts (the local emulator), never for real endpoints. */
function requestOptions(endpoint: string | undefined) {
  const host = endpoint ? new URL(endpoint).hostname : '';
  return host === '127.0.0.1' || host === 'localhost' ? { [oauth.allowInsecureRequests]: true } : {};
}

export async function buildAuthorizationUrl(
  provider: CalendarProvider,
  client: OAuthClientCredentials,
  redirectUri: string,
  state: string,
  codeVerifier: string,
): Promise<string> {
  const { endpoints } = provider;
  const url = new URL(endpoints.authorizationServer.authorization_endpoint ?? '');
  url.searchParams.set('client_id', client.clientId);
  url.searchParams.set('redirect_uri', redirectUri);
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('scope', endpoints.scopes.join(' '));
  url.searchParams.set('state', state);
  url.searchParams.set('code_challenge', await oauth.calculatePKCECodeChallenge(codeVerifier));
  url.searchParams.set('code_challenge_method', 'S256');
  for (const [name, value] of Object.entries(provider.authorizationParameters()))
    url.searchParams.set(name, value);
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

async function checkHttp(provider: CalendarProvider, response: Response): Promise<Response> {
  // 429/5xx carry no OAuth body; classify them before oauth4webapi does.
  if (response.status === 429 || response.status >= 500) throw await provider.toProviderError(response);
  return response;
}

export async function exchangeCode(
  provider: CalendarProvider,
  client: OAuthClientCredentials,
  callbackQuery: URLSearchParams,
  expectedState: string,
  redirectUri: string,
  codeVerifier: string,
): Promise<TokenSet> {
  const as = provider.endpoints.authorizationServer;
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
    const result = await oauth.processAuthorizationCodeResponse(
      as,
      oauthClient,
      await checkHttp(provider, response),
    );
    return toTokenSet(result);
  } catch (error) {
    throw classify(error);
  }
}

export async function refreshTokens(
  provider: CalendarProvider,
  client: OAuthClientCredentials,
  refreshToken: string,
): Promise<TokenSet> {
  const as = provider.endpoints.authorizationServer;
  const oauthClient: oauth.Client = { client_id: client.clientId };
  try {
    const response = await oauth.refreshTokenGrantRequest(
      as,
      oauthClient,
      oauth.ClientSecretPost(client.clientSecret),
      refreshToken,
      requestOptions(as.token_endpoint),
    );
    return toTokenSet(
      await oauth.processRefreshTokenResponse(as, oauthClient, await checkHttp(provider, response)),
    );
  } catch (error) {
    throw classify(error);
  }
}

/** Best-effort revocation (Google only: Microsoft has no revocation endpoint for these tokens). */
export async function revokeToken(provider: CalendarProvider, token: string): Promise<boolean> {
  const { revocationUrl } = provider.endpoints;
  if (!revocationUrl) return false;
  try {
    const response = await fetch(`${revocationUrl}?token=${encodeURIComponent(token)}`, {
      method: 'POST',
    });
    await response.body?.cancel();
    return response.ok;
  } catch {
    return false;
  }
}
