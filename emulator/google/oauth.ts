/** Google OAuth 2.0: authorize (consent/chooser), token, revoke, userinfo (providers.md §1). */
import { Hono } from 'hono';
import {
  bearerToken,
  type EmulatorContext,
  googleUnauthorized,
  injectFault,
  readTokenRequest,
} from '../http.ts';
import { accountKey } from '../model.ts';
import {
  authenticateClient,
  mountAuthorize,
  redeemCode,
  redeemRefreshToken,
  type TokenFailure,
} from '../oauth.ts';
import type { EmulatorState } from '../state.ts';

type Env = { Variables: { state: EmulatorState } };

function failure(c: EmulatorContext, f: TokenFailure) {
  switch (f.kind) {
    case 'invalid_client':
      return c.json(
        {
          error: 'invalid_client',
          error_description: f.reason === 'unknown' ? 'The OAuth client was not found.' : 'Unauthorized',
        },
        401,
      );
    case 'unsupported_grant_type':
      return c.json({ error: 'unsupported_grant_type', error_description: 'Invalid grant_type' }, 400);
    case 'invalid_request':
      return c.json({ error: 'invalid_request', error_description: f.message }, 400);
    case 'invalid_grant': {
      const description =
        f.reason === 'bad_code' || f.reason === 'code_used'
          ? 'Malformed auth code.'
          : f.reason === 'revoked' || f.reason === 'bad_refresh'
            ? 'Token has been expired or revoked.'
            : 'Bad Request';
      return c.json({ error: 'invalid_grant', error_description: description }, 400);
    }
  }
}

export const googleOAuth = new Hono<Env>();

mountAuthorize(googleOAuth, '/o/oauth2/v2/auth', 'google');

googleOAuth.post('/token', async (c) => {
  const state = c.get('state');
  const form = await readTokenRequest(c);
  const client = authenticateClient(state, 'google', form);
  if ('kind' in client) return failure(c, client);
  const email = state.accountForRefreshToken(form.refresh_token)?.email;
  const faulted = await injectFault(c, 'google', 'token', email);
  if (faulted) return faulted;
  let result: ReturnType<typeof redeemCode>;
  if (form.grant_type === 'authorization_code') result = redeemCode(state, client, form);
  // Google does not rotate refresh tokens.
  else if (form.grant_type === 'refresh_token') result = redeemRefreshToken(state, client, form, false, true);
  else return failure(c, { kind: 'unsupported_grant_type' });
  if ('kind' in result) return failure(c, result);
  const account = state.accounts.get(result.grant.accountKey);
  const body: Record<string, unknown> = {
    access_token: result.accessToken,
    expires_in: result.expiresIn,
    scope: result.grant.scopes.join(' '),
    token_type: 'Bearer',
  };
  if (result.refreshToken) body.refresh_token = result.refreshToken;
  if (
    account &&
    result.grant.scopes.some(
      (s) => ['openid', 'email', 'profile'].includes(s) || s.endsWith('userinfo.email'),
    )
  ) {
    const header = Buffer.from(JSON.stringify({ alg: 'RS256', kid: 'emu', typ: 'JWT' })).toString(
      'base64url',
    );
    const payload = Buffer.from(
      JSON.stringify({
        iss: 'https://accounts.google.com',
        aud: client.clientId,
        sub: account.id,
        email: account.email,
        email_verified: true,
        iat: Math.floor(state.clock.now() / 1000),
        exp: Math.floor(state.clock.now() / 1000) + 3600,
      }),
    ).toString('base64url');
    body.id_token = `${header}.${payload}.emulator-signature`;
  }
  return c.json(body, 200, {
    'cache-control': 'no-cache, no-store, max-age=0, must-revalidate',
    pragma: 'no-cache',
  });
});

googleOAuth.post('/revoke', async (c) => {
  const state = c.get('state');
  const form = await readTokenRequest(c);
  const token = new URL(c.req.url).searchParams.get('token') ?? form.token ?? '';
  const grantId = state.accessTokens.get(token)?.grantId ?? state.refreshTokens.get(token)?.grantId;
  const grant = grantId ? state.grants.get(grantId) : undefined;
  if (!grant || grant.revoked)
    return c.json({ error: 'invalid_token', error_description: 'Token expired or revoked' }, 400);
  // Revoking either token revokes the whole grant (access and refresh).
  grant.revoked = true;
  state.count(grant.accountKey, 'oauth.revoke');
  return c.body(null, 200);
});

function userinfo(c: EmulatorContext) {
  const state = c.get('state');
  const account = state.accountForAccessToken('google', bearerToken(c));
  if (!account) return googleUnauthorized(c);
  state.count(accountKey('google', account.email), 'userinfo');
  const [given, ...family] = account.name.split(' ');
  return c.json({
    sub: account.id,
    name: account.name,
    given_name: given,
    family_name: family.join(' '),
    picture: 'https://lh3.googleusercontent.com/a/default-user',
    email: account.email,
    email_verified: true,
    ...(account.email.endsWith('@gmail.com') ? {} : { hd: account.email.split('@')[1] }),
  });
}

googleOAuth.get('/oauth2/v3/userinfo', userinfo);
googleOAuth.get('/v1/userinfo', userinfo);
