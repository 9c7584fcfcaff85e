/**
 * getFreshCalendarAccessToken through the Durable Object: single-flight refresh under load,
 * Microsoft rotation safety, invalid_grant → reconnect_required, legacy rows.
 */
import { evictDurableObject, runDurableObjectAlarm } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { sql } from 'drizzle-orm';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { getFreshCalendarAccessToken } from '../../worker/services/tokens.ts';
import {
  connectThroughWorker,
  counters,
  createAccount,
  emulatorControl,
  registerPlatformClients,
} from './connect-helpers.ts';
import { ALICE, BOB, call, ORG_A, ownerQuery, tokenFor } from './helpers.ts';
import { readStored, writeStored } from './object-seam.ts';

const CONNECT = ['ce.calendar.connect', 'ce.calendar.view'];
const alice = () => tokenFor({ sub: ALICE, org_id: ORG_A, permissions: CONNECT });

async function connectionFor(email: string) {
  const [row] = await ownerQuery<{ id: string; organization_id: string; user_id: string }>(
    sql`select id, organization_id, user_id from ce_calendar_connections where account_email = ${email}`,
  );
  if (!row) throw new Error('no connection');
  return { id: row.id, organizationId: row.organization_id, userId: row.user_id };
}

const expire = (id: string) =>
  ownerQuery(
    sql`update ce_calendar_connections set token_expires_at = now() - interval '1 minute' where id = ${id}`,
  );

/** Evicts the object: in-memory tokens are gone, durable storage stays (as after a crash or restart). */
async function evict(id: string): Promise<void> {
  const stub = env.CALENDAR_CONNECTION.get(env.CALENDAR_CONNECTION.idFromName(id));
  await evictDurableObject(stub).catch(() => undefined); // not running → nothing in memory anyway
}

beforeAll(async () => {
  await registerPlatformClients();
  await createAccount('google', 'tok.g@acme.example');
  await createAccount('microsoft', 'tok.m@acme.example');
  await connectThroughWorker(await alice(), 'google', 'tok.g@acme.example');
  await connectThroughWorker(await alice(), 'microsoft', 'tok.m@acme.example');
  // These tests count token refreshes and evict the object at will: the connection's own sync runs
  // (which refresh tokens too, and may be mid-fetch at an eviction) are paused so only the test refreshes.
  for (const email of ['tok.g@acme.example', 'tok.m@acme.example']) {
    const { id } = await connectionFor(email);
    const paused = await call(`/v1/calendar/connections/${id}`, {
      method: 'PATCH',
      token: await alice(),
      json: { sync_enabled: false },
    });
    expect(paused.status).toBe(200);
  }
});

afterEach(() => vi.restoreAllMocks());

