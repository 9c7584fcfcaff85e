/**
 * POST /v1/calendar/freebusy against emulator calendars written into the mirror the engine's way
 * (freebusy-mirror.ts): recurring series with a moved and a cancelled instance across the New York
 * and Berlin DST changes, all-day events for users west and east of UTC, transparent, cancelled,
 * declined and out-of-office events. The oracle is the emulator's own freeBusy; live mode must
 * answer the same after the sync. Tenancy, permissions and bad input are covered at the end.
 */

import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import worker from '../../worker/index.ts';
import { emulatorControl } from './connect-helpers.ts';
import {
  bearerIn,
  type ConnectedUser,
  connectGoogleUser,
  createGoogleEvent,
  deleteEvent,
  googleFreeBusyOracle,
  instancesOf,
  MARCH_2027,
  newIds,
  patchEvent,
  postJson,
  syncIntoMirror,
} from './freebusy-mirror.ts';

const id = newIds('org', 'otherOrg', 'ny', 'berlin', 'scheduler', 'outsider');
const WINDOW = MARCH_2027;
const SECRETS = [
  'Standup secret',
  'Offsite secret',
  'Reading secret',
  'Vacation secret',
  'Dropped secret',
  'Declined secret',
  'Invite secret',
  'Berlin daily secret',
  'Berlin day secret',
  'Room 4.12',
];

let ny: ConnectedUser;
let berlin: ConnectedUser;

const token = bearerIn(id.org);
const freeBusy = (bearer: string | Promise<string>, body: unknown) =>
  postJson('/v1/calendar/freebusy', bearer, body);

interface Answer {
  source: string;
  users: Array<{
    user_id: string;
    busy: Array<{ start: string; end: string }>;
    all_day_time_zone: string;
    calendars: Array<{ last_sync_at: string | null }>;
    errors: unknown[];
  }>;
  not_found_user_ids: string[];
}

beforeAll(async () => {
  ny = await connectGoogleUser(id.org, id.ny, 'America/New_York');
  berlin = await connectGoogleUser(id.org, id.berlin, 'Europe/Berlin');
  const zoned = (dateTime: string, timeZone: string) => ({ dateTime, timeZone });
  const nyTime = (t: string) => zoned(t, 'America/New_York');
  const beTime = (t: string) => zoned(t, 'Europe/Berlin');

  // New York: a weekly 09:00 standup across the Mar 14 change; Mar 22 moved to 11:00, Mar 29 cancelled.
  const standup = await createGoogleEvent(ny, {
    summary: 'Standup secret',
    location: 'Room 4.12',
    start: nyTime('2027-03-01T09:00:00'),
    end: nyTime('2027-03-01T09:30:00'),
    recurrence: ['RRULE:FREQ=WEEKLY;COUNT=6'],
  });
  const instances = await instancesOf(ny, standup.id, '2027-03-01T00:00:00Z', '2027-04-30T00:00:00Z');
  const byDay = (day: string) => instances.find((i) => i.original_start.startsWith(day))!;
  await patchEvent(ny, byDay('2027-03-22').id, {
    start: nyTime('2027-03-22T11:00:00'),
    end: nyTime('2027-03-22T11:30:00'),
  });
  await deleteEvent(ny, byDay('2027-03-29').id);
  await createGoogleEvent(ny, {
    summary: 'Offsite secret',
    start: { date: '2027-03-10' },
    end: { date: '2027-03-11' },
  });
  await createGoogleEvent(ny, {
    summary: 'Reading secret',
    transparency: 'transparent',
    start: nyTime('2027-03-11T10:00:00'),
    end: nyTime('2027-03-11T11:00:00'),
  });
  await createGoogleEvent(ny, {
    summary: 'Vacation secret',
    eventType: 'outOfOffice',
    start: nyTime('2027-03-17T09:00:00'),
    end: nyTime('2027-03-17T17:00:00'),
  });
  const dropped = await createGoogleEvent(ny, {
    summary: 'Dropped secret',
    start: nyTime('2027-03-18T14:00:00'),
    end: nyTime('2027-03-18T15:00:00'),
  });
  await deleteEvent(ny, dropped.id);

  // Berlin: a weekday 08:30 daily across the Mar 28 change, an all-day event, two invitations to New York.
  await createGoogleEvent(berlin, {
    summary: 'Berlin daily secret',
    start: beTime('2027-03-22T08:30:00'),
    end: beTime('2027-03-22T09:00:00'),
    recurrence: ['RRULE:FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR;COUNT=10'],
  });
  await createGoogleEvent(berlin, {
    summary: 'Berlin day secret',
    start: { date: '2027-03-26' },
    end: { date: '2027-03-27' },
  });
  const declined = await createGoogleEvent(berlin, {
    summary: 'Declined secret',
    start: beTime('2027-03-09T16:00:00'),
    end: beTime('2027-03-09T17:00:00'),
    attendees: [{ email: ny.email }],
  });
  await emulatorControl(`/accounts/google/${ny.email}/events/${declined.id}/respond`, {
    response: 'declined',
  });
  await createGoogleEvent(berlin, {
    summary: 'Invite secret',
    start: beTime('2027-03-12T15:00:00'),
    end: beTime('2027-03-12T16:00:00'),
    attendees: [{ email: ny.email }],
  });
  await syncIntoMirror(ny);
  await syncIntoMirror(berlin);
}, 120_000);

