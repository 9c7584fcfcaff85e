/**
 * GET /v1/calendar/events against an emulator calendar in the mirror (freebusy-mirror.ts): every
 * occurrence of a recurring series (moved and cancelled instances included), free and declined
 * events shown but not busy, equal to the emulator's own `singleEvents=true` expansion; paging with
 * an opaque cursor; own events with view, others' with view-all only, never another organization's.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { emulatorControl } from './connect-helpers.ts';
import {
  bearerIn,
  type ConnectedUser,
  connectGoogleUser,
  createGoogleEvent,
  deleteEvent,
  googleList,
  instancesOf,
  MARCH_2027,
  newIds,
  patchEvent,
  syncIntoMirror,
} from './freebusy-mirror.ts';
import { call } from './helpers.ts';

const id = newIds('org', 'otherOrg', 'owner', 'organizer', 'colleague');
const WINDOW = MARCH_2027;

let owner: ConnectedUser;

interface Page {
  events: Array<{
    id: string;
    title: string | null;
    start: string;
    end: string;
    busy: boolean;
    all_day: boolean;
  }>;
  next_cursor: string | null;
}

async function list(bearer: Promise<string>, params: Record<string, string>) {
  const res = await call(`/v1/calendar/events?${new URLSearchParams(params)}`, { token: await bearer });
  return { status: res.status, text: await res.text() };
}

const token = bearerIn(id.org);

beforeAll(async () => {
  owner = await connectGoogleUser(id.org, id.owner, 'America/New_York');
  const organizer = await connectGoogleUser(id.org, id.organizer, 'Europe/Berlin');
  const nyTime = (dateTime: string) => ({ dateTime, timeZone: 'America/New_York' });
  const weekly = await createGoogleEvent(owner, {
    summary: 'Weekly review',
    start: nyTime('2027-03-02T15:00:00'),
    end: nyTime('2027-03-02T16:00:00'),
    recurrence: ['RRULE:FREQ=WEEKLY;COUNT=6'],
  });
  const instances = await instancesOf(owner, weekly.id, '2027-03-01T00:00:00Z', '2027-05-01T00:00:00Z');
  await patchEvent(owner, instances[2]!.id, {
    start: nyTime('2027-03-17T08:00:00'),
    end: nyTime('2027-03-17T09:00:00'),
  });
  await deleteEvent(owner, instances[3]!.id);
  await createGoogleEvent(owner, {
    summary: 'Company day',
    start: { date: '2027-03-19' },
    end: { date: '2027-03-20' },
  });
  await createGoogleEvent(owner, {
    summary: 'Free reading',
    transparency: 'transparent',
    start: nyTime('2027-03-11T10:00:00'),
    end: nyTime('2027-03-11T11:00:00'),
  });
  for (let day = 10; day < 30; day++) {
    await createGoogleEvent(owner, {
      summary: `Call ${day}`,
      start: nyTime(`2027-03-${day}T12:00:00`),
      end: nyTime(`2027-03-${day}T12:30:00`),
    });
  }
  const declined = await createGoogleEvent(organizer, {
    summary: 'Declined sync',
    start: nyTime('2027-03-12T13:00:00'),
    end: nyTime('2027-03-12T14:00:00'),
    attendees: [{ email: owner.email }],
  });
  await emulatorControl(`/accounts/google/${owner.email}/events/${declined.id}/respond`, {
    response: 'declined',
  });
  await syncIntoMirror(owner);
}, 120_000);

describe('events list', () => {
  it('equals the emulator’s own expansion (singleEvents=true) in the window', async () => {
    const { status, text } = await list(token(id.owner, ['ce.calendar.view']), { ...WINDOW, limit: '500' });
    expect(status, text).toBe(200);
    const page = JSON.parse(text) as Page;
    const { items } = await googleList(owner, {
      singleEvents: 'true',
      timeMin: WINDOW.time_min,
      timeMax: WINDOW.time_max,
    });
    const expected = items
      .filter((item) => item.status !== 'cancelled')
      .map(
        (item) =>
          `${item.summary}|${item.start?.dateTime ? new Date(item.start.dateTime).toISOString() : item.start?.date}`,
      )
      .sort();
    const got = page.events
      .map((e) => `${e.title}|${e.all_day ? (e as unknown as { start_date: string }).start_date : e.start}`)
      .sort();
    expect(got).toEqual(expected);
    expect(page.events.find((e) => e.title === 'Free reading')?.busy).toBe(false);
    expect(page.events.find((e) => e.title === 'Declined sync')?.busy).toBe(false);
    expect(page.events.filter((e) => e.title === 'Weekly review')).toHaveLength(3); // Mar 9, Mar 17 (moved from 16), Mar 30; Mar 23 cancelled
  });

  it('pages with an opaque cursor: no gap, no duplicate; a foreign cursor is 400', async () => {
    const all = JSON.parse(
      (await list(token(id.owner, ['ce.calendar.view']), { ...WINDOW, limit: '500' })).text,
    ) as Page;
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const params: Record<string, string> = { ...WINDOW, limit: '7', ...(cursor ? { cursor } : {}) };
      const { status, text } = await list(token(id.owner, ['ce.calendar.view']), params);
      expect(status, text).toBe(200);
      const page = JSON.parse(text) as Page;
      seen.push(...page.events.map((e) => e.id));
      cursor = page.next_cursor;
      pages++;
    } while (cursor && pages < 20);
    expect(pages).toBeGreaterThan(2);
    expect(seen).toEqual(all.events.map((e) => e.id));
    const first = JSON.parse(
      (await list(token(id.owner, ['ce.calendar.view']), { ...WINDOW, limit: '7' })).text,
    ) as Page;
    const other = await list(token(id.owner, ['ce.calendar.view']), {
      time_min: '2027-03-09T00:00:00Z',
      time_max: WINDOW.time_max,
      cursor: first.next_cursor!,
    });
    expect(other.status).toBe(400);
    expect(other.text).toContain('cursor');
    const junk = await list(token(id.owner, ['ce.calendar.view']), { ...WINDOW, cursor: '%%%' });
    expect(junk.status).toBe(400);
  });

  it("others' events need view-all (403); another organization's user is 404", async () => {
    const denied = await list(token(id.colleague, ['ce.calendar.view', 'ce.calendar.schedule']), {
      ...WINDOW,
      user_id: id.owner,
    });
    expect(denied.status).toBe(403);
    expect(denied.text).not.toContain('Weekly review');
    const allowed = await list(token(id.colleague, ['ce.calendar.view-all']), {
      ...WINDOW,
      user_id: id.owner,
    });
    expect(allowed.status).toBe(200);
    expect(allowed.text).toContain('Weekly review');
    const outsider = await list(bearerIn(id.otherOrg)(crypto.randomUUID(), ['ce.calendar.view-all']), {
      ...WINDOW,
      user_id: id.owner,
    });
    expect(outsider.status).toBe(404);
    expect(outsider.text).not.toContain('Weekly review');
    expect(allowed.text).not.toContain(owner.email);
  });

  it('bad input → 400 naming the field', async () => {
    const bearer = token(id.owner, ['ce.calendar.view']);
    for (const [params, field] of [
      [{ time_min: WINDOW.time_max, time_max: WINDOW.time_min }, 'time_max'],
      [{ ...WINDOW, user_id: 'nope' }, 'user_id'],
      [{ ...WINDOW, limit: '0' }, 'limit'],
      [{ time_min: 'x', time_max: WINDOW.time_max }, 'time_min'],
    ] as const) {
      const { status, text } = await list(bearer, params);
      expect(status, text).toBe(400);
      expect(text).toContain(field);
    }
  });
});
