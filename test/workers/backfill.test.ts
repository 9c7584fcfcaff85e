/**
 * Vault token backfill (PF-101 WS4) through the real endpoint, the cron path, Postgres and the vault.
 * Each test uses its own organizations: other test files share the database.
 */
import { env } from 'cloudflare:workers';
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { LEGACY_SEED_SQL, legacySeedParams, legacyTokens } from '../../db/seed/legacy.ts';
import { Database } from '../../db/tenant.ts';
import { runBackfillCron } from '../../worker/services/backfill.ts';
import { getFreshCalendarAccessToken } from '../../worker/services/tokens.ts';
import { open } from '../../worker/vault/cipher.ts';
import { loadKeyring } from '../../worker/vault/keys.ts';
import { connectThroughWorker, createAccount, registerPlatformClients } from './connect-helpers.ts';
import { ALICE, call, ownerQuery, ownerRaw, tokenFor } from './helpers.ts';

const keyring = loadKeyring(env.CREDENTIAL_VAULT_KEYS);
const admin = (org: string, roles = ['org_admin']) =>
  tokenFor({ sub: crypto.randomUUID(), org_id: org, roles, permissions: [] });

type Batch = {
  correlation_id: string;
  migrated: number;
  failed: number;
  nothing_to_migrate: number;
  pending: number;
  failures: Array<{ connection_id: string; reason: string }>;
  skipped: Array<{ connection_id: string; reason: string }>;
};

async function batch(token: string, path = '/v1/calendar/token-backfill', json?: unknown): Promise<Batch> {
  const res = await call(path, { method: 'POST', token, ...(json === undefined ? {} : { json }) });
  expect(res.status).toBe(200);
  return (await res.json()) as Batch;
}

async function seed(org: string, count: number, tag: string): Promise<void> {
  await ownerRaw(LEGACY_SEED_SQL, legacySeedParams(org, count, tag));
}

/** Every connection of `orgs` is migrated and each vault row decrypts to the seeded plaintext. */
async function expectFullyMigrated(
  orgs: string[],
  tags: Record<string, string>,
  total: number,
): Promise<void> {
  const rows = await ownerQuery<Record<string, string | boolean | null>>(
    sql`select c.*, a.ciphertext as a_ct, a.iv as a_iv, a.key_version as a_kv, r.ciphertext as r_ct, r.iv as r_iv, r.key_version as r_kv
        from ce_calendar_connections c
        left join pf_credentials a on a.id = c.access_token_credential_id
        left join pf_credentials r on r.id = c.refresh_token_credential_id
        where c.organization_id in ${sql.raw(`('${orgs.join("','")}')`)}`,
  );
  expect(rows).toHaveLength(total);
  for (const row of rows) {
    expect(row).toMatchObject({
      migration_required: false,
      access_token_encrypted: null,
      refresh_token_encrypted: null,
    });
    expect(row.migrated_at).toBeTruthy();
    const org = String(row.organization_id);
    const i = Number(String(row.account_email).match(/-(\d+)@/)?.[1]);
    const expected = legacyTokens(tags[org] ?? '', i);
    const access = await open(
      keyring,
      { organizationId: org, id: String(row.access_token_credential_id), kind: 'oauth_access_token' },
      { ciphertext: String(row.a_ct), iv: String(row.a_iv), keyVersion: Number(row.a_kv) },
    );
    const refresh = await open(
      keyring,
      { organizationId: org, id: String(row.refresh_token_credential_id), kind: 'oauth_refresh_token' },
      { ciphertext: String(row.r_ct), iv: String(row.r_iv), keyVersion: Number(row.r_kv) },
    );
    expect({ access, refresh }).toEqual(expected);
  }
  // No orphan credentials: exactly two per connection.
  const [credentials] = await ownerQuery<{ n: number }>(
    sql`select count(*)::int as n from pf_credentials where organization_id in ${sql.raw(`('${orgs.join("','")}')`)}`,
  );
  expect(credentials?.n).toBe(total * 2);
}