describe('single-flight token refresh', () => {
  it('200 concurrent requests with an expired token → exactly one refresh, one token for all', async () => {
    const connection = await connectionFor('tok.g@acme.example');
    await expire(connection.id);
    await evict(connection.id);
    const before = (await counters('google', 'tok.g@acme.example'))['token.refresh'] ?? 0;
    const tokens = await Promise.all(
      Array.from({ length: 200 }, () => getFreshCalendarAccessToken(env, connection)),
    );
    const after = (await counters('google', 'tok.g@acme.example'))['token.refresh'] ?? 0;
    expect(after - before).toBe(1);
    expect(new Set(tokens).size).toBe(1);
    // The token works at the provider.
    const res = await fetch(`${env.GOOGLE_API_BASE_URL}/calendar/v3/users/me/calendarList`, {
      headers: { authorization: `Bearer ${tokens[0]}` },
    });
    expect(res.status).toBe(200);
    // Warm: no further refresh.
    await getFreshCalendarAccessToken(env, connection);
    expect(((await counters('google', 'tok.g@acme.example'))['token.refresh'] ?? 0) - after).toBe(0);
  });

  it('refreshes ahead of expiry (inside the 5-minute window)', async () => {
    const connection = await connectionFor('tok.g@acme.example');
    await ownerQuery(
      sql`update ce_calendar_connections set token_expires_at = now() + interval '4 minutes' where id = ${connection.id}`,
    );
    await evict(connection.id);
    const before = (await counters('google', 'tok.g@acme.example'))['token.refresh'] ?? 0;
    await getFreshCalendarAccessToken(env, connection);
    expect(((await counters('google', 'tok.g@acme.example'))['token.refresh'] ?? 0) - before).toBe(1);
  });

  it('Microsoft rotation under concurrency never reuses a spent refresh token', async () => {
    const connection = await connectionFor('tok.m@acme.example');
    for (let round = 0; round < 3; round++) {
      await expire(connection.id);
      await evict(connection.id);
      const results = await Promise.all(
        Array.from({ length: 50 }, () => getFreshCalendarAccessToken(env, connection)),
      );
      expect(new Set(results).size).toBe(1);
    }
    const c = await counters('microsoft', 'tok.m@acme.example');
    expect(c['token.refresh']).toBe(3);
    expect(c['token.refresh_spent_reused'] ?? 0).toBe(0);
    expect(c['token.refresh_failed'] ?? 0).toBe(0);
  });

  it('a rotated token that reached the object but not the database is used next time (crash safety)', async () => {
    const connection = await connectionFor('tok.m@acme.example');
    await expire(connection.id);
    await evict(connection.id);
    await getFreshCalendarAccessToken(env, connection);
    // Simulate a crash after the provider answered: the vault still holds the previous (now spent)
    // refresh token, while the object kept the new one in durable storage.
    const stub = env.CALENDAR_CONNECTION.get(env.CALENDAR_CONNECTION.idFromName(connection.id));
    const [row] = await ownerQuery<{ refresh_token_credential_id: string }>(
      sql`select refresh_token_credential_id from ce_calendar_connections where id = ${connection.id}`,
    );
    const [current] = await ownerQuery<{ ciphertext: string; iv: string; key_version: number }>(
      sql`select ciphertext, iv, key_version from pf_credentials where id = ${row?.refresh_token_credential_id}`,
    );
    // Put the current (valid) refresh token in the object's pending slot, sealed for the object.
    const { loadKeyring } = await import('../../worker/vault/keys.ts');
    const { open, seal } = await import('../../worker/vault/cipher.ts');
    const keyring = loadKeyring(env.CREDENTIAL_VAULT_KEYS);
    const plaintext = await open(
      keyring,
      { organizationId: ORG_A, id: row?.refresh_token_credential_id ?? '', kind: 'oauth_refresh_token' },
      { ciphertext: current?.ciphertext ?? '', iv: current?.iv ?? '', keyVersion: current?.key_version ?? 0 },
    );
    await writeStored(
      stub,
      'pendingRefreshToken',
      await seal(
        keyring,
        { organizationId: ORG_A, id: connection.id, kind: 'oauth_refresh_token' },
        plaintext,
      ),
    );
    // …and the database row points at a refresh token the provider already spent.
    await emulatorControl('/options', { microsoftOldRefreshTokenValid: false });
    await ownerQuery(
      sql`update pf_credentials set ciphertext = 'c3BlbnQ=', iv = 'AAAAAAAAAAAAAAAA' where id = ${row?.refresh_token_credential_id}`,
    );
    await expire(connection.id);
    await evict(connection.id);
    expect(await readStored(stub, 'pendingRefreshToken')).toBeTruthy();
    const token = await getFreshCalendarAccessToken(env, connection);
    expect(token).toBeTruthy();
    expect(await readStored(stub, 'pendingRefreshToken')).toBeUndefined();
  });
});

