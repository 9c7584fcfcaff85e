/**
 * OAuth 2.0 authorization-code flow with PKCE, shared by the Google and Microsoft emulations: the
 * consent page (account chooser), code issuing, code and refresh-token redemption. Provider modules
 * wrap these with their own endpoints and error bodies.
 */
import { createHash } from 'node:crypto';
import type { Hono } from 'hono';
import { accountKey, type Provider } from './model.ts';
import type { AuthCode, EmulatorState, Grant, OAuthClient } from './state.ts';

export interface AuthorizeRequest {
  provider: Provider;
  clientId: string;
  redirectUri: string;
  scope: string;
  state?: string;
  codeChallenge?: string;
  codeChallengeMethod?: string;
  loginHint?: string;
  accessType?: string;
  prompt?: string;
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

export function readAuthorizeRequest(provider: Provider, params: URLSearchParams): AuthorizeRequest {
  const get = (k: string) => params.get(k) ?? undefined;
  return {
    provider,
    clientId: get('client_id') ?? '',
    redirectUri: get('redirect_uri') ?? '',
    scope: get('scope') ?? '',
    state: get('state'),
    codeChallenge: get('code_challenge'),
    codeChallengeMethod: get('code_challenge_method'),
    loginHint: get('login_hint'),
    accessType: get('access_type'),
    prompt: get('prompt'),
  };
}

/** Returns an error page when the client or redirect URI is wrong (providers never redirect then). */
export function checkClient(state: EmulatorState, request: AuthorizeRequest): string | undefined {
  const client = state.client(request.provider, request.clientId);
  if (!client) return 'invalid_client: The OAuth client was not found.';
  if (!request.redirectUri) return 'invalid_request: Missing required parameter: redirect_uri';
  if (client.redirectUris && !client.redirectUris.includes(request.redirectUri)) {
    return 'redirect_uri_mismatch: The redirect URI in the request does not match the ones authorized for the OAuth client.';
  }
  if (request.codeChallengeMethod && !['S256', 'plain'].includes(request.codeChallengeMethod)) {
    return 'invalid_request: Invalid code_challenge_method';
  }
  return undefined;
}

export function consentPage(
  state: EmulatorState,
  request: AuthorizeRequest,
  query: URLSearchParams,
  action: string,
): string {
  const accounts = [...state.accounts.values()].filter((a) => a.provider === request.provider);
  // The decision form carries the original authorize parameters under their wire names.
  const hidden = [...query.entries()]
    .map(([k, v]) => `<input type="hidden" name="${escapeHtml(k)}" value="${escapeHtml(v)}">`)
    .join('');
  const brand = request.provider === 'google' ? 'Google' : 'Microsoft';
  const options = accounts
    .map(
      (a, i) =>
        `<label><input type="radio" name="account" value="${escapeHtml(a.email)}"${(request.loginHint ? a.email === request.loginHint : i === 0) ? ' checked' : ''}> ${escapeHtml(a.name)} &lt;${escapeHtml(a.email)}&gt;</label><br>`,
    )
    .join('');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>Sign in - ${brand} (emulator)</title></head>
<body><main><h1>${brand} (emulator): choose an account</h1>
<p>The application is requesting: ${escapeHtml(request.scope)}</p>
<form method="post" action="${action}">${hidden}
<fieldset><legend>Account</legend>${options || '<p>No accounts. Create one with the control API.</p>'}</fieldset>
<button type="submit" name="decision" value="allow">Allow</button>
<button type="submit" name="decision" value="deny">Deny</button>
</form></main></body></html>`;
}

const consented = new WeakMap<EmulatorState, Set<string>>();

/** Issues a code for `email` and returns the redirect URL (success or access_denied). */
export function approve(
  state: EmulatorState,
  request: AuthorizeRequest,
  email: string | undefined,
  allow: boolean,
): string {
  const target = new URL(request.redirectUri);
  const account = email ? state.account(request.provider, email) : undefined;
  if (!allow || !account) {
    target.searchParams.set('error', 'access_denied');
    if (request.provider === 'microsoft')
      target.searchParams.set(
        'error_description',
        'AADSTS65004: User declined to consent to access the app.',
      );
    if (request.state !== undefined) target.searchParams.set('state', request.state);
    return target.toString();
  }
  const pairs = consented.get(state) ?? new Set<string>();
  consented.set(state, pairs);
  const pair = `${request.clientId}|${accountKey(request.provider, account.email)}`;
  const firstConsent = !pairs.has(pair);
  pairs.add(pair);
  const scopes = request.scope.split(/\s+/).filter(Boolean);
  const grant: Grant = {
    id: state.random.uuid(),
    provider: request.provider,
    accountKey: accountKey(request.provider, account.email),
    clientId: request.clientId,
    scopes,
    revoked: false,
  };
  state.grants.set(grant.id, grant);
  const issueRefreshToken =
    request.provider === 'google'
      ? request.accessType === 'offline' && (firstConsent || (request.prompt ?? '').includes('consent'))
      : scopes.includes('offline_access');
  const code = request.provider === 'google' ? state.token('4/0Aemu', 60) : state.token('M.C5emu_', 80);
  const record: AuthCode = {
    grantId: grant.id,
    redirectUri: request.redirectUri,
    expiresAt: state.clock.now() + 10 * 60 * 1000,
    used: false,
    issueRefreshToken,
    ...(request.codeChallenge
      ? { codeChallenge: request.codeChallenge, codeChallengeMethod: request.codeChallengeMethod ?? 'plain' }
      : {}),
  };
  state.codes.set(code, record);
  state.count(grant.accountKey, 'oauth.authorize');
  if (request.state !== undefined) target.searchParams.set('state', request.state);
  target.searchParams.set('code', code);
  if (request.provider === 'google') {
    target.searchParams.set('scope', scopes.join(' '));
    target.searchParams.set('authuser', '0');
    target.searchParams.set('prompt', 'consent');
  } else {
    target.searchParams.set('session_state', state.random.uuid());
  }
  return target.toString();
}

/** Mounts GET (chooser / auto-approve) and POST (decision) for an authorize path. */
export function mountAuthorize(
  app: Hono<{ Variables: { state: EmulatorState } }>,
  path: string,
  provider: Provider,
): void {
  app.get(path, (c) => {
    const state = c.get('state');
    const request = readAuthorizeRequest(provider, new URL(c.req.url).searchParams);
    const problem = checkClient(state, request);
    if (problem)
      return c.html(
        `<!doctype html><title>Error</title><h1>Error 400</h1><p>${escapeHtml(problem)}</p>`,
        400,
      );
    if (state.options.autoApprove && request.loginHint && state.account(provider, request.loginHint)) {
      return c.redirect(approve(state, request, request.loginHint, true), 302);
    }
    const url = new URL(c.req.url);
    return c.html(consentPage(state, request, url.searchParams, url.pathname));
  });
  app.post(path, async (c) => {
    const state = c.get('state');
    const form = new URLSearchParams(await c.req.text());
    const request = readAuthorizeRequest(provider, form);
    const problem = checkClient(state, request);
    if (problem)
      return c.html(
        `<!doctype html><title>Error</title><h1>Error 400</h1><p>${escapeHtml(problem)}</p>`,
        400,
      );
    return c.redirect(
      approve(state, request, form.get('account') ?? undefined, form.get('decision') === 'allow'),
      302,
    );
  });
}

export type TokenFailure =
  | { kind: 'invalid_client'; reason: 'unknown' | 'secret' }
  | {
      kind: 'invalid_grant';
      reason:
        | 'bad_code'
        | 'code_used'
        | 'code_expired'
        | 'redirect_mismatch'
        | 'pkce'
        | 'bad_refresh'
        | 'revoked'
        | 'spent_refresh';
    }
  | { kind: 'unsupported_grant_type' }
  | { kind: 'invalid_request'; message: string };

export type TokenSuccess = {
  grant: Grant;
  accessToken: string;
  expiresIn: number;
  refreshToken?: string;
  client: OAuthClient;
};

/** Validates client credentials; returns the client or a failure. */
export function authenticateClient(
  state: EmulatorState,
  provider: Provider,
  form: Record<string, string>,
): OAuthClient | TokenFailure {
  const client = state.client(provider, form.client_id ?? '');
  if (!client) return { kind: 'invalid_client', reason: 'unknown' };
  if (client.clientSecret !== form.client_secret) return { kind: 'invalid_client', reason: 'secret' };
  return client;
}

const s256 = (verifier: string) => createHash('sha256').update(verifier).digest('base64url');

export function redeemCode(
  state: EmulatorState,
  client: OAuthClient,
  form: Record<string, string>,
): TokenSuccess | TokenFailure {
  const code = state.codes.get(form.code ?? '');
  if (!code) return { kind: 'invalid_grant', reason: 'bad_code' };
  const grant = state.grants.get(code.grantId);
  if (!grant || grant.clientId !== client.clientId) return { kind: 'invalid_grant', reason: 'bad_code' };
  if (code.used) {
    // Replaying a code revokes what it produced (RFC 6749 §4.1.2 recommendation).
    grant.revoked = true;
    return { kind: 'invalid_grant', reason: 'code_used' };
  }
  if (code.expiresAt <= state.clock.now()) return { kind: 'invalid_grant', reason: 'code_expired' };
  if (code.redirectUri !== form.redirect_uri) return { kind: 'invalid_grant', reason: 'redirect_mismatch' };
  if (code.codeChallenge) {
    const verifier = form.code_verifier ?? '';
    const computed = code.codeChallengeMethod === 'S256' ? s256(verifier) : verifier;
    if (!verifier || computed !== code.codeChallenge) return { kind: 'invalid_grant', reason: 'pkce' };
  }
  code.used = true;
  const access = state.issueAccessToken(grant);
  state.count(grant.accountKey, 'token.authorization_code');
  return {
    grant,
    client,
    accessToken: access.token,
    expiresIn: access.expiresIn,
    ...(code.issueRefreshToken ? { refreshToken: state.issueRefreshToken(grant) } : {}),
  };
}

export function redeemRefreshToken(
  state: EmulatorState,
  client: OAuthClient,
  form: Record<string, string>,
  rotate: boolean,
  oldStaysValid: boolean,
): TokenSuccess | TokenFailure {
  const record = state.refreshTokens.get(form.refresh_token ?? '');
  const grant = record ? state.grants.get(record.grantId) : undefined;
  if (!record || !grant || grant.clientId !== client.clientId)
    return { kind: 'invalid_grant', reason: 'bad_refresh' };
  state.count(grant.accountKey, 'token.refresh');
  if (grant.revoked) {
    state.count(grant.accountKey, 'token.refresh_failed');
    return { kind: 'invalid_grant', reason: 'revoked' };
  }
  // Counted in both modes: a client reusing a replaced token is a bug even where Microsoft accepts it.
  if (record.spent) state.count(grant.accountKey, 'token.refresh_spent_reused');
  if (record.spent && !oldStaysValid) {
    state.count(grant.accountKey, 'token.refresh_failed');
    return { kind: 'invalid_grant', reason: 'spent_refresh' };
  }
  const access = state.issueAccessToken(grant);
  let refreshToken: string | undefined;
  if (rotate) {
    record.spent = true;
    refreshToken = state.issueRefreshToken(grant);
  }
  return {
    grant,
    client,
    accessToken: access.token,
    expiresIn: access.expiresIn,
    ...(refreshToken ? { refreshToken } : {}),
  };
}
