/**
 * Storage of the sync mirror (issue 13): the derived busy-occurrence table is tenant-isolated like
 * events (owner or view-all reads, owner writes), and colleagues reach it only through
 * `ce_busy_blocks()`, which returns busy blocks and nothing else. Runs in its own database (Postgres
 * with DATABASE_URL, PGlite otherwise) so other files' truncates cannot race it.
 */
import { and, eq, inArray, or } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/node-postgres';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalDatabase, prepareLocalDatabase } from '../../db/local/database.ts';
import { inboundConflictSet } from '../../db/queries/events.ts';
import { ceCalendarBusyOccurrences, ceCalendarEvents, syncTenantTables } from '../../db/schema.ts';
import { GOOGLE_APP_TAG_PROPERTY } from '../../worker/providers/google/app-tag.ts';
import { googleSeriesExpansion } from '../../worker/providers/google/recurrence.ts';
import { type GoogleEventJson, mapGoogleEvent } from '../../worker/providers/google/to-event.ts';
import { deriveSeriesBusy } from '../../worker/sync/busy.ts';
import { planPage } from '../../worker/sync/page-plan.ts';
import { busyRow, eventRow, mirrorFromRow } from '../../worker/sync/rows.ts';
import type { MirrorEvent } from '../../worker/sync/types.ts';
import { asTenant, type Claims, connect } from '../support/pg.ts';

const ORG_A = '0a000000-0000-4000-8000-0000000000a5';
const ORG_B = '0b000000-0000-4000-8000-0000000000b5';
const ALICE = 'a1000000-0000-4000-8000-0000000000a5';
const BOB = 'b0b00000-0000-4000-8000-0000000000b5';
const ZED = 'ffff0000-0000-4000-8000-0000000000f5';

let database: LocalDatabase;
let owner: pg.Client;
let app: pg.Client;
const connectionOf: Record<string, string> = {};
const eventOf: Record<string, string> = {};

async function insertReturningId(table: string, values: Record<string, unknown>): Promise<string> {
  const keys = Object.keys(values);
  const result = await owner.query(
    `insert into ${table} (${keys.join(', ')}) values (${keys.map((_, i) => `$${i + 1}`).join(', ')}) returning id`,
    Object.values(values),
  );
  return (result.rows[0] as { id: string }).id;
}

async function seedUser(org: string, user: string): Promise<void> {
  const connection = await insertReturningId('ce_calendar_connections', {
    organization_id: org,
    user_id: user,
    provider: 'google',
    account_email: `${user}@example.test`,
  });
  connectionOf[user] = connection;
  const event = await insertReturningId('ce_calendar_events', {
    organization_id: org,
    connection_id: connection,
    provider_event_id: `secret-${user}`,
    title: `Secret title of ${user}`,
    location: 'Board room',
    attendees: JSON.stringify([{ email: 'someone@example.test' }]),
    start_at: '2026-12-01T10:00:00Z',
    end_at: '2026-12-01T11:00:00Z',
    series_key: `secret-${user}`,
    event_kind: 'default',
  });
  eventOf[user] = event;
  await owner.query(
    `insert into ce_calendar_busy_occurrences
       (organization_id, user_id, connection_id, event_id, series_key, all_day, start_at, end_at, start_date, end_date, busy_kind)
     values ($1, $2, $3, $4, $5, false, '2026-12-01T10:00:00Z', '2026-12-01T11:00:00Z', null, null, 'busy'),
            ($1, $2, $3, $4, $5, true, null, null, '2026-12-02', '2026-12-03', 'out_of_office')`,
    [org, user, connection, event, `secret-${user}`],
  );
}

beforeAll(async () => {
  database = await prepareLocalDatabase({
    serverUrl: process.env.DATABASE_URL || undefined,
    databaseName: `cecal_syncstorage_${process.pid}_${Date.now().toString(36)}`,
    fresh: true,
    dropOnStop: true,
  });
  owner = await connect(database.ownerUrl);
  app = await connect(database.workerUrl);
  await seedUser(ORG_A, ALICE);
  await seedUser(ORG_A, BOB);
  await seedUser(ORG_B, ZED);
}, 120_000);

afterAll(async () => {
  await app?.end();
  await owner?.end();
  await database?.stop();
});

const rows = (claims: Claims, query: string, params: unknown[] = []) =>
  asTenant(app, claims, async () => (await app.query(query, params)).rows as Array<Record<string, unknown>>);

const busyBlocks = (
  claims: Claims,
  users: string[],
  from = '2026-11-30T00:00:00Z',
  to = '2026-12-05T00:00:00Z',
) =>
  rows(claims, 'select * from ce_busy_blocks($1::uuid[], $2, $3) order by user_id, start_at, start_date', [
    users,
    from,
    to,
  ]);

