/**
 * Connecting a calendar (SPEC §4 OAuth): start → provider consent → callback. The state sent to the
 * provider is `<org>.<user>.<random>`; only its SHA-256 is stored, bound to org, user, provider, PKCE
 * verifier and return_to, single use, 10 minutes. The callback carries no session, so the org and
 * user named in the state only select which tenant's row to look for; the stored hash is the authority.
 */
import * as oauth from 'oauth4webapi';
import { upsertConnectedAccount } from '../../db/queries/connections.ts';
import { consumeOAuthState, createOAuthState } from '../../db/queries/oauth-states.ts';
import type { Database, DatabaseClaims } from '../../db/tenant.ts';
import type { Env, RequestScope } from '../env.ts';
import { validationFailed } from '../errors.ts';
import { describeError, log } from '../log.ts';
import { ProviderError } from '../providers/errors.ts';
import type { Provider } from '../providers/index.ts';
import { providerFor } from '../providers/index.ts';
import { buildAuthorizationUrl, exchangeCode } from '../providers/oauth.ts';
import { loadKeyring } from '../vault/keys.ts';
import { clientForConnection, clientForNewConnection } from '../vault/oauth-clients.ts';
import { deleteCredentials, storeCredentials } from '../vault/store.ts';
import { connectionObject, identityOf } from './connection-object.ts';
import { CALLBACK_PATH } from './origin.ts';
import { DEFAULT_RETURN_TO, normalizeReturnTo, returnUrl } from './return-to.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

async function sha256Hex(value: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(value));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

export async function startConnect(
  { env, db: database, claims }: RequestScope,
  origin: string,
  input: { provider: Provider; return_to?: string | undefined },
): Promise<{ authorization_url: string }> {
  const returnTo = normalizeReturnTo(input.return_to, origin);
  if (!returnTo)
    throw validationFailed([{ field: 'return_to', message: 'must be a path or URL on this origin' }]);
  const keyring = loadKeyring(env.CREDENTIAL_VAULT_KEYS);
  const verifier = oauth.generateRandomCodeVerifier();
  const state = `${claims.org_id}.${claims.sub}.${oauth.generateRandomState()}`;
  const provider = providerFor(env, input.provider);
  const client = await database.asTenant(claims, async (tx) => {
    const resolved = await clientForNewConnection(tx, keyring, provider);
    await createOAuthState(tx, {
      organizationId: claims.org_id,
      userId: claims.sub,
      provider: input.provider,
      stateHash: await sha256Hex(state),
      codeVerifier: verifier,
      returnTo,
      gwsConnectionId: resolved.gwsConnectionId,
    });
    return resolved;
  });
  return {
    authorization_url: await buildAuthorizationUrl(
      provider,
      client.credentials,
      `${origin}${CALLBACK_PATH}`,
      state,
      verifier,
    ),
  };
}

export interface CallbackOutcome {
  redirectTo: string;
  connectionId?: string;
  errorCode?: string;
}

/** Handles the provider's redirect; always answers with where to send the browser. */
export async function completeConnect(
  env: Env,
  database: Database,
  origin: string,
  query: URLSearchParams,
  correlationId: string,
): Promise<CallbackOutcome> {
  const fail = (errorCode: string, path = DEFAULT_RETURN_TO): CallbackOutcome => {
    log('warn', 'calendar oauth callback rejected', { correlationId, error_code: errorCode });
    return { redirectTo: returnUrl(origin, path, { calendar_error: errorCode }), errorCode };
  };
  const state = query.get('state') ?? '';
  const [org, user, random] = state.split('.');
  if (!org || !user || !random || !UUID.test(org) || !UUID.test(user)) return fail('invalid_state');
  const claims: DatabaseClaims = { sub: user, org_id: org, roles: [], permissions: [] };
  const consumed = await database.asTenant(claims, async (tx) =>
    consumeOAuthState(tx, await sha256Hex(state)),
  );
  if (!consumed.ok) return fail(consumed.reason === 'state_unknown' ? 'invalid_state' : consumed.reason);
  const pending = consumed.state;
  const returnTo = pending.returnTo ?? DEFAULT_RETURN_TO;
  const providerError = query.get('error');
  if (providerError)
    return fail(/^[a-z_]{1,64}$/.test(providerError) ? providerError : 'provider_error', returnTo);
  if (!query.get('code')) return fail('missing_code', returnTo);

  const provider = pending.provider;
  const adapter = providerFor(env, provider);
  const keyring = loadKeyring(env.CREDENTIAL_VAULT_KEYS);
  try {
    const client = await database.asTenant(claims, (tx) =>
      clientForConnection(tx, keyring, adapter, pending.gwsConnectionId),
    );
    const tokens = await exchangeCode(
      adapter,
      client.credentials,
      query,
      state,
      `${origin}${CALLBACK_PATH}`,
      pending.codeVerifier,
    );
    const email = await adapter.accountEmail(tokens.accessToken);
    const connection = await database.asTenant(claims, async (tx) => {
      const [accessId = '', refreshId = null] = await storeCredentials(tx, keyring, org, [
        { kind: 'oauth_access_token', plaintext: tokens.accessToken },
        ...(tokens.refreshToken
          ? [{ kind: 'oauth_refresh_token' as const, plaintext: tokens.refreshToken }]
          : []),
      ]);
      const { connection, replacedCredentialIds } = await upsertConnectedAccount(tx, {
        organizationId: org,
        userId: user,
        provider,
        accountEmail: email,
        gwsConnectionId: client.gwsConnectionId,
        accessTokenCredentialId: accessId,
        refreshTokenCredentialId: refreshId,
        tokenExpiresAt: tokens.expiresAt,
      });
      await deleteCredentials(tx, replacedCredentialIds);
      return connection;
    });
    log('info', 'calendar connected', {
      correlationId,
      connection_id: connection.id,
      provider,
      oauth_client: client.gwsConnectionId ? 'organization' : 'platform',
    });
    // The object learns who it is (dropping tokens from before a reconnect) and queues the first sync.
    await connectionObject(env, connection.id)
      .attach(identityOf(connection), correlationId)
      .catch((error: unknown) =>
        log('warn', 'connection object attach failed', {
          correlationId,
          connection_id: connection.id,
          ...describeError(error),
        }),
      );
    return {
      redirectTo: returnUrl(origin, returnTo, { calendar_connected: provider }),
      connectionId: connection.id,
    };
  } catch (error) {
    if (error instanceof ProviderError) {
      log('warn', 'calendar oauth exchange failed', {
        correlationId,
        provider,
        provider_error: error.code,
        ...describeError(error),
      });
      return fail(error.code === 'invalid_grant' ? 'invalid_grant' : 'provider_failed', returnTo);
    }
    throw error;
  }
}