describe('vault backfill', () => {
  it('1,000 legacy rows over 3 organizations reach pending = 0 through repeated batches of 25', async () => {
    const orgs = [crypto.randomUUID(), crypto.randomUUID(), crypto.randomUUID()];
    const tags: Record<string, string> = {};
    const sizes = [334, 333, 333];
    for (const [i, org] of orgs.entries()) {
      tags[org] = `big${i}${org.slice(0, 4)}`;
      await seed(org, sizes[i] ?? 0, tags[org] ?? '');
    }
    for (const org of orgs) {
      const token = await admin(org);
      const status = await (await call('/v1/calendar/token-backfill/status', { token })).json();
      expect(status).toMatchObject({ failed: 0 });
      let last: Batch | undefined;
      for (let i = 0; i < 40 && (last?.pending ?? 1) > 0; i++) {
        last = await batch(
          token,
          i % 2 ? '/functions/v1/calendar-token-backfill' : '/v1/calendar/token-backfill',
        );
        expect(last.migrated).toBeLessThanOrEqual(25);
        expect(last.correlation_id).toMatch(/^[0-9a-f-]{36}$/);
      }
      expect(last?.pending).toBe(0);
      expect(await (await call('/v1/calendar/token-backfill/status', { token })).json()).toEqual({
        pending: 0,
        failed: 0,
        nothing_to_migrate: 0,
      });
    }
    await expectFullyMigrated(orgs, tags, 1000);
  });

  it('two and five concurrent runs plus the cron migrate each row exactly once', async () => {
    for (const runners of [2, 5]) {
      const org = crypto.randomUUID();
      const tag = `conc${runners}${org.slice(0, 4)}`;
      await seed(org, 150, tag);
      const token = await admin(org);
      let migratedByEndpoint = 0;
      const runner = async () => {
        for (let i = 0; i < 20; i++) {
          const result = await batch(token);
          migratedByEndpoint += result.migrated;
          expect(result.failed).toBe(0);
          if (result.pending === 0) return;
        }
      };
      const database = new Database(env);
      const [cron] = await Promise.all([
        runBackfillCron(database, keyring, 30_000),
        ...Array.from({ length: runners }, runner),
      ]);
      await database.close();
      // The cron may have taken rows of other organizations too, so bound rather than equal.
      expect(migratedByEndpoint).toBeLessThanOrEqual(150);
      expect(migratedByEndpoint + (cron?.migrated ?? 0)).toBeGreaterThanOrEqual(150);
      await expectFullyMigrated([org], { [org]: tag }, 150);
    }
  });

  it('a failure mid-batch is counted, leaves the row pending with no orphan credential, and a re-run finishes it', async () => {
    const org = crypto.randomUUID();
    const tag = `fail${org.slice(0, 4)}`;
    await seed(org, 10, tag);
    const [victim] = await ownerQuery<{ id: string }>(
      sql`select id from ce_calendar_connections where organization_id = ${org} and account_email like ${`legacy-${tag}-5@%`}`,
    );
    // Fault injection in the database: the row's update after its vault inserts raises.
    await ownerQuery(sql`create table if not exists test_backfill_failures (id uuid primary key)`);
    await ownerQuery(sql`create or replace function test_backfill_fail() returns trigger language plpgsql security definer set search_path = public as $$
      begin if not new.migration_required and exists (select 1 from test_backfill_failures where id = new.id) then raise exception 'injected vault failure'; end if; return new; end $$`);
    await ownerQuery(sql`drop trigger if exists test_backfill_fail on ce_calendar_connections`);
    await ownerQuery(
      sql`create trigger test_backfill_fail before update on ce_calendar_connections for each row execute function test_backfill_fail()`,
    );
    await ownerQuery(sql`insert into test_backfill_failures values (${victim?.id})`);
    try {
      const token = await admin(org);
      const first = await batch(token);
      expect(first).toMatchObject({ migrated: 9, failed: 1, pending: 1 });
      expect(first.failures).toEqual([{ connection_id: victim?.id, reason: 'vault_write_failed' }]);
      const [row] = await ownerQuery<{ migration_required: boolean; access_token_encrypted: string | null }>(
        sql`select * from ce_calendar_connections where id = ${victim?.id}`,
      );
      expect(row?.migration_required).toBe(true);
      const [creds] = await ownerQuery<{ n: number }>(
        sql`select count(*)::int as n from pf_credentials where organization_id = ${org}`,
      );
      expect(creds?.n).toBe(18);
      // Still failing: the batch ends instead of looping.
      expect(await batch(token)).toMatchObject({ migrated: 0, failed: 1, pending: 1 });
      expect(await (await call('/v1/calendar/token-backfill/status', { token })).json()).toEqual({
        pending: 1,
        failed: 1,
        nothing_to_migrate: 0,
      });
      await ownerQuery(sql`delete from test_backfill_failures`);
      expect(await batch(token)).toMatchObject({ migrated: 1, failed: 0, pending: 0 });
      await expectFullyMigrated([org], { [org]: tag }, 10);
    } finally {
      await ownerQuery(sql`drop trigger if exists test_backfill_fail on ce_calendar_connections`);
    }
  });

  it('empty or malformed legacy values fail with a reason code and do not block the others', async () => {
    const org = crypto.randomUUID();
    await seed(org, 4, `bad${org.slice(0, 4)}`);
    const rows = await ownerQuery<{ id: string }>(
      sql`select id from ce_calendar_connections where organization_id = ${org} order by id`,
    );
    await ownerQuery(
      sql`update ce_calendar_connections set access_token_encrypted = '' where id = ${rows[0]?.id}`,
    );
    await ownerQuery(
      sql`update ce_calendar_connections set refresh_token_encrypted = 'has spaces inside' where id = ${rows[1]?.id}`,
    );
    const result = await batch(await admin(org));
    expect(result).toMatchObject({ migrated: 2, failed: 2, pending: 2 });
    expect(result.failures.map((f) => f.reason).sort()).toEqual([
      'empty_legacy_token',
      'malformed_legacy_token',
    ]);
    const [creds] = await ownerQuery<{ n: number }>(
      sql`select count(*)::int as n from pf_credentials where organization_id = ${org}`,
    );
    expect(creds?.n).toBe(4);
  });

  it('a legacy row with neither token is reported as nothing to migrate, counted, and asks for a reconnect', async () => {
    const org = crypto.randomUUID();
    await seed(org, 3, `none${org.slice(0, 4)}`);
    const [empty] = await ownerQuery<{ id: string }>(
      sql`select id from ce_calendar_connections where organization_id = ${org} order by id limit 1`,
    );
    await ownerQuery(
      sql`update ce_calendar_connections set access_token_encrypted = null, refresh_token_encrypted = null where id = ${empty?.id}`,
    );
    const token = await admin(org);
    const result = await batch(token);
    expect(result).toMatchObject({ migrated: 2, failed: 0, nothing_to_migrate: 1, pending: 0 });
    expect(result.skipped).toEqual([{ connection_id: empty?.id, reason: 'no_legacy_tokens' }]);
    const [row] = await ownerQuery<{
      migration_required: boolean;
      migration_error_code: string;
      sync_status: string;
    }>(sql`select * from ce_calendar_connections where id = ${empty?.id}`);
    expect(row).toMatchObject({
      migration_required: false,
      migration_error_code: 'no_legacy_tokens',
      sync_status: 'reconnect_required',
    });
    expect(await (await call('/v1/calendar/token-backfill/status', { token })).json()).toEqual({
      pending: 0,
      failed: 0,
      nothing_to_migrate: 1,
    });
    // Not silently retried: the next batch has nothing left to do.
    expect(await batch(token)).toMatchObject({ migrated: 0, failed: 0, nothing_to_migrate: 0, pending: 0 });
  });

  it('org_admin cannot migrate or see another organization; non-admins get 403; platform_admin may target any', async () => {
    const orgA = crypto.randomUUID();
    const orgB = crypto.randomUUID();
    await seed(orgA, 3, `authA${orgA.slice(0, 4)}`);
    await seed(orgB, 3, `authB${orgB.slice(0, 4)}`);
    const res = await call('/v1/calendar/token-backfill', {
      method: 'POST',
      token: await admin(orgA),
      json: { organization_id: orgB },
    });
    expect(res.status).toBe(403);
    expect(
      (
        await call('/v1/calendar/token-backfill', {
          method: 'POST',
          token: await admin(orgA),
          json: { organization_id: 'all' },
        })
      ).status,
    ).toBe(403);
    expect(
      await (await call('/v1/calendar/token-backfill/status', { token: await admin(orgA) })).json(),
    ).toEqual({ pending: 3, failed: 0, nothing_to_migrate: 0 });
    const user = await tokenFor({
      sub: ALICE,
      org_id: orgA,
      permissions: ['ce.calendar.connect', 'ce.calendar.view-all'],
    });
    expect((await call('/v1/calendar/token-backfill', { method: 'POST', token: user })).status).toBe(403);
    expect(
      (await call('/functions/v1/calendar-token-backfill', { method: 'POST', token: user })).status,
    ).toBe(403);
    expect((await call('/functions/v1/calendar-token-backfill', { method: 'POST' })).status).toBe(401);
    expect((await call('/v1/calendar/token-backfill/status', { token: user })).status).toBe(403);
    expect(
      (
        await call('/v1/calendar/token-backfill', {
          method: 'POST',
          token: await admin(orgA),
          json: { organization_id: 'nope' },
        })
      ).status,
    ).toBe(400);
    // Org A's run leaves org B untouched.
    expect(await batch(await admin(orgA))).toMatchObject({ migrated: 3, pending: 0 });
    const [b] = await ownerQuery<{ n: number }>(
      sql`select count(*)::int as n from ce_calendar_connections where organization_id = ${orgB} and migration_required`,
    );
    expect(b?.n).toBe(3);
    const platform = await admin(orgA, ['platform_admin']);
    expect(await batch(platform, '/v1/calendar/token-backfill', { organization_id: orgB })).toMatchObject({
      migrated: 3,
      pending: 0,
    });
  });

  it('a connection gets a valid token before, during and after its migration', async () => {
    await registerPlatformClients();
    await createAccount('google', 'mid.g@acme.example');
    const org = crypto.randomUUID();
    const user = crypto.randomUUID();
    await connectThroughWorker(
      await tokenFor({ sub: user, org_id: org, permissions: ['ce.calendar.connect'] }),
      'google',
      'mid.g@acme.example',
    );
    const [row] = await ownerQuery<{
      id: string;
      access_token_credential_id: string;
      refresh_token_credential_id: string;
    }>(sql`select * from ce_calendar_connections where organization_id = ${org}`);
    const connection = { id: row?.id ?? '', organizationId: org, userId: user };
    // Turn it into a legacy row holding the same (valid) tokens in plaintext.
    const creds = await ownerQuery<{
      id: string;
      kind: 'oauth_access_token';
      ciphertext: string;
      iv: string;
      key_version: number;
    }>(sql`select * from pf_credentials where organization_id = ${org}`);
    const plain: Record<string, string> = {};
    for (const c of creds)
      plain[c.id] = await open(
        keyring,
        { organizationId: org, id: c.id, kind: c.kind },
        { ciphertext: c.ciphertext, iv: c.iv, keyVersion: c.key_version },
      );
    await ownerQuery(sql`update ce_calendar_connections set access_token_encrypted = ${plain[row?.access_token_credential_id ?? '']}, refresh_token_encrypted = ${plain[row?.refresh_token_credential_id ?? '']},
      access_token_credential_id = null, refresh_token_credential_id = null, migration_required = true where id = ${connection.id}`);
    await ownerQuery(sql`delete from pf_credentials where organization_id = ${org}`);
    const probe = async () => {
      const token = await getFreshCalendarAccessToken(env, connection);
      const res = await fetch(`${env.GOOGLE_API_BASE_URL}/calendar/v3/users/me/calendarList`, {
        headers: { authorization: `Bearer ${token}` },
      });
      return res.status;
    };
    expect(await probe()).toBe(200);
    const [during] = await Promise.all([Promise.all([probe(), probe(), probe()]), batch(await admin(org))]);
    expect(during).toEqual([200, 200, 200]);
    // After: the row is migrated and the vault serves it, even once the token must be refreshed.
    const [after] = await ownerQuery<{ migration_required: boolean }>(
      sql`select migration_required from ce_calendar_connections where id = ${connection.id}`,
    );
    expect(after?.migration_required).toBe(false);
    await ownerQuery(
      sql`update ce_calendar_connections set token_expires_at = now() - interval '1 minute' where id = ${connection.id}`,
    );
    const { evictDurableObject } = await import('cloudflare:test');
    await evictDurableObject(
      env.CALENDAR_CONNECTION.get(env.CALENDAR_CONNECTION.idFromName(connection.id)),
    ).catch(() => undefined);
    expect(await probe()).toBe(200);
  });
});
