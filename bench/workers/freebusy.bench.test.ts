/**
 * Free/busy and availability benchmarks (issue 14), in workerd against Postgres:
 * - free/busy for 10 users × 30 days, 2,000 events each (100 weekly series + 1,900 singles over a
 *   year), through the worker (auth + RLS): p50/p95;
 * - `ratio_p95_to_raw`: the free/busy database work (one tenant transaction: calendars + busy
 *   blocks through the SECURITY DEFINER functions) vs the raw SQL range query for the same rows,
 *   both over a warm connection;
 * - `ratio_p95_to_floor`: end-to-end p95 vs the floor, an authenticated request running one trivial
 *   tenant query over the same path (GET /v1/calendar/settings);
 * - availability for 20 users × 14 days, required all and 3: p50/p95.
 * The mirror is written with the sync engine's mapping, derivation and multi-row upserts
 * (test/workers/freebusy-mirror.ts `writeMirror`).
 */
import { env } from 'cloudflare:workers';
import { Pool } from '@neondatabase/serverless';
import { sql } from 'drizzle-orm';
import { expect, it } from 'vitest';
import { configureDriver, Database } from '../../db/tenant.ts';
import { writeMirror } from '../../test/workers/freebusy-mirror.ts';
import { call, insertConnection, ownerQuery, tokenFor } from '../../test/workers/helpers.ts';
import { readMirror } from '../../worker/services/freebusy.ts';
import { planPage } from '../../worker/sync/page-plan.ts';
import { calendarOf, DAY, FROM, SAMPLES, timed, timedInterleaved } from './freebusy-data.ts';
import { report, summarize } from './stats.ts';

const ORG = crypto.randomUUID();
const USERS = Array.from({ length: 20 }, () => crypto.randomUUID());

it('free/busy 10 users × 30 days (2,000 events each); availability 20 users × 14 days', async () => {
  for (const [index, userId] of USERS.entries()) {
    const connectionId = await insertConnection(ORG, userId);
    await writeMirror({ orgId: ORG, userId, connectionId }, planPage(calendarOf(index)), 'Europe/Berlin');
  }
  // Steady state: autovacuum has visited the freshly written mirror (its visibility map lets the
  // busy read be an index-only scan, as it is once autovacuum's insert threshold has fired).
  await ownerQuery(sql`vacuum analyze ce_calendar_busy_occurrences`);
  const ten = USERS.slice(0, 10);
  const window = {
    time_min: new Date(FROM).toISOString(),
    time_max: new Date(FROM + 30 * DAY).toISOString(),
  };
  const bearer = await tokenFor({ sub: ten[0]!, org_id: ORG, permissions: ['ce.calendar.schedule'] });

  // End to end: auth + RLS + the SECURITY DEFINER read + merging, through the worker; and the floor
  // (GET /v1/calendar/settings: the same auth, connection and tenant transaction, one trivial
  // query), sampled alternately so a burst of load on the shared machine hits both alike.
  let blocks = 0;
  const [endToEnd, floor] = await timedInterleaved(
    SAMPLES,
    async () => {
      const res = await call('/v1/calendar/freebusy', {
        method: 'POST',
        token: bearer,
        json: { user_ids: ten, ...window },
      });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { users: Array<{ busy: unknown[] }> };
      blocks = body.users.reduce((n, u) => n + u.busy.length, 0);
    },
    async () => {
      const res = await call('/v1/calendar/settings', { token: bearer });
      expect(res.status).toBe(200);
      await res.json();
    },
  );

  // Database work alone over a warm connection: our transaction vs the raw range query.
  const database = new Database(env);
  const claims = { sub: ten[0]!, org_id: ORG, roles: [], permissions: ['ce.calendar.schedule'] };
  const range = { start: FROM, end: FROM + 30 * DAY };
  const ours = await timed(SAMPLES, () => database.asTenant(claims, (tx) => readMirror(tx, ten, range)));
  await database.close();
  configureDriver({ DATABASE_URL: env.TEST_OWNER_DATABASE_URL, DB_WS_PROXY: env.DB_WS_PROXY });
  const pool = new Pool({ connectionString: env.TEST_OWNER_DATABASE_URL, max: 1 });
  pool.on('error', () => undefined);
  const rawText = `select user_id, start_at, end_at, start_date, end_date, busy_kind
      from ce_calendar_busy_occurrences
     where organization_id = $1 and user_id = any($2::uuid[])
       and ((start_at < $4 and end_at > $3) or (start_date <= ($4::timestamptz at time zone 'UTC')::date + 1
            and end_date >= ($3::timestamptz at time zone 'UTC')::date))`;
  const params = [ORG, ten, new Date(range.start).toISOString(), new Date(range.end).toISOString()];
  let rawRows = 0;
  const raw = await timed(SAMPLES, async () => {
    rawRows = (await pool.query(rawText, params)).rowCount ?? 0;
  });
  const plan = await pool.query(
    // The timed read inside ce_free_busy_read() (one user's range, as its per-user lateral runs it).
    `explain (analyze, buffers on, timing off) select b.start_at, b.end_at from ce_calendar_busy_occurrences b
      where b.organization_id = $1 and b.user_id = ($2::uuid[])[1] and b.start_at is not null
        and b.start_at < $4 and b.end_at > $3`,
    params,
  );
  const planLines = plan.rows.map((r) => String(r['QUERY PLAN']));
  report('freebusy', 'EXPLAIN ANALYZE timed busy range (1 user × 30 days)', {
    plan: planLines
      .filter((l) => /Scan|Heap Fetches|Buffers|Execution Time/.test(l))
      .map((l) => l.trim())
      .join(' | '),
  });
  await pool.end().catch(() => undefined);

  const e2e = summarize(endToEnd);
  const floorStats = summarize(floor);
  const db = summarize(ours);
  const rawStats = summarize(raw);
  const round = (n: number) => Math.round(n * 100) / 100;
  report('freebusy', 'free/busy 10 users × 30 days, end to end (auth + RLS)', {
    ...e2e,
    merged_blocks: blocks,
  });
  report('freebusy', 'floor: authenticated request, one trivial tenant query', floorStats);
  report('freebusy', 'free/busy database work (tenant tx, definer functions)', db);
  report('freebusy', 'raw SQL range query, same rows, warm connection', { ...rawStats, rows: rawRows });
  report('freebusy', 'ratios', {
    ratio_p95_to_raw: round(db.p95_ms / rawStats.p95_ms),
    ratio_p95_to_floor: round(e2e.p95_ms / floorStats.p95_ms),
    goal: '≤ 1.5 each',
  });

  // Availability: 20 users × 14 days (working hours Mon–Fri 09–17 in Berlin), all and any 3.
  const twenty = await tokenFor({ sub: USERS[0]!, org_id: ORG, permissions: ['ce.calendar.schedule'] });
  for (const required of ['all', 3] as const) {
    let slots = 0;
    const samples = await timed(50, async () => {
      const res = await call('/v1/calendar/availability', {
        method: 'POST',
        token: twenty,
        json: {
          user_ids: USERS,
          time_min: new Date(FROM).toISOString(),
          time_max: new Date(FROM + 14 * DAY).toISOString(),
          time_zone: 'Europe/Berlin',
          duration_minutes: 30,
          required,
        },
      });
      expect(res.status).toBe(200);
      slots = ((await res.json()) as { slots: unknown[] }).slots.length;
    });
    report('freebusy', `availability 20 users × 14 days, required ${required}`, {
      ...summarize(samples),
      slots,
    });
  }
});