describe('busy occurrences: RLS', () => {
  it('has ENABLE and FORCE row level security and is not owned by the app role', async () => {
    const result = await owner.query(
      `select relname, relrowsecurity, relforcerowsecurity, pg_get_userbyid(relowner) as owner
         from pg_class where relname = any($1)`,
      [syncTenantTables],
    );
    expect(result.rows).toHaveLength(syncTenantTables.length);
    for (const row of result.rows) {
      expect(row).toMatchObject({ relrowsecurity: true, relforcerowsecurity: true });
      expect(row.owner).not.toBe('ce_app');
    }
  });

  it('the owner sees only their own rows; view-all sees the organization, never another', async () => {
    const own = await rows(
      { sub: ALICE, org_id: ORG_A, permissions: ['ce.calendar.view'] },
      'select user_id from ce_calendar_busy_occurrences',
    );
    expect(new Set(own.map((r) => r.user_id))).toEqual(new Set([ALICE]));
    const all = await rows(
      { sub: ALICE, org_id: ORG_A, permissions: ['ce.calendar.view-all'] },
      'select user_id, organization_id from ce_calendar_busy_occurrences',
    );
    expect(new Set(all.map((r) => r.user_id))).toEqual(new Set([ALICE, BOB]));
    expect(new Set(all.map((r) => r.organization_id))).toEqual(new Set([ORG_A]));
  });

  it('only the connection owner writes, and only rows for themselves', async () => {
    const alice = { sub: ALICE, org_id: ORG_A, permissions: ['ce.calendar.view-all'] };
    const colleague = await asTenant(app, alice, () =>
      app.query('delete from ce_calendar_busy_occurrences where user_id = $1', [BOB]),
    );
    expect(colleague.rowCount).toBe(0);
    const insert = (user: string, connection: string, event: string, org = ORG_A) =>
      asTenant(app, alice, () =>
        app.query(
          `insert into ce_calendar_busy_occurrences (organization_id, user_id, connection_id, event_id, series_key, start_at, end_at, busy_kind)
           values ($1, $2, $3, $4, 's', '2026-12-09T10:00:00Z', '2026-12-09T11:00:00Z', 'busy')`,
          [org, user, connection, event],
        ),
      );
    await expect(insert(BOB, connectionOf[BOB]!, eventOf[BOB]!)).rejects.toThrow(/row-level security/);
    await expect(insert(ALICE, connectionOf[BOB]!, eventOf[BOB]!)).rejects.toThrow(/row-level security/);
    await expect(insert(ALICE, connectionOf[ALICE]!, eventOf[ALICE]!, ORG_B)).rejects.toThrow(
      /row-level security/,
    );
    const ok = await insert(ALICE, connectionOf[ALICE]!, eventOf[ALICE]!);
    expect(ok.rowCount).toBe(1);
    await asTenant(app, alice, () =>
      app.query(`delete from ce_calendar_busy_occurrences where start_at = '2026-12-09T10:00:00Z'`),
    );
  });

  it('the shape check keeps timed rows as instants and all-day rows as dates', async () => {
    const bad = [
      `true, '2026-12-01T00:00:00Z', '2026-12-02T00:00:00Z', null, null`,
      `false, null, null, '2026-12-01', '2026-12-02'`,
      `false, '2026-12-01T11:00:00Z', '2026-12-01T10:00:00Z', null, null`,
      `true, null, null, '2026-12-02', '2026-12-02'`,
    ];
    for (const values of bad) {
      await expect(
        owner.query(
          `insert into ce_calendar_busy_occurrences (organization_id, user_id, connection_id, event_id, series_key, all_day, start_at, end_at, start_date, end_date, busy_kind)
           values ($1, $2, $3, $4, 's', ${values}, 'busy')`,
          [ORG_A, ALICE, connectionOf[ALICE], eventOf[ALICE]],
        ),
        values,
      ).rejects.toThrow(/check constraint/);
    }
  });

  it('deleting the mirror row removes its busy occurrences (nothing left blocking)', async () => {
    const event = await insertReturningId('ce_calendar_events', {
      organization_id: ORG_A,
      connection_id: connectionOf[ALICE],
      provider_event_id: 'to-delete',
      start_at: '2026-12-10T10:00:00Z',
      end_at: '2026-12-10T11:00:00Z',
    });
    await owner.query(
      `insert into ce_calendar_busy_occurrences (organization_id, user_id, connection_id, event_id, series_key, start_at, end_at, busy_kind)
       values ($1, $2, $3, $4, 'to-delete', '2026-12-10T10:00:00Z', '2026-12-10T11:00:00Z', 'busy')`,
      [ORG_A, ALICE, connectionOf[ALICE], event],
    );
    await owner.query('delete from ce_calendar_events where id = $1', [event]);
    const left = await owner.query(
      'select count(*)::int as n from ce_calendar_busy_occurrences where event_id = $1',
      [event],
    );
    expect(left.rows[0].n).toBe(0);
  });
});

