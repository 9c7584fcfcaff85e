/**
 * invalid_grant is final only after the vault was re-read (issue 13): a refresh token that lost a
 * rotation race (here: a stale pending token the object still holds) must not mark the connection
 * reconnect_required while the vault has a newer, working one. Google: a token Google never issued.
 * Microsoft: a real refresh token that a rotation replaced, refused with invalid_grant because the
 * emulator runs strict (`microsoftOldRefreshTokenValid: false`).
 */
import { evictDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { sql } from 'drizzle-orm';
import { afterAll, expect, it } from 'vitest';
import { Database } from '../../db/tenant.ts';
import { readConnectionTokens } from '../../durable-objects/connection-tokens.ts';
import { claimsOf } from '../../durable-objects/identity.ts';
import { seal } from '../../worker/vault/cipher.ts';
import { loadKeyring } from '../../worker/vault/keys.ts';
import { emulatorControl } from './connect-helpers.ts';
import { ALICE, ORG_A, ownerQuery } from './helpers.ts';
import { readStored, writeStored } from './object-seam.ts';
import { connect, settle } from './sync-model.ts';

it('a refused stale refresh token falls back to the vault’s current one; no reconnect', async () => {
  const email = `race-${crypto.randomUUID().slice(0, 8)}@example.test`;
  const { id, stub } = await connect('google', email);
  await settle(stub);
  const keyring = loadKeyring(env.CREDENTIAL_VAULT_KEYS);
  const binding = { organizationId: ORG_A, id, kind: 'oauth_refresh_token' as const };
  await writeStored(stub, 'pendingRefreshToken', await seal(keyring, binding, 'stale-rotated-away-token'));
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
  expect(await readStored(stub, 'pendingRefreshToken')).toBeUndefined();
});

/** The refresh token the vault holds for a connection now (read as the connection's owner). */
async function vaultRefreshToken(id: string): Promise<string | undefined> {
  const database = new Database(env);
  try {
    const claims = claimsOf({
      connectionId: id,
      organizationId: ORG_A,
      userId: ALICE,
      provider: 'microsoft',
    });
    const stored = await database.asTenant(claims, (tx) =>
      readConnectionTokens(tx, loadKeyring(env.CREDENTIAL_VAULT_KEYS), id),
    );
    return stored?.refreshToken;
  } finally {
    await database.close();
  }
}

const expireAccessToken = (id: string) =>
  ownerQuery(
    sql`update ce_calendar_connections set token_expires_at = now() - interval '1 minute' where id = ${id}`,
  );

afterAll(async () => {
  await emulatorControl('/options', { microsoftOldRefreshTokenValid: true });
});

it('Microsoft: a rotated-away refresh token refused with invalid_grant falls back to the vault’s newer one', async () => {
  await emulatorControl('/options', {
    microsoftRotateRefreshTokens: true,
    microsoftOldRefreshTokenValid: false,
  });
  const email = `race-ms-${crypto.randomUUID().slice(0, 8)}@example.test`;
  const { id, stub } = await connect('microsoft', email);
  await settle(stub);
  const rotatedAway = await vaultRefreshToken(id);
  expect(rotatedAway).toBeTruthy();
  // A refresh rotates: the vault gets the newer token and Graph's identity platform spends the old one.
  await expireAccessToken(id);
  await evictDurableObject(stub);
  expect((await stub.getAccessToken(crypto.randomUUID())).ok).toBe(true);
  const current = await vaultRefreshToken(id);
  expect(current).toBeTruthy();
  expect(current).not.toBe(rotatedAway);

  // The object still holds the rotated-away one (a refresh whose database write it believes unfinished).
  const keyring = loadKeyring(env.CREDENTIAL_VAULT_KEYS);
  const binding = { organizationId: ORG_A, id, kind: 'oauth_refresh_token' as const };
  await writeStored(stub, 'pendingRefreshToken', await seal(keyring, binding, rotatedAway ?? ''));
  const before = await emulatorControl<Record<string, number>>(`/accounts/microsoft/${email}/counters`);
  await expireAccessToken(id);
  await evictDurableObject(stub);
  const token = await stub.getAccessToken(crypto.randomUUID());
  expect(token.ok).toBe(true);
  const after = await emulatorControl<Record<string, number>>(`/accounts/microsoft/${email}/counters`);
  // The stale token really was refused by the provider (not skipped by our side).
  expect((after['token.refresh_failed'] ?? 0) - (before['token.refresh_failed'] ?? 0)).toBe(1);
  const [row] = await ownerQuery<{ sync_status: string; last_error_code: string | null }>(
    sql`select sync_status, last_error_code from ce_calendar_connections where id = ${id}`,
  );
  expect(row).toEqual({ sync_status: 'syncing', last_error_code: null });
  expect((await stub.status(crypto.randomUUID())).stage).not.toBe('reconnect_required');
  // The run after it syncs with the newer token.
  expect(await settle(stub)).toContain('ok');
}, 120_000);
