/**
 * `ce_free_busy_read()` (migration 0015), the one call behind free/busy and availability: the same
 * gate as `ce_busy_blocks()` (own calendars always, colleagues' with schedule or view-all, never
 * another organization), columns that cannot carry a title, attendee, location, email or event id,
 * and timed blocks merged per user exactly as `mergeIntervals` merges `ce_busy_blocks()` rows.
 * Runs in its own database (Postgres with DATABASE_URL, PGlite otherwise).
 */
import fc from 'fast-check';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalDatabase, prepareLocalDatabase } from '../../db/local/database.ts';
import { mergeIntervals } from '../../worker/availability/index.ts';
import { asTenant, type Claims, connect } from '../support/pg.ts';

const ORG_A = '0a000000-0000-4000-8000-0000000000a7';
const ORG_B = '0b000000-0000-4000-8000-0000000000b7';
const ALICE = 'a1000000-0000-4000-8000-0000000000a7';
const BOB = 'b0b00000-0000-4000-8000-0000000000b7';
const ZED = 'ffff0000-0000-4000-8000-0000000000f7';
const NOBODY = 'eeee0000-0000-4000-8000-0000000000e7';
const DAY_START = Date.parse('2026-12-01T00:00:00Z');
const MINUTE = 60_000;

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
  connectionOf[user] = await insertReturningId('ce_calendar_connections', {
    organization_id: org,
    user_id: user,
    provider: 'google',
    account_email: `${user}@example.test`,
    calendar_time_zone: 'America/New_York',
    last_sync_at: '2026-11-30T12:00:00Z',
  });
  eventOf[user] = await insertReturningId('ce_calendar_events', {
    organization_id: org,
    connection_id: connectionOf[user],
    provider_event_id: `secret-${user}`,
    title: `Secret title of ${user}`,
    location: 'Board room',
    attendees: JSON.stringify([{ email: 'someone@example.test' }]),
    start_at: '2026-12-01T10:00:00Z',
    end_at: '2026-12-01T11:00:00Z',
    series_key: `secret-${user}`,
  });
}

/** Replaces `user`'s busy rows: timed [startMin, endMin) minutes after DAY_START, plus one all-day. */
async function setBusy(user: string, timed: Array<[number, number]>): Promise<void> {
  await owner.query('delete from ce_calendar_busy_occurrences where user_id = $1', [user]);
  const org = user === ZED ? ORG_B : ORG_A;
  for (const [start, end] of timed) {
    await owner.query(
      `insert into ce_calendar_busy_occurrences
         (organization_id, user_id, connection_id, event_id, series_key, all_day, start_at, end_at, busy_kind)
       values ($1, $2, $3, $4, 'k', false, $5, $6, 'busy')`,
      [
        org,
        user,
        connectionOf[user],
        eventOf[user],
        new Date(DAY_START + start * MINUTE),
        new Date(DAY_START + end * MINUTE),
      ],
    );
  }
  await owner.query(
    `insert into ce_calendar_busy_occurrences
       (organization_id, user_id, connection_id, event_id, series_key, all_day, start_date, end_date, busy_kind)
     values ($1, $2, $3, $4, 'k', true, '2026-12-02', '2026-12-03', 'out_of_office')`,
    [org, user, connectionOf[user], eventOf[user]],
  );
}

beforeAll(async () => {
  database = await prepareLocalDatabase({
    serverUrl: process.env.DATABASE_URL || undefined,
    databaseName: `cecal_fbread_${process.pid}_${Date.now().toString(36)}`,
    fresh: true,
    dropOnStop: true,
  });
  owner = await connect(database.ownerUrl);
  app = await connect(database.workerUrl);
  for (const [org, user] of [
    [ORG_A, ALICE],
    [ORG_A, BOB],
    [ORG_B, ZED],
  ] as const) {
    await seedUser(org, user);
    await setBusy(user, [
      [600, 660],
      [660, 690],
    ]);
  }
}, 120_000);

afterAll(async () => {
  await app?.end();
  await owner?.end();
  await database?.stop();
});

const read = (claims: Claims, users: string[], from = '2026-11-30T00:00:00Z', to = '2026-12-05T00:00:00Z') =>
  asTenant(app, claims, async () => {
    const result = await app.query('select * from ce_free_busy_read($1::uuid[], $2, $3)', [users, from, to]);
    return result.rows as Array<Record<string, unknown>>;
  });

const schedule = { sub: ALICE, org_id: ORG_A, permissions: ['ce.calendar.schedule'] };