describe('ce_busy_blocks(): colleagues see busy blocks only', () => {
  it('is SECURITY DEFINER with a pinned search_path', async () => {
    const result = await owner.query(
      `select prosecdef, proconfig from pg_proc where proname = 'ce_busy_blocks'`,
    );
    expect(result.rows[0].prosecdef).toBe(true);
    expect(result.rows[0].proconfig.join(',')).toMatch(/^search_path=/);
  });

  it('returns only user, interval and kind of busy: no title, location, attendees or event id', async () => {
    const blocks = await busyBlocks({ sub: ALICE, org_id: ORG_A, permissions: ['ce.calendar.schedule'] }, [
      BOB,
    ]);
    expect(blocks).toHaveLength(2);
    for (const block of blocks) {
      expect(Object.keys(block).sort()).toEqual([
        'busy_kind',
        'end_at',
        'end_date',
        'start_at',
        'start_date',
        'user_id',
      ]);
      expect(block.user_id).toBe(BOB);
    }
    const raw = JSON.stringify(blocks);
    expect(raw).not.toMatch(/Secret|Board room|someone@|secret-/);
    const timed = blocks.find((b) => b.start_at !== null)!;
    expect((timed.start_at as Date).toISOString()).toBe('2026-12-01T10:00:00.000Z');
    const allDay = blocks.find((b) => b.start_date !== null)!;
    expect(allDay.busy_kind).toBe('out_of_office');
  });

  it('works for a caller who cannot read the colleague rows directly (RLS would hide them)', async () => {
    const claims = { sub: ALICE, org_id: ORG_A, permissions: ['ce.calendar.schedule'] };
    expect(
      await rows(claims, 'select * from ce_calendar_busy_occurrences where user_id = $1', [BOB]),
    ).toEqual([]);
    expect(await busyBlocks(claims, [BOB])).toHaveLength(2);
  });

  it('never returns another organization, even when asked for its users by id', async () => {
    const blocks = await busyBlocks(
      { sub: ALICE, org_id: ORG_A, permissions: ['ce.calendar.schedule', 'ce.calendar.view-all'] },
      [ZED, BOB],
    );
    expect(new Set(blocks.map((b) => b.user_id))).toEqual(new Set([BOB]));
  });

  it('without schedule or view-all, a user gets only their own blocks', async () => {
    const blocks = await busyBlocks({ sub: ALICE, org_id: ORG_A, permissions: ['ce.calendar.view'] }, [
      ALICE,
      BOB,
    ]);
    expect(new Set(blocks.map((b) => b.user_id))).toEqual(new Set([ALICE]));
  });

  it('without claims nothing comes back', async () => {
    const blocks = await busyBlocks({ sub: '', org_id: '' } as Claims, [ALICE, BOB]).catch(() => []);
    expect(blocks).toEqual([]);
  });

  it('filters by window: timed rows exactly, all-day rows with a day of slack for any zone', async () => {
    const claims = { sub: ALICE, org_id: ORG_A, permissions: ['ce.calendar.schedule'] };
    // The timed block ends at 11:00Z (end exclusive); Dec 2 all-day may start Dec 1 10:00Z at UTC+14.
    const after = await busyBlocks(claims, [BOB], '2026-12-01T11:00:00Z', '2026-12-01T12:00:00Z');
    expect(after.filter((b) => b.start_at !== null)).toEqual([]);
    const before = await busyBlocks(claims, [BOB], '2026-11-30T00:00:00Z', '2026-11-30T09:00:00Z');
    expect(before).toEqual([]);
    // Dec 2 all-day, seen from a window on Dec 3 05:00Z (still Dec 2 in Los Angeles).
    const late = await busyBlocks(claims, [BOB], '2026-12-03T05:00:00Z', '2026-12-03T06:00:00Z');
    expect(late.map((b) => b.busy_kind)).toEqual(['out_of_office']);
    const far = await busyBlocks(claims, [BOB], '2026-12-05T00:00:00Z', '2026-12-06T00:00:00Z');
    expect(far).toEqual([]);
  });

  it('the ce_app role may not call it without the grant path (PUBLIC has no EXECUTE)', async () => {
    const result = await owner
      .query(
        `select has_function_privilege('public', 'ce_busy_blocks(uuid[], timestamptz, timestamptz)', 'execute') as pub`,
      )
      .catch(() => ({ rows: [{ pub: false }] }));
    expect(result.rows[0].pub).toBe(false);
  });
});

