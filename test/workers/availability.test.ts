/**
 * POST /v1/calendar/availability against emulator calendars in the mirror (freebusy-mirror.ts),
 * over the New York DST week. The oracle is brute force and independent of our zone code: every
 * minute of the window, local clocks from Intl, busy time from the emulator's own freeBusy.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import {
  bearerIn,
  type ConnectedUser,
  connectGoogleUser,
  createGoogleEvent,
  googleFreeBusyOracle,
  newIds,
  postJson,
  syncIntoMirror,
} from './freebusy-mirror.ts';
import { call } from './helpers.ts';

const id = newIds('org', 'otherOrg', 'ny', 'berlin', 'scheduler');
const ZONE = 'America/New_York';
const WINDOW = { time_min: '2027-03-10T00:00:00Z', time_max: '2027-03-18T00:00:00Z' };

let ny: ConnectedUser;
let berlin: ConnectedUser;

const token = bearerIn(id.org);
const availability = (bearer: Promise<string>, body: unknown) =>
  postJson('/v1/calendar/availability', bearer, body);

interface Slots {
  duration_minutes: number;
  slots: Array<{ start: string; end: string; free_user_ids: string[] }>;
  truncated: boolean;
}

beforeAll(async () => {
  ny = await connectGoogleUser(id.org, id.ny, ZONE);
  berlin = await connectGoogleUser(id.org, id.berlin, 'Europe/Berlin');
  const nyTime = (dateTime: string) => ({ dateTime, timeZone: ZONE });
  await createGoogleEvent(ny, {
    summary: 'Standup',
    start: nyTime('2027-03-01T09:00:00'),
    end: nyTime('2027-03-01T10:00:00'),
    recurrence: ['RRULE:FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR;COUNT=20'],
  });
  await createGoogleEvent(ny, {
    summary: 'Day off',
    start: { date: '2027-03-12' },
    end: { date: '2027-03-13' },
  });
  await createGoogleEvent(berlin, {
    summary: 'Berlin late call',
    start: { dateTime: '2027-03-15T17:00:00', timeZone: 'Europe/Berlin' },
    end: { dateTime: '2027-03-15T19:00:00', timeZone: 'Europe/Berlin' },
    recurrence: ['RRULE:FREQ=DAILY;COUNT=4'],
  });
  await syncIntoMirror(ny);
  await syncIntoMirror(berlin);
}, 120_000);

const parts = new Intl.DateTimeFormat('en-US', {
  timeZone: ZONE,
  weekday: 'short',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
});

/** Local weekday and minute of the day in New York, straight from Intl. */
function local(ms: number): { weekday: string; minute: number } {
  const p = Object.fromEntries(parts.formatToParts(new Date(ms)).map((x) => [x.type, x.value]));
  return { weekday: p.weekday!, minute: Number(p.hour) * 60 + Number(p.minute) };
}

async function oracle(
  required: 'all' | number,
  durationMinutes: number,
  users: ConnectedUser[],
  ids: string[],
) {
  const start = Date.parse(WINDOW.time_min);
  const end = Date.parse(WINDOW.time_max);
  const busy = await Promise.all(
    users.map(async (u) =>
      (await googleFreeBusyOracle(u, start, end)).map((b) => [Date.parse(b.start), Date.parse(b.end)]),
    ),
  );
  const working = (ms: number) => {
    const { weekday, minute } = local(ms);
    return !['Sat', 'Sun'].includes(weekday) && minute >= 540 && minute < 1020;
  };
  const slots: Array<{ start: string; end: string; free_user_ids: string[] }> = [];
  const step = 30;
  for (let s = start; s + durationMinutes * 60_000 <= end; s += 60_000) {
    if (local(s).minute % step !== 0) continue;
    const e = s + durationMinutes * 60_000;
    let inHours = true;
    for (let m = s; m < e; m += 60_000) if (!working(m)) inHours = false;
    if (!inHours) continue;
    const free = ids.filter((_, i) => busy[i]!.every(([bs, be]) => be! <= s || bs! >= e));
    if (free.length >= (required === 'all' ? ids.length : required)) {
      slots.push({ start: new Date(s).toISOString(), end: new Date(e).toISOString(), free_user_ids: free });
    }
  }
  return slots;
}

