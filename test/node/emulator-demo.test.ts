/**
 * The control API can build every case the sync engine must handle, and `npm start`'s demo accounts
 * contain them: checked through the providers' own APIs (raw HTTP), as a sync engine would see them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningEmulator, startEmulator } from '../../emulator/server.ts';
import { seedDemoCalendars } from '../../scripts/demo-emulator.ts';
import { connect, control, provision } from '../support/emulator.ts';

let emulator: RunningEmulator;
const ALEX = 'alex.morgan@demo.example';
const SAM = 'sam.lee@demo.example';
const MEGAN = 'megan.bowen@demo.example';
const ADELE = 'adele.vance@demo.example';
const TODAY = new Date('2026-11-25T12:00:00Z'); // the weekly series run past the March 2027 DST changes
const tokens: Record<string, string> = {};

interface GoogleItem {
  id: string;
  status?: string;
  summary?: string;
  eventType?: string;
  recurringEventId?: string;
  start?: { dateTime?: string; date?: string };
  attendees?: Array<{ email: string; responseStatus: string }>;
}

async function googleList(email: string, query: string): Promise<GoogleItem[]> {
  const items: GoogleItem[] = [];
  let pageToken = '';
  do {
    const res = await fetch(
      `${emulator.url}/calendar/v3/calendars/primary/events?maxResults=2500&${query}${pageToken ? `&pageToken=${pageToken}` : ''}`,
      { headers: { authorization: `Bearer ${tokens[email]}` } },
    );
    const body = (await res.json()) as { items: GoogleItem[]; nextPageToken?: string };
    items.push(...body.items);
    pageToken = body.nextPageToken ?? '';
  } while (pageToken);
  return items;
}

async function graphGet<T>(email: string, path: string, init: RequestInit = {}): Promise<T> {
  const res = await fetch(path.startsWith('http') ? path : `${emulator.graphUrl}/v1.0${path}`, {
    ...init,
    headers: {
      authorization: `Bearer ${tokens[email]}`,
      'content-type': 'application/json',
      ...init.headers,
    },
  });
  return (await res.json()) as T;
}

beforeAll(async () => {
  emulator = await startEmulator({ seed: 7 });
  const google = await provision(emulator, 'google');
  const microsoft = await provision(emulator, 'microsoft');
  await seedDemoCalendars(emulator, TODAY);
  for (const email of [ALEX, SAM]) tokens[email] = (await connect(google, email)).access_token;
  for (const email of [MEGAN, ADELE]) tokens[email] = (await connect(microsoft, email)).access_token;
});
afterAll(() => emulator?.close());

describe('demo calendars (Google)', () => {
  it('a DST-crossing series with a moved and a cancelled instance, a split, a retimed series, OOO and working location', async () => {
    const expanded = await googleList(
      ALEX,
      'singleEvents=true&orderBy=startTime&timeMin=2026-11-01T00:00:00Z&timeMax=2027-06-01T00:00:00Z',
    );
    // (The random part of the calendar has "Pipeline review #n" singles; the series has no number.)
    const review = expanded.filter((e) => /^Pipeline review( \(moved\))?$/.test(e.summary ?? ''));
    expect(review).toHaveLength(19);
    expect(review.filter((e) => e.summary === 'Pipeline review (moved)')).toHaveLength(1);
    // Same wall time on both sides of the US DST change.
    const offsets = new Set(
      review.filter((e) => e.summary === 'Pipeline review').map((e) => e.start?.dateTime?.slice(10)),
    );
    expect(offsets).toEqual(new Set(['T10:00:00-05:00', 'T10:00:00-04:00']));
    const full = await googleList(ALEX, '');
    expect(full.some((e) => e.status === 'cancelled' && e.recurringEventId)).toBe(true);
    expect(full.some((e) => /_R\d{8}T\d{6}$/.test(e.id) && e.summary === '1:1 (new format)')).toBe(true);
    expect(expanded.some((e) => e.summary === 'Standup (demo day)')).toBe(false);
    expect(
      expanded
        .filter((e) => e.summary === 'Team standup')
        .every((e) => e.start?.dateTime?.includes('T09:30:00')),
    ).toBe(true);
    expect(full.some((e) => e.eventType === 'outOfOffice')).toBe(true);
    expect(full.some((e) => e.eventType === 'workingLocation')).toBe(true);
    expect(full.some((e) => e.summary === 'Company offsite' && e.start?.date)).toBe(true);
  });

  it('invitations between the two Google demo accounts, with the response back at the organizer', async () => {
    const alex = (await googleList(ALEX, '')).find((e) => e.summary === 'Deal review with Sam Lee');
    const sam = (await googleList(SAM, '')).find((e) => e.summary === 'Deal review with Sam Lee');
    expect(sam?.id).toBe(alex?.id);
    expect(alex?.attendees?.find((a) => a.email === SAM)?.responseStatus).toBe('accepted');
    expect((await googleList(SAM, '')).some((e) => e.summary === 'Forecast sync with Sam Lee')).toBe(true);
  });
});

describe('demo calendars (Microsoft)', () => {
  it('delta shows masters, stubs and the moved exception; the invitee has a copy; getSchedule shows oof', async () => {
    const items: Array<{ id: string; type?: string; subject?: string; iCalUId?: string }> = [];
    let page = await graphGet<{ value: typeof items; '@odata.nextLink'?: string }>(
      MEGAN,
      '/me/calendarView/delta?startDateTime=2026-11-01T00:00:00Z&endDateTime=2027-06-01T00:00:00Z',
    );
    items.push(...page.value);
    while (page['@odata.nextLink']) {
      page = await graphGet(MEGAN, page['@odata.nextLink']);
      items.push(...page.value);
    }
    expect(items.some((e) => e.type === 'seriesMaster' && e.subject === 'Pipeline review')).toBe(true);
    expect(items.some((e) => e.type === 'exception' && e.subject === 'Pipeline review (moved)')).toBe(true);
    expect(items.some((e) => e.subject === '1:1 (new format)')).toBe(true);
    const deal = items.find((e) => e.subject === 'Deal review with Adele Vance');
    const adele = await control<Array<{ iCalUId: string; responseStatus: { response: string } }>>(
      emulator,
      `/accounts/microsoft/${ADELE}/invitations`,
    );
    expect(adele.find((e) => e.iCalUId === deal?.iCalUId)?.responseStatus.response).toBe('accepted');
    const schedule = await graphGet<{ value: Array<{ availabilityView: string }> }>(
      ADELE,
      '/me/calendar/getSchedule',
      {
        method: 'POST',
        body: JSON.stringify({
          schedules: [MEGAN],
          startTime: { dateTime: '2026-12-03T13:00:00', timeZone: 'Pacific Standard Time' },
          endTime: { dateTime: '2026-12-03T17:00:00', timeZone: 'Pacific Standard Time' },
          availabilityViewInterval: 60,
        }),
      },
    );
    expect(schedule.value[0]?.availabilityView).toMatch(/^3+/);
  });
});
