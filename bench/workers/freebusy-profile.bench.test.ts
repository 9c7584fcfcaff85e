/**
 * Where a free/busy request's time goes (issue 14, `ratio_p95_to_floor`): each step of the request
 * timed on its own, next to the floor request's steps, on the benchmark's mirror (10 users × 30
 * days, 2,000 events each). The workerd test runtime's clock advances during CPU work, so CPU
 * steps (auth, merging, JSON) are timed directly.
 */
import { env } from 'cloudflare:workers';
import { sql } from 'drizzle-orm';
import { expect, it } from 'vitest';
import { readModuleSettings } from '../../db/queries/settings.ts';
import { Database } from '../../db/tenant.ts';
import { writeMirror } from '../../test/workers/freebusy-mirror.ts';
import { call, insertConnection, ownerQuery, tokenFor } from '../../test/workers/helpers.ts';
import type { RequestScope } from '../../worker/env.ts';
import { verifyBearer } from '../../worker/middleware/auth.ts';
import { FreeBusyRequest } from '../../worker/routes/availability-fields.ts';
import { busyByUser, freeBusy, ownerZone, readMirror } from '../../worker/services/freebusy.ts';
import { planPage } from '../../worker/sync/page-plan.ts';
import { calendarOf, DAY, FROM, timed } from './freebusy-data.ts';
import { report, summarize } from './stats.ts';

const ORG = crypto.randomUUID();
const USERS = Array.from({ length: 10 }, () => crypto.randomUUID());
const SAMPLES = 60;

function previousStatement(userIds: readonly string[], range: { start: number; end: number }) {
  const ids = sql`array[${sql.join(
    userIds.map((id) => sql`${id}`),
    sql`, `,
  )}]::uuid[]`;
  const from = new Date(range.start).toISOString();
  const to = new Date(range.end).toISOString();
  return sql`with blocks as materialized (
      select * from ce_busy_blocks(${ids}, ${from}::timestamptz, ${to}::timestamptz)
    )
    select 'c' as row_kind, user_id, connection_id, provider, sync_enabled, sync_status,
           (extract(epoch from last_sync_at) * 1000)::float8 as last_sync_ms, calendar_time_zone,
           null::float8 as start_ms, null::float8 as end_ms, null::text as start_date,
           null::text as end_date, null::text as busy_kind
      from ce_calendar_freshness(${ids})
    union all
    select 'b', user_id, null, null, null, null, null, null,
           (extract(epoch from lower(merged)) * 1000)::float8, (extract(epoch from upper(merged)) * 1000)::float8,
           null, null, 'busy'
      from (select user_id, unnest(range_agg(tstzrange(start_at, end_at))) as merged
              from blocks where start_at is not null group by user_id) timed
    union all
    select 'b', user_id, null, null, null, null, null, null, null, null,
           start_date::text, end_date::text, busy_kind
      from blocks where start_date is not null`;
}

it('free/busy request profile, step by step', async () => {
  for (const [index, userId] of USERS.entries()) {
    const connectionId = await insertConnection(ORG, userId);
    await writeMirror({ orgId: ORG, userId, connectionId }, planPage(calendarOf(index)), 'Europe/Berlin');
  }
  // Steady state: autovacuum has visited the freshly written mirror (its visibility map lets the
  // busy read be an index-only scan, as it is once autovacuum's insert threshold has fired).
  await ownerQuery(sql`vacuum analyze ce_calendar_busy_occurrences`);
  const range = { start: FROM, end: FROM + 30 * DAY };
  const body = {
    user_ids: USERS,
    time_min: new Date(range.start).toISOString(),
    time_max: new Date(range.end).toISOString(),
  };
  const permissions = ['ce.calendar.schedule'];
  const bearer = await tokenFor({ sub: USERS[0]!, org_id: ORG, permissions });
  const claims = { sub: USERS[0]!, org_id: ORG, roles: [], permissions };
  const rows: Array<[string, number[], Record<string, number>?]> = [];
  const step = async (name: string, run: () => Promise<unknown>, extra?: Record<string, number>) => {
    rows.push([name, await timed(SAMPLES, run), extra]);
  };

  await step('request: free/busy end to end', async () => {
    const res = await call('/v1/calendar/freebusy', { method: 'POST', token: bearer, json: body });
    expect(res.status).toBe(200);
    await res.text();
  });
  await step('request: floor end to end', async () => {
    const res = await call('/v1/calendar/settings', { token: bearer });
    expect(res.status).toBe(200);
    await res.text();
  });
  await step('cpu: verify bearer (HS256)', () =>
    verifyBearer(env, `Bearer ${bearer}`).then((c) => expect(c.sub).toBe(USERS[0])),
  );
  await step('cpu: check body', async () => expect(FreeBusyRequest.safeParse(body).success).toBe(true));

  // Database: a fresh connection per request (as the worker does) vs a warm one.
  await step('db cold: connect + tenant tx + trivial (floor)', async () => {
    const database = new Database(env);
    await database.asTenant(claims, (tx) => readModuleSettings(tx));
    await database.close();
  });
  await step('db cold: connect + tenant tx + free/busy read', async () => {
    const database = new Database(env);
    await database.asTenant(claims, (tx) => readMirror(tx, USERS, range));
    await database.close();
  });
  // The statement free/busy ran before migration 0015 (plpgsql ce_busy_blocks, merged after a
  // materialised CTE), for comparison in the same run.
  await step('db cold: connect + tenant tx + previous free/busy statement', async () => {
    const database = new Database(env);
    await database.asTenant(claims, (tx) => tx.execute(previousStatement(USERS, range)));
    await database.close();
  });
  await step('db cold: connect + tenant tx + select 1', async () => {
    const database = new Database(env);
    await database.asTenant(claims, (tx) => tx.execute(sql`select 1`));
    await database.close();
  });
  const warm = new Database(env);
  await step('db warm: tenant tx + trivial', () => warm.asTenant(claims, (tx) => readModuleSettings(tx)));
  await step('db warm: tenant tx + free/busy read', () =>
    warm.asTenant(claims, (tx) => readMirror(tx, USERS, range)),
  );
  const mirror = await warm.asTenant(claims, (tx) => readMirror(tx, USERS, range));
  await warm.close();

  const zoneOf = (id: string) =>
    ownerZone(
      mirror.calendars.filter((c) => c.userId === id),
      null,
    );
  await step('cpu: busyByUser (all-day in zone, merge, clip)', async () => {
    busyByUser(USERS, mirror.blocks, zoneOf, range);
  });
  const scope: RequestScope = { env, claims, correlationId: 'profile', db: new Database(env) };
  const answer = await freeBusy(scope, { userIds: USERS, range, timeZone: null, live: false });
  await scope.db.close();
  let json = '';
  await step('cpu: JSON.stringify answer', async () => {
    json = JSON.stringify(answer);
  });
  await step('cpu: JSON.parse answer', async () => {
    JSON.parse(json);
  });
  for (const [name, samples, extra] of rows) {
    report('freebusy-profile', name, { ...summarize(samples), ...(extra ?? {}) });
  }
  report('freebusy-profile', 'sizes', {
    blocks_from_db: mirror.blocks.length,
    busy_intervals: answer.users.reduce((n, u) => n + u.busy.length, 0),
    response_bytes: json.length,
  });
});