describe('free/busy from the mirror equals the provider', () => {
  it('equals the emulator freeBusy for each user (recurring with exceptions, DST, all-day, kinds)', async () => {
    const { status, text } = await freeBusy(token(id.scheduler, ['ce.calendar.schedule']), {
      user_ids: [id.ny, id.berlin],
      ...WINDOW,
    });
    expect(status, text).toBe(200);
    const answer = JSON.parse(text) as Answer;
    expect(answer.source).toBe('mirror');
    const start = Date.parse(WINDOW.time_min);
    const end = Date.parse(WINDOW.time_max);
    for (const user of [ny, berlin]) {
      const mine = answer.users.find((u) => u.user_id === user.userId)!;
      expect(mine.busy, `user ${user.timeZone}`).toEqual(await googleFreeBusyOracle(user, start, end));
      expect(mine.all_day_time_zone).toBe(user.timeZone);
      expect(mine.calendars[0]?.last_sync_at).not.toBeNull();
    }
  });

  it('spot checks: DST-shifted instances, moved/cancelled instance, all-day east and west, kinds', async () => {
    const { text } = await freeBusy(token(id.ny, ['ce.calendar.view']), { user_ids: [id.ny], ...WINDOW });
    const busy = (JSON.parse(text) as Answer).users[0]!.busy.map((b) => `${b.start}/${b.end}`);
    expect(busy).toContain('2027-03-08T14:00:00.000Z/2027-03-08T14:30:00.000Z'); // 09:00 EST
    expect(busy).toContain('2027-03-15T13:00:00.000Z/2027-03-15T13:30:00.000Z'); // 09:00 EDT
    expect(busy).toContain('2027-03-22T15:00:00.000Z/2027-03-22T15:30:00.000Z'); // moved to 11:00
    expect(busy.some((b) => b.startsWith('2027-03-29T13:00'))).toBe(false); // cancelled instance
    expect(busy).toContain('2027-03-10T05:00:00.000Z/2027-03-11T05:00:00.000Z'); // all-day, New York day
    expect(busy.some((b) => b.startsWith('2027-03-11T14:00'))).toBe(false); // transparent
    expect(busy).toContain('2027-03-17T13:00:00.000Z/2027-03-17T21:00:00.000Z'); // out of office
    expect(busy.some((b) => b.startsWith('2027-03-18T18:00'))).toBe(false); // deleted
    expect(busy.some((b) => b.startsWith('2027-03-09T15:00'))).toBe(false); // declined
    expect(busy).toContain('2027-03-12T14:00:00.000Z/2027-03-12T15:00:00.000Z'); // unanswered invite
    const { text: berlinText } = await freeBusy(token(id.berlin, ['ce.calendar.view']), {
      user_ids: [id.berlin],
      ...WINDOW,
    });
    const berlinBusy = (JSON.parse(berlinText) as Answer).users[0]!.busy.map((b) => `${b.start}/${b.end}`);
    expect(berlinBusy).toContain('2027-03-25T23:00:00.000Z/2027-03-26T23:00:00.000Z'); // all-day, Berlin day
    expect(berlinBusy).toContain('2027-03-22T07:30:00.000Z/2027-03-22T08:00:00.000Z'); // 08:30 CET
    expect(berlinBusy).toContain('2027-03-29T06:30:00.000Z/2027-03-29T07:00:00.000Z'); // 08:30 CEST
  });

  it('live: true answers the same busy intervals as the mirror after a sync', async () => {
    const body = { user_ids: [id.ny, id.berlin], ...WINDOW };
    const mirror = JSON.parse(
      (await freeBusy(token(id.scheduler, ['ce.calendar.schedule']), body)).text,
    ) as Answer;
    const { status, text } = await freeBusy(token(id.scheduler, ['ce.calendar.schedule']), {
      ...body,
      live: true,
    });
    expect(status, text).toBe(200);
    const live = JSON.parse(text) as Answer;
    expect(live.source).toBe('live');
    for (const user of live.users) {
      expect(user.errors).toEqual([]);
      expect(user.busy).toEqual(mirror.users.find((u) => u.user_id === user.user_id)!.busy);
    }
  });

  it('live: a failing calendar is reported for its user; the others still answer', async () => {
    await emulatorControl('/faults', {
      provider: 'google',
      account: berlin.email,
      endpoint: 'freebusy',
      kind: 'http_503',
      times: 5,
    });
    try {
      const { status, text } = await freeBusy(token(id.scheduler, ['ce.calendar.schedule']), {
        user_ids: [id.ny, id.berlin],
        ...WINDOW,
        live: true,
      });
      expect(status, text).toBe(200);
      const live = JSON.parse(text) as Answer;
      const failed = live.users.find((u) => u.user_id === id.berlin)!;
      expect(failed.errors).toEqual([
        expect.objectContaining({ code: 'temporary', connection_id: berlin.connectionId }),
      ]);
      expect(live.users.find((u) => u.user_id === id.ny)!.errors).toEqual([]);
      expect(live.users.find((u) => u.user_id === id.ny)!.busy.length).toBeGreaterThan(0);
    } finally {
      await emulatorControl('/faults', undefined, 'DELETE');
    }
  });
});