describe('a Google page written with the planner: one upsert, outbound rows kept, busy derived', () => {
  const ALICE_CLAIMS = { sub: ALICE, org_id: ORG_A, permissions: ['ce.calendar.view'] };
  const HORIZON = { startMs: Date.parse('2026-10-01T00:00:00Z'), endMs: Date.parse('2026-12-31T00:00:00Z') };
  const page: GoogleEventJson[] = [
    {
      id: 'meet1',
      summary: 'Renamed on Google',
      start: { dateTime: '2026-11-02T15:00:00+01:00' },
      end: { dateTime: '2026-11-02T16:00:00+01:00' },
      organizer: { email: 'alice@example.test', self: true },
      extendedProperties: { private: { [GOOGLE_APP_TAG_PROPERTY]: 'activity-tag' } },
    },
    {
      id: 'weekly',
      summary: 'Team weekly',
      start: { dateTime: '2026-10-19T09:00:00+02:00', timeZone: 'Europe/Berlin' },
      end: { dateTime: '2026-10-19T10:00:00+02:00', timeZone: 'Europe/Berlin' },
      recurrence: ['RRULE:FREQ=WEEKLY;COUNT=4', 'EXDATE;TZID=Europe/Berlin:20261026T090000'],
    },
    {
      id: 'weekly_20261102T080000Z',
      status: 'cancelled',
      recurringEventId: 'weekly',
      originalStartTime: { dateTime: '2026-11-02T09:00:00+01:00', timeZone: 'Europe/Berlin' },
    },
    {
      id: 'weekly_20261109T080000Z',
      recurringEventId: 'weekly',
      summary: 'Team weekly (moved)',
      originalStartTime: { dateTime: '2026-11-09T09:00:00+01:00', timeZone: 'Europe/Berlin' },
      start: { dateTime: '2026-11-10T14:00:00+01:00', timeZone: 'Europe/Berlin' },
      end: { dateTime: '2026-11-10T15:00:00+01:00', timeZone: 'Europe/Berlin' },
    },
    {
      id: 'declined',
      summary: 'Not going',
      start: { dateTime: '2026-11-03T10:00:00Z' },
      end: { dateTime: '2026-11-03T11:00:00Z' },
      organizer: { email: 'x@example.test' },
      attendees: [{ email: 'alice@example.test', self: true, responseStatus: 'declined' }],
    },
    {
      id: 'vacation',
      eventType: 'outOfOffice',
      summary: 'Away',
      start: { date: '2026-11-05' },
      end: { date: '2026-11-07' },
    },
    { id: 'gone', status: 'cancelled' },
  ];

  it('applies the page and ce_busy_blocks shows exactly the busy blocks', async () => {
    const activity = await insertReturningId('ce_activities', {
      organization_id: ORG_A,
      owner_user_id: ALICE,
      subject: 'CE meeting',
      starts_at: '2026-11-02T14:00:00Z',
      ends_at: '2026-11-02T15:00:00Z',
    });
    const tenancy = { organizationId: ORG_A, connectionId: connectionOf[ALICE]! };
    await owner.query(
      `insert into ce_calendar_events (organization_id, connection_id, provider_event_id, title, start_at, end_at, sync_direction, activity_id, series_key)
       values ($1, $2, 'meet1', 'CE meeting', '2026-11-02T14:00:00Z', '2026-11-02T15:00:00Z', 'outbound', $3, 'meet1')`,
      [ORG_A, tenancy.connectionId, activity],
    );
    const gone = await insertReturningId('ce_calendar_events', {
      organization_id: ORG_A,
      connection_id: tenancy.connectionId,
      provider_event_id: 'gone',
      start_at: '2026-11-04T10:00:00Z',
      end_at: '2026-11-04T11:00:00Z',
      series_key: 'gone',
    });
    await owner.query(
      `insert into ce_calendar_busy_occurrences (organization_id, user_id, connection_id, event_id, series_key, start_at, end_at, busy_kind)
       values ($1, $2, $3, $4, 'gone', '2026-11-04T10:00:00Z', '2026-11-04T11:00:00Z', 'busy')`,
      [ORG_A, ALICE, tenancy.connectionId, gone],
    );

    const plan = planPage(page.map((item) => mapGoogleEvent(item, 'Europe/Berlin')));
    const db = drizzle(app);
    await asTenant(app, ALICE_CLAIMS, async () => {
      const inConnection = eq(ceCalendarEvents.connectionId, tenancy.connectionId);
      if (plan.deletions.length) {
        await db
          .delete(ceCalendarEvents)
          .where(
            and(
              inConnection,
              or(
                inArray(ceCalendarEvents.providerEventId, plan.deletions),
                inArray(ceCalendarEvents.seriesKey, plan.deletions),
              ),
            ),
          );
      }
      const written = await db
        .insert(ceCalendarEvents)
        .values(plan.upserts.map((event) => eventRow(event, tenancy)))
        .onConflictDoUpdate({
          target: [ceCalendarEvents.connectionId, ceCalendarEvents.providerEventId],
          set: inboundConflictSet(),
        })
        .returning({ id: ceCalendarEvents.id, providerEventId: ceCalendarEvents.providerEventId });
      const idOf = new Map(written.map((w) => [w.providerEventId, w.id]));
      await db
        .delete(ceCalendarBusyOccurrences)
        .where(
          and(
            eq(ceCalendarBusyOccurrences.connectionId, tenancy.connectionId),
            inArray(ceCalendarBusyOccurrences.seriesKey, plan.recomputeSeries),
          ),
        );
      const bySeries = new Map<string, MirrorEvent[]>();
      for (const event of plan.upserts)
        bySeries.set(event.seriesKey, [...(bySeries.get(event.seriesKey) ?? []), event]);
      const busy = plan.recomputeSeries.flatMap((key) =>
        deriveSeriesBusy(googleSeriesExpansion, bySeries.get(key) ?? [], HORIZON).map((occurrence) =>
          busyRow(occurrence, {
            ...tenancy,
            userId: ALICE,
            eventId: idOf.get(occurrence.sourceProviderEventId)!,
          }),
        ),
      );
      await db.insert(ceCalendarBusyOccurrences).values(busy);
    });

    const meet = await owner.query(
      `select title, sync_direction, activity_id, app_tag from ce_calendar_events where provider_event_id = 'meet1'`,
    );
    expect(meet.rows).toEqual([
      {
        title: 'Renamed on Google',
        sync_direction: 'outbound',
        activity_id: activity,
        app_tag: 'activity-tag',
      },
    ]);
    const goneLeft = await owner.query(
      `select (select count(*)::int from ce_calendar_events where provider_event_id = 'gone') as events,
              (select count(*)::int from ce_calendar_busy_occurrences where series_key = 'gone') as busy`,
    );
    expect(goneLeft.rows[0]).toEqual({ events: 0, busy: 0 });

    const blocks = await busyBlocks(
      { sub: BOB, org_id: ORG_A, permissions: ['ce.calendar.schedule'] },
      [ALICE],
      '2026-10-15T00:00:00Z',
      '2026-11-20T00:00:00Z',
    );
    const shown = blocks.map((b) =>
      b.start_at
        ? `${(b.start_at as Date).toISOString()} ${b.busy_kind}`
        : `${(b.start_date as Date | string).toString().slice(0, 15)} ${b.busy_kind}`,
    );
    const timed = shown.filter((x) => x.startsWith('2026-'));
    expect(timed.sort()).toEqual([
      '2026-10-19T07:00:00.000Z busy', // 09:00 CEST
      '2026-11-02T14:00:00.000Z busy', // meet1
      '2026-11-10T13:00:00.000Z busy', // moved instance; Oct 26 EXDATE and Nov 2 cancelled
    ]);
    expect(blocks.filter((b) => b.start_date !== null).map((b) => b.busy_kind)).toEqual(['out_of_office']);
    expect(JSON.stringify(blocks)).not.toMatch(/Team|Away|Renamed|Not going/);

    // Recomputing a series from the stored rows gives the same occurrences as from the page.
    for (const seriesKey of plan.recomputeSeries) {
      const stored = await asTenant(app, ALICE_CLAIMS, () =>
        db
          .select()
          .from(ceCalendarEvents)
          .where(
            and(
              eq(ceCalendarEvents.connectionId, tenancy.connectionId),
              eq(ceCalendarEvents.seriesKey, seriesKey),
            ),
          ),
      );
      const fromRows = deriveSeriesBusy(googleSeriesExpansion, stored.map(mirrorFromRow), HORIZON);
      const fromPage = deriveSeriesBusy(
        googleSeriesExpansion,
        plan.upserts.filter((e) => e.seriesKey === seriesKey),
        HORIZON,
      );
      expect(fromRows, seriesKey).toEqual(fromPage);
    }
  });
});
