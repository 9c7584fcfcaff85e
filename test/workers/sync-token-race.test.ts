/**
 * invalid_grant is final only after the vault was re-read (issue 13): a refresh token that lost a
 * rotation race (here: a stale pending token the object still holds) must not mark the connection
 * reconnect_required while the vault has a newer, working one.
 */
import { evictDurableObject, runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { sql } from 'drizzle-orm';
import { expect, it } from 'vitest';
import { seal } from '../../worker/vault/cipher.ts';
import { loadKeyring } from '../../worker/vault/keys.ts';
import { ORG_A, ownerQuery } from './helpers.ts';
import { connect, settle } from './sync-model.ts';

it('a refused stale refresh token falls back to the vault’s current one; no reconnect', async () => {
  const email = `race-${crypto.randomUUID().slice(0, 8)}@example.test`;
  const { id, stub } = await connect('google', email);
  await settle(stub);
  await runInDurableObject(stub, async (_instance, state) => {
    const keyring = loadKeyring(env.CREDENTIAL_VAULT_KEYS);
    const binding = { organizationId: ORG_A, id, kind: 'oauth_refresh_token' as const };
    await state.storage.put('pendingRefreshToken', await seal(keyring, binding, 'stale-rotated-away-token'));
  });
  await ownerQuery(
    sql`update ce_calendar_connections set token_expires_at = now() - interval '1 minute' where id = ${id}`,
  );
  await evictDurableObject(stub); // drop the cached access token
  const token = await stub.getAccessToken(crypto.randomUUID());
  expect(token.ok).toBe(true);
  const [row] = await ownerQuery<{ sync_status: string; last_error_code: string | null }>(
    sql`select sync_status, last_error_code from ce_calendar_connections where id = ${id}`,
  );
  expect(row).toEqual({ sync_status: 'syncing', last_error_code: null });
  expect(
    await runInDurableObject(stub, (_i, state) => state.storage.get('pendingRefreshToken')),
  ).toBeUndefined();
});