describe('tenancy and permissions', () => {
  it('a colleague with schedule gets busy blocks only: no title, location or attendee in the raw JSON', async () => {
    for (const live of [false, true]) {
      const { status, text } = await freeBusy(token(id.scheduler, ['ce.calendar.schedule']), {
        user_ids: [id.ny, id.berlin],
        ...WINDOW,
        live,
      });
      expect(status).toBe(200);
      for (const secret of SECRETS) expect(text).not.toContain(secret);
      expect(text).not.toContain(ny.email);
      expect(text).not.toContain(berlin.email);
    }
  });

  it("without ce.calendar.schedule, others' free/busy is 403; one's own is fine", async () => {
    const denied = await freeBusy(token(id.ny, ['ce.calendar.view']), {
      user_ids: [id.ny, id.berlin],
      ...WINDOW,
    });
    expect(denied.status).toBe(403);
    expect(denied.text).not.toContain('secret');
    const own = await freeBusy(token(id.ny, ['ce.calendar.view']), { user_ids: [id.ny], ...WINDOW });
    expect(own.status).toBe(200);
    const none = await freeBusy(token(id.ny, []), { user_ids: [id.ny], ...WINDOW });
    expect(none.status).toBe(403);
  });

  it("another organization's users are excluded, never their data", async () => {
    for (const live of [false, true]) {
      const { status, text } = await freeBusy(
        bearerIn(id.otherOrg)(id.outsider, ['ce.calendar.schedule', 'ce.calendar.view-all']),
        { user_ids: [id.ny, id.berlin, id.outsider], ...WINDOW, live },
      );
      expect(status).toBe(200);
      const answer = JSON.parse(text) as Answer;
      expect(answer.users.map((u) => u.user_id)).toEqual([id.outsider]);
      expect(answer.users[0]!.busy).toEqual([]);
      expect(answer.not_found_user_ids.sort()).toEqual([id.ny, id.berlin].sort());
      expect(text).not.toContain('2027-03-08T14:00');
    }
  });
});