describe('ce_free_busy_read(): the gate', () => {
  it('is SECURITY DEFINER with a pinned search_path, and PUBLIC may not execute it', async () => {
    const result = await owner.query(
      `select prosecdef, proconfig,
              has_function_privilege('public', 'ce_free_busy_read(uuid[], timestamptz, timestamptz)', 'execute') as pub
         from pg_proc where proname = 'ce_free_busy_read'`,
    );
    expect(result.rows[0].prosecdef).toBe(true);
    expect(result.rows[0].proconfig.join(',')).toMatch(/^search_path=/);
    expect(result.rows[0].pub).toBe(false);
  });

  it('returns calendars and busy blocks only: no title, location, attendee, email or event id', async () => {
    const rows = await read(schedule, [BOB]);
    expect(rows.map((r) => r.user_id)).toEqual([BOB, BOB]);
    expect(Object.keys(rows[0]!).sort()).toEqual([
      'all_day_dates',
      'calendar_time_zone',
      'connection_id',
      'last_sync_ms',
      'provider',
      'sync_enabled',
      'sync_status',
      'timed_ms',
      'user_id',
    ]);
    const raw = JSON.stringify(rows);
    expect(raw).not.toMatch(/Secret|Board room|someone@|secret-|example\.test/);
    expect(raw).not.toContain(eventOf[BOB]);
    const [calendar, busy] = rows;
    expect(calendar).toMatchObject({
      connection_id: connectionOf[BOB],
      provider: 'google',
      calendar_time_zone: 'America/New_York',
      last_sync_ms: Date.parse('2026-11-30T12:00:00Z'),
      timed_ms: null,
    });
    // 10:00–11:00 and 11:00–11:30 touch: one block.
    expect(busy!.timed_ms).toEqual([[DAY_START + 600 * MINUTE, DAY_START + 690 * MINUTE]]);
    expect(busy!.all_day_dates).toEqual([['2026-12-02', '2026-12-03', 'out_of_office']]);
  });

  it('works where RLS hides the colleague rows from the caller', async () => {
    const direct = await asTenant(app, schedule, async () => {
      return (await app.query('select 1 from ce_calendar_busy_occurrences where user_id = $1', [BOB])).rows;
    });
    expect(direct).toEqual([]);
    expect(await read(schedule, [BOB])).toHaveLength(2);
  });

  it('never returns another organization or a user without a calendar, even asked by id', async () => {
    const rows = await read({ ...schedule, permissions: ['ce.calendar.view-all'] }, [ZED, BOB, NOBODY]);
    expect(new Set(rows.map((r) => r.user_id))).toEqual(new Set([BOB]));
  });

  it('without schedule or view-all, only the caller’s own calendars', async () => {
    const rows = await read({ sub: ALICE, org_id: ORG_A, permissions: ['ce.calendar.view'] }, [ALICE, BOB]);
    expect(new Set(rows.map((r) => r.user_id))).toEqual(new Set([ALICE]));
  });

  it('without claims, nothing', async () => {
    const rows = await read({ sub: '', org_id: '' } as Claims, [ALICE, BOB]).catch(() => []);
    expect(rows).toEqual([]);
  });

  it('filters by window: timed blocks exactly, all-day with a day of slack', async () => {
    const after = await read(schedule, [BOB], '2026-12-01T11:30:00Z', '2026-12-01T12:00:00Z');
    expect(after.find((r) => r.connection_id === null)?.timed_ms).toEqual([]);
    const far = await read(schedule, [BOB], '2026-12-05T00:00:00Z', '2026-12-06T00:00:00Z');
    expect(far.find((r) => r.connection_id === null)).toMatchObject({ timed_ms: [], all_day_dates: [] });
  });
});

describe('ce_free_busy_read(): merged timed blocks', () => {
  it('equal mergeIntervals of the rows ce_busy_blocks() returns, for any set of blocks', async () => {
    const block = fc
      .tuple(fc.integer({ min: 0, max: 2_000 }), fc.integer({ min: 1, max: 240 }))
      .map(([start, length]): [number, number] => [start, start + length]);
    await fc.assert(
      fc.asyncProperty(fc.array(block, { maxLength: 25 }), async (blocks) => {
        await setBusy(BOB, blocks);
        const window = ['2026-12-01T02:00:00Z', '2026-12-02T06:00:00Z'] as const;
        const rows = await read(schedule, [BOB], ...window);
        const merged = (rows.find((r) => r.connection_id === null)?.timed_ms ?? []) as number[][];
        const legacy = await asTenant(app, schedule, async () => {
          const result = await app.query(
            'select start_at, end_at from ce_busy_blocks($1::uuid[], $2, $3) where start_at is not null',
            [[BOB], ...window],
          );
          return result.rows as Array<{ start_at: Date; end_at: Date }>;
        });
        const expected = mergeIntervals(legacy.map((r) => ({ start: r.start_at, end: r.end_at })));
        expect(merged.map(([start, end]) => ({ start, end }))).toEqual(expected);
      }),
      { numRuns: 40 },
    );
  });
});
