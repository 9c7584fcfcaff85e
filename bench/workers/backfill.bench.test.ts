/**
 * Backfill throughput (Vault backfill issue): 1,000 legacy rows migrated through the endpoint in
 * batches of 25, through the cron path, and by a raw loop that encrypts and updates the same rows
 * directly as the table owner (no RLS, no per-row claim); rows/s and the ratio to the raw loop.
 */
import { env } from 'cloudflare:workers';
import { sql } from 'drizzle-orm';
import { expect, it } from 'vitest';
import { LEGACY_SEED_SQL, legacySeedParams } from '../../db/seed/legacy.ts';
import { Database } from '../../db/tenant.ts';
import { call, ownerDrizzle, ownerQuery, ownerRaw, tokenFor } from '../../test/workers/helpers.ts';
import { runBackfillCron } from '../../worker/services/backfill.ts';
import { seal } from '../../worker/vault/cipher.ts';
import { loadKeyring } from '../../worker/vault/keys.ts';
import { report } from './stats.ts';

const ROWS = 1000;
const keyring = loadKeyring(env.CREDENTIAL_VAULT_KEYS);

async function seeded(tag: string): Promise<string> {
  const org = crypto.randomUUID();
  await ownerRaw(LEGACY_SEED_SQL, legacySeedParams(org, ROWS, tag));
  return org;
}

it('backfill throughput: endpoint, cron, raw SQL loop', async () => {
  // Endpoint, batches of 25, as the admin panel drives it.
  const endpointOrg = await seeded('benchEndpoint');
  const token = await tokenFor({ sub: crypto.randomUUID(), org_id: endpointOrg, roles: ['org_admin'] });
  let t = performance.now();
  let pending = ROWS;
  let calls = 0;
  while (pending > 0 && calls < 100) {
    const res = await call('/v1/calendar/token-backfill', { method: 'POST', token });
    pending = ((await res.json()) as { pending: number }).pending;
    calls += 1;
  }
  const endpointMs = performance.now() - t;
  expect(pending).toBe(0);

  // Cron path (all organizations; only this one has pending rows once the endpoint run is done).
  const cronOrg = await seeded('benchCron');
  const database = new Database(env);
  t = performance.now();
  const cron = await runBackfillCron(database, keyring, 600_000);
  const cronMs = performance.now() - t;
  await database.close();
  const [left] = await ownerQuery<{ n: number }>(
    sql`select count(*)::int as n from ce_calendar_connections where organization_id = ${cronOrg} and migration_required`,
  );
  expect(left?.n).toBe(0);

  // Raw loop: owner role, one transaction per row, encrypt + insert two credentials + update.
  const rawOrg = await seeded('benchRaw');
  const owner = ownerDrizzle();
  const rows = (
    await owner.db.execute(
      sql`select id, access_token_encrypted, refresh_token_encrypted from ce_calendar_connections where organization_id = ${rawOrg}`,
    )
  ).rows as Array<{ id: string; access_token_encrypted: string; refresh_token_encrypted: string }>;
  t = performance.now();
  for (const row of rows) {
    await owner.db.transaction(async (tx) => {
      const accessId = crypto.randomUUID();
      const refreshId = crypto.randomUUID();
      const a = await seal(
        keyring,
        { organizationId: rawOrg, id: accessId, kind: 'oauth_access_token' },
        row.access_token_encrypted,
      );
      const r = await seal(
        keyring,
        { organizationId: rawOrg, id: refreshId, kind: 'oauth_refresh_token' },
        row.refresh_token_encrypted,
      );
      await tx.execute(sql`insert into pf_credentials (id, organization_id, kind, ciphertext, iv, key_version) values
        (${accessId}, ${rawOrg}, 'oauth_access_token', ${a.ciphertext}, ${a.iv}, ${a.keyVersion}),
        (${refreshId}, ${rawOrg}, 'oauth_refresh_token', ${r.ciphertext}, ${r.iv}, ${r.keyVersion})`);
      await tx.execute(sql`update ce_calendar_connections set access_token_credential_id = ${accessId}, refresh_token_credential_id = ${refreshId},
        access_token_encrypted = null, refresh_token_encrypted = null, migration_required = false, migrated_at = now() where id = ${row.id}`);
    });
  }
  const rawMs = performance.now() - t;
  await owner.close();

  const perSecond = (ms: number) => Math.round((ROWS / ms) * 1000 * 10) / 10;
  const rawRate = perSecond(rawMs);
  report('backfill', 'endpoint, batches of 25', {
    rows: ROWS,
    calls,
    seconds: Math.round(endpointMs) / 1000,
    rows_per_s: perSecond(endpointMs),
    ratio_to_raw: Math.round((perSecond(endpointMs) / rawRate) * 100) / 100,
  });
  report('backfill', 'cron (all organizations)', {
    rows: cron.migrated,
    batches: cron.batches,
    seconds: Math.round(cronMs) / 1000,
    rows_per_s: perSecond(cronMs),
    ratio_to_raw: Math.round((perSecond(cronMs) / rawRate) * 100) / 100,
  });
  report('backfill', 'raw SQL loop (owner, encrypt + update)', {
    rows: ROWS,
    seconds: Math.round(rawMs) / 1000,
    rows_per_s: rawRate,
    ratio_to_raw: 1,
  });
});
