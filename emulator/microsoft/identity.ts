/**
 * Microsoft identity platform v2: authorize and token with rotating refresh tokens (providers.md §7).
 * Every refresh returns a new refresh token; the previous one stays valid (the real behaviour) unless
 * the strict option `microsoftOldRefreshTokenValid: false` is set.
 */
import { Hono } from 'hono';
import { aadError, type EmulatorContext, injectFault, readTokenRequest } from '../http.ts';
import {
  authenticateClient,
  mountAuthorize,
  redeemCode,
  redeemRefreshToken,
  type TokenFailure,
} from '../oauth.ts';
import type { EmulatorState } from '../state.ts';

type Env = { Variables: { state: EmulatorState } };

function failure(c: EmulatorContext, f: TokenFailure, clientId: string) {
  switch (f.kind) {
    case 'invalid_client':
      return f.reason === 'unknown'
        ? aadError(
            c,
            400,
            'unauthorized_client',
            700016,
            `Application with identifier '${clientId}' was not found in the directory 'emulator'.`,
          )
        : aadError(
            c,
            401,
            'invalid_client',
            7000215,
            'Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID.',
          );
    case 'unsupported_grant_type':
      return aadError(
        c,
        400,
        'unsupported_grant_type',
        70003,
        'The app requested an unsupported grant type.',
      );
    case 'invalid_request':
      return aadError(c, 400, 'invalid_request', 900144, f.message);
    case 'invalid_grant': {
      const [code, text] = {
        bad_code: [9002313, 'Invalid request. Request is malformed or invalid.'],
        code_used: [
          54005,
          'OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.',
        ],
        code_expired: [
          70008,
          'The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.',
        ],
        redirect_mismatch: [
          50148,
          'The redirect_uri does not match the redirect URI used in the authorization request.',
        ],
        pkce: [
          501481,
          'The Code_Verifier does not match the code_challenge supplied in the authorization request.',
        ],
        bad_refresh: [9002313, 'Invalid request. Request is malformed or invalid.'],
        revoked: [
          50173,
          'The provided grant has expired due to it being revoked, a fresh auth token is needed. The user might have changed or reset their password.',
        ],
        spent_refresh: [70000, 'Provided grant is invalid or malformed.'],
      }[f.reason] as [number, string];
      return aadError(c, 400, 'invalid_grant', code, text);
    }
  }
}

export const microsoftIdentity = new Hono<Env>();

mountAuthorize(microsoftIdentity, '/:tenant/oauth2/v2.0/authorize', 'microsoft');

microsoftIdentity.post('/:tenant/oauth2/v2.0/token', async (c) => {
  const state = c.get('state');
  const form = await readTokenRequest(c);
  const client = authenticateClient(state, 'microsoft', form);
  if ('kind' in client) return failure(c, client, form.client_id ?? '');
  const email = state.accountForRefreshToken(form.refresh_token)?.email;
  const faulted = await injectFault(c, 'microsoft', 'token', email);
  if (faulted) return faulted;
  let result: ReturnType<typeof redeemCode>;
  if (form.grant_type === 'authorization_code') result = redeemCode(state, client, form);
  else if (form.grant_type === 'refresh_token') {
    result = redeemRefreshToken(
      state,
      client,
      form,
      state.options.microsoftRotateRefreshTokens,
      state.options.microsoftOldRefreshTokenValid,
    );
  } else return failure(c, { kind: 'unsupported_grant_type' }, client.clientId);
  if ('kind' in result) return failure(c, result, client.clientId);
  // The refresh grant of a token issued without offline_access still returns a refresh token (cal.com relies on it).
  const scope = result.grant.scopes.filter((s) => s !== 'offline_access').join(' ');
  return c.json({
    token_type: 'Bearer',
    scope,
    expires_in: result.expiresIn,
    ext_expires_in: result.expiresIn,
    access_token: result.accessToken,
    ...(result.refreshToken ? { refresh_token: result.refreshToken } : {}),
  });
});