describe('bad input → 400 naming the field', () => {
  const bearer = () => token(id.scheduler, ['ce.calendar.schedule']);
  const cases: Array<[string, unknown, string]> = [
    [
      'inverted window',
      { user_ids: [id.ny], time_min: WINDOW.time_max, time_max: WINDOW.time_min },
      'time_max',
    ],
    [
      'over 62 days',
      { user_ids: [id.ny], time_min: '2027-01-01T00:00:00Z', time_max: '2027-03-05T00:00:00Z' },
      'time_max',
    ],
    ['unknown zone', { user_ids: [id.ny], ...WINDOW, time_zone: 'Mars/Olympus' }, 'time_zone'],
    ['offset as zone', { user_ids: [id.ny], ...WINDOW, time_zone: '+01:00' }, 'time_zone'],
    [
      '> 50 users',
      { user_ids: Array.from({ length: 51 }, () => crypto.randomUUID()), ...WINDOW },
      'user_ids',
    ],
    ['malformed id', { user_ids: [id.ny, 'not-a-uuid'], ...WINDOW }, 'user_ids[1]'],
    ['empty users', { user_ids: [], ...WINDOW }, 'user_ids'],
    ['bad time', { user_ids: [id.ny], time_min: 'yesterday', time_max: WINDOW.time_max }, 'time_min'],
    ['live not boolean', { user_ids: [id.ny], ...WINDOW, live: 'yes' }, 'live'],
  ];
  for (const [name, body, field] of cases) {
    it(name, async () => {
      const { status, text } = await freeBusy(bearer(), body);
      expect(status, text).toBe(400);
      const fields = (JSON.parse(text) as { error: { details: { fields: Array<{ field: string }> } } }).error
        .details.fields;
      expect(fields.map((f) => f.field)).toContain(field);
    });
  }

  it('1,000 random bodies: no 5xx', async () => {
    const small = fc.anything({ maxDepth: 2, maxKeys: 4 });
    const time = fc.oneof(
      fc
        .integer({ min: Date.parse('2027-03-01'), max: Date.parse('2027-05-30') })
        .map((ms) => new Date(ms).toISOString()),
      fc.string({ maxLength: 30 }),
      small,
    );
    const body = fc.oneof(
      {
        weight: 4,
        arbitrary: fc.record(
          {
            user_ids: fc.oneof(
              fc.uniqueArray(fc.constantFrom(id.ny, id.berlin, id.scheduler, id.outsider), { minLength: 1 }),
              fc.array(fc.oneof(fc.uuid(), fc.string({ maxLength: 40 })), { maxLength: 60 }),
              small,
            ),
            time_min: time,
            time_max: time,
            time_zone: fc.oneof(
              fc.constantFrom('America/New_York', 'UTC', 'Asia/Kathmandu', 'Nope/Zone', ''),
              small,
            ),
            // Live calls are covered above; here the checks and the mirror path.
            live: fc.oneof(fc.constant(false), fc.constantFrom('yes', 1, null), fc.string({ maxLength: 5 })),
          },
          { requiredKeys: ['user_ids', 'time_min', 'time_max'] },
        ),
      },
      { weight: 1, arbitrary: small },
      { weight: 1, arbitrary: fc.json({ maxDepth: 2 }).map((raw) => ({ raw })) },
    );
    const statuses = new Map<number, number>();
    const fuzzToken = await bearer();
    const bodies = fc.sample(body, { numRuns: 1000, seed: 14 });
    // Straight into the worker's fetch handler with an execution context of its own per request:
    // through `exports.default.fetch` each request of one test made the next slower (1,000 took
    // 140–430 s, 100 took 1 s); this way the same 1,000 take seconds.
    const send = async (value: unknown) => {
      const raw = typeof value === 'object' && value !== null && 'raw' in value;
      const ctx = createExecutionContext();
      const res = await worker.fetch(
        new Request('https://ce-calendar.test/v1/calendar/freebusy', {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${fuzzToken}` },
          body: raw ? String((value as { raw: unknown }).raw) : (JSON.stringify(value) ?? 'null'),
        }),
        env,
        ctx,
      );
      await waitOnExecutionContext(ctx);
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      await res.body?.cancel();
    };
    // 10 at a time: the same 1,000 bodies, a fraction of the wall time on a shared machine.
    for (let i = 0; i < bodies.length; i += 10) await Promise.all(bodies.slice(i, i + 10).map(send));
    expect([...statuses.values()].reduce((a, b) => a + b, 0)).toBe(1000);
    expect([...statuses.keys()].filter((s) => s >= 500)).toEqual([]);
    expect(statuses.get(200) ?? 0).toBeGreaterThan(0);
  }, 420_000);
});
