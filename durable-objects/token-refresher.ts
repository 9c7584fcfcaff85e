/**
 * Single-flight token refresh for one connection (SPEC §5), used by the CalendarConnection object:
 * however many callers ask at once, the provider's token endpoint is called at most once; a token
 * is refreshed 5 minutes before it expires; the vault row is re-read before refreshing (another
 * isolate may have refreshed it); a rotated refresh token is written to the object's own durable
 * storage (sealed) before Postgres, so a crash between the provider's answer and the database
 * commit cannot lose it — the next refresh uses that pending token first. A forced refresh (the
 * provider refused the current token) never joins a normal load in flight (token-flight.ts).
 */
import { markReconnectRequired } from '../db/queries/connections.ts';
import { Database } from '../db/tenant.ts';
import { describeError, log } from '../worker/log.ts';
import { ProviderError, type ProviderErrorCode } from '../worker/providers/errors.ts';
import { providerFor } from '../worker/providers/index.ts';
import { refreshTokens } from '../worker/providers/oauth.ts';
import { open, seal } from '../worker/vault/cipher.ts';
import { loadKeyring } from '../worker/vault/keys.ts';
import { clientForConnection } from '../worker/vault/oauth-clients.ts';
import { persistRefreshedTokens, readConnectionTokens } from './connection-tokens.ts';
import { type ConnectionIdentity, claimsOf, type ObjectEnv } from './identity.ts';
import type { ObjectStorage } from './storage.ts';
import { TokenFlight } from './token-flight.ts';

export const REFRESH_AHEAD_MS = 5 * 60 * 1000;

export type AccessTokenResult =
  | { ok: true; accessToken: string; expiresAt: string }
  | { ok: false; code: ProviderErrorCode | 'not_found' | 'not_attached'; message: string };

const PENDING_KEY = 'pendingRefreshToken';

export class TokenRefresher {
  #cached: { accessToken: string; expiresAt: number } | undefined;
  readonly #flight = new TokenFlight<AccessTokenResult>();

  constructor(
    private readonly env: ObjectEnv,
    private readonly storage: ObjectStorage,
  ) {}

  /** Reconnect and disconnect: the cached token is another grant's; on reconnect so is a pending refresh token. */
  async forget({ pending }: { pending: boolean }): Promise<void> {
    this.#cached = undefined;
    if (pending) await this.storage.remove(PENDING_KEY);
  }

  /** `force`: the provider rejected the current token, so refresh even if it looks fresh. */
  async get(ref: ConnectionIdentity, correlationId: string, force = false): Promise<AccessTokenResult> {
    if (force) this.#cached = undefined;
    const cached = this.#cached;
    if (cached && cached.expiresAt - Date.now() > REFRESH_AHEAD_MS) {
      return {
        ok: true,
        accessToken: cached.accessToken,
        expiresAt: new Date(cached.expiresAt).toISOString(),
      };
    }
    return this.#flight.run(force, (forced) =>
      this.#load(ref, correlationId, forced).catch((error: unknown): AccessTokenResult => {
        log('error', 'token lookup failed', {
          correlationId,
          connection_id: ref.connectionId,
          error_code: 'internal',
          ...describeError(error),
        });
        return { ok: false, code: 'unknown', message: 'token lookup failed' };
      }),
    );
  }

  async #load(ref: ConnectionIdentity, correlationId: string, force: boolean): Promise<AccessTokenResult> {
    const keyring = loadKeyring(this.env.CREDENTIAL_VAULT_KEYS);
    // RLS claims from the object's own stored identity, never from a caller.
    const claims = claimsOf(ref);
    const database = new Database(this.env);
    const binding = {
      organizationId: ref.organizationId,
      id: ref.connectionId,
      kind: 'oauth_refresh_token' as const,
    };
    try {
      // A rotated refresh token that never reached Postgres (crash) wins over the stored one.
      const pending = await this.storage.read(PENDING_KEY);
      const stored = await database.asTenant(claims, (tx) =>
        readConnectionTokens(tx, keyring, ref.connectionId, !pending),
      );
      if (!stored) return { ok: false, code: 'not_found', message: 'connection not found' };
      const expiresAt = stored.connection.tokenExpiresAt?.getTime() ?? 0;
      if (!force && stored.accessToken && expiresAt - Date.now() > REFRESH_AHEAD_MS) {
        this.#cached = { accessToken: stored.accessToken, expiresAt };
        return { ok: true, accessToken: stored.accessToken, expiresAt: new Date(expiresAt).toISOString() };
      }
      const refreshToken = pending ? await open(keyring, binding, pending) : stored.refreshToken;
      if (!refreshToken) {
        await database.asTenant(claims, (tx) =>
          markReconnectRequired(tx, ref.connectionId, 'missing_refresh_token'),
        );
        log('warn', 'token refresh impossible', {
          correlationId,
          connection_id: ref.connectionId,
          error_code: 'missing_refresh_token',
        });
        return { ok: false, code: 'invalid_grant', message: 'no refresh token; the user must reconnect' };
      }
      const provider = stored.connection.provider;
      const adapter = providerFor(this.env, provider);
      const client = await database.asTenant(claims, (tx) =>
        clientForConnection(tx, keyring, adapter, stored.connection.gwsConnectionId),
      );
      const started = Date.now();
      let tokens: Awaited<ReturnType<typeof refreshTokens>>;
      let usedRefreshToken = refreshToken;
      try {
        try {
          tokens = await refreshTokens(adapter, client.credentials, refreshToken);
        } catch (error) {
          if (!(error instanceof ProviderError) || error.code !== 'invalid_grant') throw error;
          // Rotation race: another holder (a reconnect, an older isolate) may have stored a newer
          // refresh token meanwhile. Re-read the vault; only the current token's refusal is final.
          const current = await database.asTenant(claims, (tx) =>
            readConnectionTokens(tx, keyring, ref.connectionId),
          );
          if (!current?.refreshToken || current.refreshToken === refreshToken) throw error;
          usedRefreshToken = current.refreshToken;
          tokens = await refreshTokens(adapter, client.credentials, current.refreshToken);
        }
      } catch (error) {
        const code = error instanceof ProviderError ? error.code : 'unknown';
        if (code === 'invalid_grant') {
          await database.asTenant(claims, (tx) =>
            markReconnectRequired(tx, ref.connectionId, 'invalid_grant'),
          );
          await this.storage.remove(PENDING_KEY);
        }
        log('warn', 'token refresh failed', {
          correlationId,
          connection_id: ref.connectionId,
          provider,
          error_code: code,
          ...describeError(error),
        });
        return {
          ok: false,
          code,
          message:
            code === 'invalid_grant'
              ? 'the provider revoked access; reconnect the calendar'
              : 'token refresh failed',
        };
      }
      // Rotated refresh token: durable in this object first, then in the vault.
      if (tokens.refreshToken && tokens.refreshToken !== usedRefreshToken) {
        await this.storage.write(PENDING_KEY, await seal(keyring, binding, tokens.refreshToken));
      }
      await database.asTenant(claims, (tx) => persistRefreshedTokens(tx, keyring, ref.connectionId, tokens));
      await this.storage.remove(PENDING_KEY);
      this.#cached = { accessToken: tokens.accessToken, expiresAt: tokens.expiresAt.getTime() };
      log('info', 'token refreshed', {
        correlationId,
        connection_id: ref.connectionId,
        provider,
        rotated: Boolean(tokens.refreshToken),
        duration_ms: Date.now() - started,
      });
      return { ok: true, accessToken: tokens.accessToken, expiresAt: tokens.expiresAt.toISOString() };
    } finally {
      await database.close();
    }
  }
}