describe('invalid_grant', () => {
  it('moves the connection to reconnect_required, logs error_code with a correlationId, and the API shows reconnect', async () => {
    const lines: string[] = [];
    for (const method of ['log', 'warn', 'error'] as const) {
      vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
        lines.push(args.map(String).join(' '));
      });
    }
    const connection = await connectionFor('tok.g@acme.example');
    await emulatorControl('/accounts/google/tok.g@acme.example/revoke-grants', {});
    await expire(connection.id);
    await evict(connection.id);
    await expect(getFreshCalendarAccessToken(env, connection)).rejects.toMatchObject({
      code: 'invalid_grant',
    });
    const [row] = await ownerQuery<{ sync_status: string; last_error_code: string }>(
      sql`select sync_status, last_error_code from ce_calendar_connections where id = ${connection.id}`,
    );
    expect(row).toEqual({ sync_status: 'reconnect_required', last_error_code: 'invalid_grant' });
    const failure = lines
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((l) => l.message === 'token refresh failed');
    expect(failure).toMatchObject({ error_code: 'invalid_grant', connection_id: connection.id });
    expect(failure?.correlationId).toMatch(/^[0-9a-f-]{36}$/);
    for (const line of lines) expect(line).not.toMatch(/ya29\.|1\/\/|@acme\.example/);
    vi.restoreAllMocks();
    const res = await call('/v1/calendar/connections', { token: await alice() });
    const cards = (
      (await res.json()) as { connections: Array<{ id: string; status: string; last_error_code: string }> }
    ).connections;
    expect(cards.find((c) => c.id === connection.id)).toMatchObject({
      status: 'reconnect',
      last_error_code: 'invalid_grant',
    });
  });

  it('a sync run notices a grant revoked while the access token is still cached: 401 → one forced refresh → reconnect', async () => {
    await createAccount('microsoft', 'probe.m@acme.example');
    await connectThroughWorker(await alice(), 'microsoft', 'probe.m@acme.example');
    const connection = await connectionFor('probe.m@acme.example');
    const stub = env.CALENDAR_CONNECTION.get(env.CALENDAR_CONNECTION.idFromName(connection.id));
    await runDurableObjectAlarm(stub); // the first sync after connecting: access is fine
    expect(
      (
        await ownerQuery<{ sync_status: string }>(
          sql`select sync_status from ce_calendar_connections where id = ${connection.id}`,
        )
      )[0]?.sync_status,
    ).toBe('syncing');
    await getFreshCalendarAccessToken(env, connection); // cached in the object
    await emulatorControl('/accounts/microsoft/probe.m@acme.example/revoke-grants', {});
    const before = (await counters('microsoft', 'probe.m@acme.example'))['token.refresh'] ?? 0;
    expect(await stub.requestSync('manual', crypto.randomUUID())).toMatchObject({ attached: true });
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    const [row] = await ownerQuery<{ sync_status: string; last_error_code: string }>(
      sql`select sync_status, last_error_code from ce_calendar_connections where id = ${connection.id}`,
    );
    expect(row).toEqual({ sync_status: 'reconnect_required', last_error_code: 'invalid_grant' });
    expect(((await counters('microsoft', 'probe.m@acme.example'))['token.refresh'] ?? 0) - before).toBe(1);
  });

  it('legacy rows: the token is read from plaintext columns only while migration_required, then moved to the vault by the refresh', async () => {
    // A legacy connection whose tokens are real grants at the emulator, stored the pre-PF-101 way.
    await createAccount('google', 'legacy.g@acme.example');
    await connectThroughWorker(
      await tokenFor({ sub: BOB, org_id: ORG_A, permissions: CONNECT }),
      'google',
      'legacy.g@acme.example',
    );
    const connection = await connectionFor('legacy.g@acme.example');
    const { loadKeyring } = await import('../../worker/vault/keys.ts');
    const { readCredential } = await import('../../worker/vault/store.ts');
    const { Database, systemClaims } = await import('../../db/tenant.ts');
    const keyring = loadKeyring(env.CREDENTIAL_VAULT_KEYS);
    const [row] = await ownerQuery<{
      access_token_credential_id: string;
      refresh_token_credential_id: string;
    }>(sql`select * from ce_calendar_connections where id = ${connection.id}`);
    const database = new Database(env);
    const [access, refresh] = await database.asTenant(systemClaims(ORG_A), async (tx) => [
      await readCredential(tx, keyring, row?.access_token_credential_id ?? ''),
      await readCredential(tx, keyring, row?.refresh_token_credential_id ?? ''),
    ]);
    await database.close();
    await ownerQuery(sql`update ce_calendar_connections set access_token_encrypted = ${access}, refresh_token_encrypted = ${refresh},
      access_token_credential_id = null, refresh_token_credential_id = null, migration_required = true, token_expires_at = now() + interval '1 hour' where id = ${connection.id}`);
    await ownerQuery(
      sql`delete from pf_credentials where id in (${row?.access_token_credential_id}, ${row?.refresh_token_credential_id})`,
    );
    await evict(connection.id);
    expect(await getFreshCalendarAccessToken(env, connection)).toBe(access);
    await expire(connection.id);
    await evict(connection.id);
    const refreshed = await getFreshCalendarAccessToken(env, connection);
    expect(refreshed).not.toBe(access);
    const [after] = await ownerQuery<Record<string, unknown>>(
      sql`select * from ce_calendar_connections where id = ${connection.id}`,
    );
    expect(after).toMatchObject({
      migration_required: false,
      access_token_encrypted: null,
      refresh_token_encrypted: null,
    });
    expect(after?.migrated_at).toBeTruthy();
    expect(after?.refresh_token_credential_id).toBeTruthy();
  });
});