describe('availability equals a brute-force oracle over the DST week', () => {
  for (const required of ['all', 1] as const) {
    it(`required: ${required}`, async () => {
      const { status, text } = await availability(token(id.scheduler, ['ce.calendar.schedule']), {
        user_ids: [id.ny, id.berlin],
        ...WINDOW,
        time_zone: ZONE,
        duration_minutes: 30,
        required,
      });
      expect(status, text).toBe(200);
      const answer = JSON.parse(text) as Slots;
      expect(answer.slots).toEqual(await oracle(required, 30, [ny, berlin], [id.ny, id.berlin]));
      expect(answer.slots.length).toBeGreaterThan(0);
      // 09:00–10:00 local is the standup on both sides of the change; 10:00 local is free.
      const starts = answer.slots.map((s) => s.start);
      expect(starts).toContain('2027-03-11T15:00:00.000Z'); // 10:00 EST
      expect(starts).toContain('2027-03-16T14:00:00.000Z'); // 10:00 EDT
      // 09:00 EDT: the standup blocks New York; with any 1, Berlin alone makes the slot.
      if (required === 'all') expect(starts).not.toContain('2027-03-16T13:00:00.000Z');
      else
        expect(answer.slots.find((x) => x.start === '2027-03-16T13:00:00.000Z')?.free_user_ids).toEqual([
          id.berlin,
        ]);
    });
  }

  it('the all-day event blocks the New York user’s whole day; Berlin’s call blocks late afternoon', async () => {
    const { text } = await availability(token(id.scheduler, ['ce.calendar.schedule']), {
      user_ids: [id.ny, id.berlin],
      ...WINDOW,
      time_zone: ZONE,
      duration_minutes: 60,
      required: 1,
    });
    const slots = (JSON.parse(text) as Slots).slots;
    const onDayOff = slots.filter((s) => s.start.startsWith('2027-03-12'));
    expect(onDayOff.length).toBeGreaterThan(0);
    expect(onDayOff.every((s) => s.free_user_ids.join() === id.berlin)).toBe(true);
    // Berlin 17:00–19:00 CET on Mar 15 = 12:00–14:00 EDT.
    const noon = slots.find((s) => s.start === '2027-03-15T16:00:00.000Z');
    expect(noon?.free_user_ids).toEqual([id.ny]);
  });

  it('duration defaults to the organization setting', async () => {
    const admin = token(id.scheduler, ['ce.calendar.schedule'], ['org_admin']);
    const put = await call('/v1/calendar/settings', {
      method: 'PUT',
      token: await admin,
      json: {
        calendar_default_meeting_duration_minutes: 45,
        calendar_sync_poll_interval_minutes: 15,
        calendar_pre_meeting_notification_minutes: 15,
      },
    });
    expect(put.status).toBe(200);
    const { status, text } = await availability(admin, { user_ids: [id.ny], ...WINDOW, time_zone: ZONE });
    expect(status, text).toBe(200);
    const answer = JSON.parse(text) as Slots;
    expect(answer.duration_minutes).toBe(45);
    expect(answer.slots.every((s) => Date.parse(s.end) - Date.parse(s.start) === 45 * 60_000)).toBe(true);
  });
});

describe('permissions and bad input', () => {
  it("others' availability needs ce.calendar.schedule (403); another organization's users are 404", async () => {
    const denied = await availability(token(id.ny, ['ce.calendar.view']), {
      user_ids: [id.ny, id.berlin],
      ...WINDOW,
      time_zone: ZONE,
    });
    expect(denied.status).toBe(403);
    const outsider = await availability(
      bearerIn(id.otherOrg)(crypto.randomUUID(), ['ce.calendar.schedule']),
      {
        user_ids: [id.ny],
        ...WINDOW,
        time_zone: ZONE,
      },
    );
    expect(outsider.status).toBe(404);
    expect(outsider.text).not.toContain('Standup');
  });

  const cases: Array<[string, Record<string, unknown>, string]> = [
    ['duration below 15', { duration_minutes: 10 }, 'duration_minutes'],
    ['duration above 480', { duration_minutes: 481 }, 'duration_minutes'],
    ['unknown zone', { time_zone: 'Europe/Atlantis' }, 'time_zone'],
    ['inverted window', { time_min: WINDOW.time_max, time_max: WINDOW.time_min }, 'time_max'],
    ['required above the users', { required: 3 }, 'required'],
    [
      'bad working hours',
      { working_hours: { mon: [{ start: '17:00', end: '09:00' }] } },
      'working_hours.mon[0].end',
    ],
    ['> 50 users', { user_ids: Array.from({ length: 51 }, () => crypto.randomUUID()) }, 'user_ids'],
    ['malformed id', { user_ids: ['x'] }, 'user_ids[0]'],
  ];
  for (const [name, patch, field] of cases) {
    it(name, async () => {
      const { status, text } = await availability(token(id.scheduler, ['ce.calendar.schedule']), {
        user_ids: [id.ny, id.berlin],
        ...WINDOW,
        time_zone: ZONE,
        ...patch,
      });
      expect(status, text).toBe(400);
      const fields = (JSON.parse(text) as { error: { details: { fields: Array<{ field: string }> } } }).error
        .details.fields;
      expect(fields.map((f) => f.field)).toContain(field);
    });
  }
});
