/**
 * Token benchmarks (Connect calendars issue): warm token fetch through the Durable Object vs a direct
 * vault read, and single-flight refresh under 200 concurrent callers.
 */
import { evictDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { sql } from 'drizzle-orm';
import { expect, it } from 'vitest';
import { Database } from '../../db/tenant.ts';
import {
  connectThroughWorker,
  counters,
  createAccount,
  registerPlatformClients,
} from '../../test/workers/connect-helpers.ts';
import { ALICE, ORG_A, ownerQuery, tokenFor } from '../../test/workers/helpers.ts';
import { getFreshCalendarAccessToken } from '../../worker/services/tokens.ts';
import { loadKeyring } from '../../worker/vault/keys.ts';
import { readCredential } from '../../worker/vault/store.ts';
import { report, summarize } from './stats.ts';

const SAMPLES = 300;

it('token fetch: Durable Object (warm) vs direct vault read; refresh single-flight under 200 callers', async () => {
  await registerPlatformClients();
  await createAccount('google', 'bench.g@acme.example');
  await connectThroughWorker(
    await tokenFor({ sub: ALICE, org_id: ORG_A, permissions: ['ce.calendar.connect'] }),
    'google',
    'bench.g@acme.example',
  );
  const [row] = await ownerQuery<{ id: string; access_token_credential_id: string }>(
    sql`select id, access_token_credential_id from ce_calendar_connections where account_email = 'bench.g@acme.example'`,
  );
  if (!row) throw new Error('no connection');
  const connection = { id: row.id, organizationId: ORG_A, userId: ALICE };

  await getFreshCalendarAccessToken(env, connection); // warm
  const viaObject: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    const t = performance.now();
    await getFreshCalendarAccessToken(env, connection);
    viaObject.push(performance.now() - t);
  }

  const keyring = loadKeyring(env.CREDENTIAL_VAULT_KEYS);
  const claims = { sub: ALICE, org_id: ORG_A, roles: [], permissions: [] };
  const direct: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    const t = performance.now();
    // What a route would do without the object: open a pool, tenant transaction, read + decrypt.
    const database = new Database(env);
    await database.asTenant(claims, (tx) => readCredential(tx, keyring, row.access_token_credential_id));
    await database.close();
    direct.push(performance.now() - t);
  }
  const warm = summarize(viaObject);
  const vault = summarize(direct);
  report('tokens', 'warm token via Durable Object', warm);
  report('tokens', 'direct vault read (pool + tx + decrypt)', vault);
  report('tokens', 'ratio direct/object (p50)', {
    ratio_p50: Math.round((vault.p50_ms / warm.p50_ms) * 100) / 100,
    ratio_p95: Math.round((vault.p95_ms / warm.p95_ms) * 100) / 100,
  });

  const walls: number[] = [];
  const calls: number[] = [];
  for (let round = 0; round < 5; round++) {
    await ownerQuery(
      sql`update ce_calendar_connections set token_expires_at = now() - interval '1 minute' where id = ${row.id}`,
    );
    await evictDurableObject(env.CALENDAR_CONNECTION.get(env.CALENDAR_CONNECTION.idFromName(row.id))).catch(
      () => undefined,
    );
    const before = (await counters('google', 'bench.g@acme.example'))['token.refresh'] ?? 0;
    const t = performance.now();
    const tokens = await Promise.all(
      Array.from({ length: 200 }, () => getFreshCalendarAccessToken(env, connection)),
    );
    walls.push(performance.now() - t);
    calls.push(((await counters('google', 'bench.g@acme.example'))['token.refresh'] ?? 0) - before);
    expect(new Set(tokens).size).toBe(1);
  }
  const wall = summarize(walls);
  report('tokens', 'refresh, 200 concurrent callers (5 rounds)', {
    token_endpoint_calls_per_round: Math.max(...calls),
    wall_p50_ms: wall.p50_ms,
    wall_max_ms: wall.max_ms,
  });
  expect(Math.max(...calls)).toBe(1);
});
