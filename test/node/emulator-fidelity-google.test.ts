/**
 * Google fidelity (issue 11): the places where code passing against the emulator would have produced
 * wrong data against the real Calendar v3 service, each driven through @googleapis/calendar (raw HTTP
 * where the client hides the shape) and asserted against providers.md §2–§6.
 */
import { type calendar_v3, calendar as googleCalendar } from '@googleapis/calendar';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type RunningEmulator, startEmulator } from '../../emulator/server.ts';
import { connect, control, type Provisioned, provision, webhookSink } from '../support/emulator.ts';

let emulator: RunningEmulator;
let google: Provisioned;
let tokens: Record<string, string>;
const ALICE = 'alice@fidelity.example';
const BOB = 'bob@fidelity.example';

function api(email: string): calendar_v3.Calendar {
  return googleCalendar({
    version: 'v3',
    rootUrl: `${emulator.url}/`,
    headers: { authorization: `Bearer ${tokens[email]}` },
  });
}

async function failure(promise: Promise<unknown>) {
  try {
    await promise;
    return { status: 200 };
  } catch (error) {
    const e = error as { response?: { status: number; data?: { error?: Record<string, unknown> } } };
    return { status: e.response?.status ?? 0, body: e.response?.data?.error };
  }
}

async function listAll(calendar: calendar_v3.Calendar, params: calendar_v3.Params$Resource$Events$List) {
  const items: calendar_v3.Schema$Event[] = [];
  const sizes: number[] = [];
  let pageToken: string | undefined;
  let nextSyncToken: string | undefined;
  do {
    const res = await calendar.events.list({
      calendarId: 'primary',
      ...params,
      ...(pageToken ? { pageToken } : {}),
    });
    items.push(...(res.data.items ?? []));
    sizes.push(res.data.items?.length ?? 0);
    pageToken = res.data.nextPageToken ?? undefined;
    nextSyncToken = res.data.nextSyncToken ?? undefined;
  } while (pageToken);
  return { items, sizes, nextSyncToken };
}

/** A daily series at 09:00 Chicago from 2027-04-05, `count` instances. */
async function dailySeries(summary: string, count = 5, extra: calendar_v3.Schema$Event = {}) {
  const res = await api(ALICE).events.insert({
    calendarId: 'primary',
    requestBody: {
      summary,
      start: { dateTime: '2027-04-05T09:00:00', timeZone: 'America/Chicago' },
      end: { dateTime: '2027-04-05T10:00:00', timeZone: 'America/Chicago' },
      recurrence: [`RRULE:FREQ=DAILY;COUNT=${count}`],
      ...extra,
    },
  });
  return res.data;
}

beforeAll(async () => {
  emulator = await startEmulator({ seed: 1101 });
  google = await provision(emulator, 'google');
  for (const [email, name] of [
    [ALICE, 'Alice Adams'],
    [BOB, 'Bob Brown'],
  ] as const)
    await control(emulator, '/accounts', { provider: 'google', email, name, time_zone: 'America/Chicago' });
  tokens = {
    [ALICE]: (await connect(google, ALICE)).access_token,
    [BOB]: (await connect(google, BOB)).access_token,
  };
});
afterAll(() => emulator?.close());
beforeEach(() => control(emulator, '/faults', undefined, 'DELETE'));

describe('item 4: a full list includes cancelled instances of recurring events', () => {
  it('returns the minimal cancelled instance without showDeleted or singleEvents', async () => {
    const series = await dailySeries('Cancelled-instance series');
    await api(ALICE).events.delete({ calendarId: 'primary', eventId: `${series.id}_20270407T140000Z` });
    const all = await listAll(api(ALICE), {});
    const cancelled = all.items.find((i) => i.id === `${series.id}_20270407T140000Z`);
    expect(cancelled).toEqual({
      kind: 'calendar#event',
      etag: expect.any(String),
      id: `${series.id}_20270407T140000Z`,
      status: 'cancelled',
      recurringEventId: series.id,
      originalStartTime: { dateTime: '2027-04-07T09:00:00-05:00', timeZone: 'America/Chicago' },
    });
    await api(ALICE).events.delete({ calendarId: 'primary', eventId: series.id ?? '' });
  });
});

describe('item 5: a series time change drops orphaned exceptions', () => {
  it('keeps one instance a day, keeps the cancelled day cancelled, and reports the dropped exception', async () => {
    const calendar = api(ALICE);
    const series = await dailySeries('Moving series');
    const start = await listAll(calendar, {});
    // Day 2 moved to 15:00, day 3 cancelled.
    await calendar.events.patch({
      calendarId: 'primary',
      eventId: `${series.id}_20270406T140000Z`,
      requestBody: {
        start: { dateTime: '2027-04-06T15:00:00-05:00' },
        end: { dateTime: '2027-04-06T16:00:00-05:00' },
      },
    });
    await calendar.events.delete({ calendarId: 'primary', eventId: `${series.id}_20270407T140000Z` });
    const before = await calendar.events.list({
      calendarId: 'primary',
      syncToken: start.nextSyncToken ?? '',
    });
    // The series moves to 11:00.
    await calendar.events.patch({
      calendarId: 'primary',
      eventId: series.id ?? '',
      requestBody: {
        start: { dateTime: '2027-04-05T11:00:00', timeZone: 'America/Chicago' },
        end: { dateTime: '2027-04-05T12:00:00', timeZone: 'America/Chicago' },
      },
    });
    const expanded = await listAll(calendar, {
      singleEvents: true,
      orderBy: 'startTime',
      timeMin: '2027-04-05T00:00:00Z',
      timeMax: '2027-04-11T00:00:00Z',
      q: 'Moving series',
    });
    expect(expanded.items.map((i) => i.start?.dateTime)).toEqual([
      '2027-04-05T11:00:00-05:00',
      '2027-04-06T11:00:00-05:00',
      '2027-04-08T11:00:00-05:00',
      '2027-04-09T11:00:00-05:00',
    ]);
    const changes = await calendar.events.list({
      calendarId: 'primary',
      syncToken: before.data.nextSyncToken ?? '',
    });
    const byId = new Map((changes.data.items ?? []).map((i) => [i.id, i]));
    expect(byId.get(`${series.id}_20270406T140000Z`)).toMatchObject({ status: 'cancelled' });
    expect(byId.get(series.id)?.start?.dateTime).toBe('2027-04-05T11:00:00-05:00');
    const busy = await calendar.freebusy.query({
      requestBody: {
        timeMin: '2027-04-06T00:00:00Z',
        timeMax: '2027-04-08T06:00:00Z',
        items: [{ id: 'primary' }],
      },
    });
    expect(busy.data.calendars?.primary?.busy, JSON.stringify(busy.data)).toEqual([
      { start: '2027-04-06T16:00:00Z', end: '2027-04-06T17:00:00Z' },
    ]);
  });
});

describe('item 6: short and empty pages; instances page', () => {
  it('events.instances pages with nextPageToken instead of truncating', async () => {
    const series = await dailySeries('Ten days', 10);
    const first = await api(ALICE).events.instances({
      calendarId: 'primary',
      eventId: series.id ?? '',
      maxResults: 3,
    });
    expect(first.data.items).toHaveLength(3);
    expect(first.data.nextPageToken).toBeTruthy();
    const ids = new Set((first.data.items ?? []).map((i) => i.id));
    let pageToken = first.data.nextPageToken ?? undefined;
    while (pageToken) {
      const page = await api(ALICE).events.instances({
        calendarId: 'primary',
        eventId: series.id ?? '',
        maxResults: 3,
        pageToken,
      });
      for (const item of page.data.items ?? []) ids.add(item.id);
      pageToken = page.data.nextPageToken ?? undefined;
    }
    expect(ids.size).toBe(10);
  });

  it('with shortPageProbability, pages may be short or empty and still link on; nothing is lost', async () => {
    await control(emulator, `/accounts/google/${ALICE}/generate`, {
      count: 120,
      seed: 9,
      start_date: '2028-01-01',
    });
    const full = await listAll(api(ALICE), { maxResults: 20 });
    await control(emulator, '/options', { shortPageProbability: 0.6 });
    try {
      const short = await listAll(api(ALICE), { maxResults: 20 });
      expect(short.sizes.slice(0, -1).some((size) => size < 20)).toBe(true);
      expect(short.items.map((i) => i.id).sort()).toEqual(full.items.map((i) => i.id).sort());
      expect(short.nextSyncToken).toBeTruthy();
    } finally {
      await control(emulator, '/options', { shortPageProbability: 0 });
    }
  });
});

describe('item 7: invitations between emulator accounts', () => {
  it('copies to the attendee (same id and iCalUID), follows changes, carries the response back, and cancels', async () => {
    const created = await api(ALICE).events.insert({
      calendarId: 'primary',
      requestBody: {
        summary: 'Pipeline review with Bob',
        start: { dateTime: '2027-05-03T10:00:00-05:00' },
        end: { dateTime: '2027-05-03T11:00:00-05:00' },
        attendees: [{ email: BOB }],
      },
    });
    const id = created.data.id ?? '';
    const copy = await api(BOB).events.get({ calendarId: 'primary', eventId: id });
    expect(copy.data).toMatchObject({
      id,
      iCalUID: created.data.iCalUID,
      summary: 'Pipeline review with Bob',
      organizer: { email: ALICE },
    });
    expect(copy.data.organizer?.self).toBeUndefined();
    expect(copy.data.attendees).toEqual([
      { email: ALICE, displayName: 'Alice Adams', responseStatus: 'accepted', organizer: true },
      { email: BOB, responseStatus: 'needsAction', self: true },
    ]);
    const freeBusy = async () =>
      (
        await api(ALICE).freebusy.query({
          requestBody: {
            timeMin: '2027-05-03T00:00:00Z',
            timeMax: '2027-05-04T00:00:00Z',
            items: [{ id: BOB }],
          },
        })
      ).data.calendars?.[BOB]?.busy;
    expect(await freeBusy()).toEqual([{ start: '2027-05-03T15:00:00Z', end: '2027-05-03T16:00:00Z' }]);

    await api(ALICE).events.patch({
      calendarId: 'primary',
      eventId: id,
      requestBody: { summary: 'Moved review' },
    });
    expect((await api(BOB).events.get({ calendarId: 'primary', eventId: id })).data.summary).toBe(
      'Moved review',
    );

    // Bob declines in his calendar: Alice sees it; Bob's free/busy no longer shows the meeting.
    await api(BOB).events.patch({
      calendarId: 'primary',
      eventId: id,
      requestBody: { attendees: [{ email: ALICE }, { email: BOB, responseStatus: 'declined' }] },
    });
    const organizer = await api(ALICE).events.get({ calendarId: 'primary', eventId: id });
    expect(organizer.data.attendees?.find((a) => a.email === BOB)?.responseStatus).toBe('declined');
    expect(await freeBusy()).toEqual([]);

    // The organizer cancels: the attendee's copy is cancelled too.
    await api(ALICE).events.delete({ calendarId: 'primary', eventId: id });
    expect((await api(BOB).events.get({ calendarId: 'primary', eventId: id })).data.status).toBe('cancelled');
  });

  it('the control API answers for the attendee', async () => {
    const created = await control<{ id: string }>(emulator, `/accounts/google/${ALICE}/events`, {
      event: {
        summary: 'Control-made invite',
        start: { dateTime: '2027-05-04T10:00:00-05:00' },
        end: { dateTime: '2027-05-04T11:00:00-05:00' },
        attendees: [{ email: BOB }],
      },
    });
    await control(emulator, `/accounts/google/${BOB}/events/${created.id}/respond`, { response: 'accepted' });
    const organizer = await api(ALICE).events.get({ calendarId: 'primary', eventId: created.id });
    expect(organizer.data.attendees?.find((a) => a.email === BOB)?.responseStatus).toBe('accepted');
  });
});

describe('item 8: eventType', () => {
  it('stores and renders out-of-office and working-location, filters by eventTypes, and only OOO is busy', async () => {
    const calendar = api(ALICE);
    const ooo = await calendar.events.insert({
      calendarId: 'primary',
      requestBody: {
        eventType: 'outOfOffice',
        summary: 'Out of office',
        start: { dateTime: '2027-06-01T09:00:00-05:00' },
        end: { dateTime: '2027-06-01T13:00:00-05:00' },
        outOfOfficeProperties: {
          autoDeclineMode: 'declineAllConflictingInvitations',
          declineMessage: 'Away',
        },
      },
    });
    expect(ooo.data).toMatchObject({
      eventType: 'outOfOffice',
      outOfOfficeProperties: { autoDeclineMode: 'declineAllConflictingInvitations', declineMessage: 'Away' },
    });
    const office = await calendar.events.insert({
      calendarId: 'primary',
      requestBody: {
        eventType: 'workingLocation',
        summary: 'Office',
        start: { date: '2027-06-01' },
        end: { date: '2027-06-02' },
        visibility: 'public',
        transparency: 'transparent',
        workingLocationProperties: { type: 'officeLocation', officeLocation: { label: 'HQ' } },
      },
    });
    expect(office.data).toMatchObject({ eventType: 'workingLocation', transparency: 'transparent' });
    const onlyOoo = await listAll(calendar, {
      eventTypes: ['outOfOffice'],
      timeMin: '2027-06-01T00:00:00Z',
      timeMax: '2027-06-03T00:00:00Z',
    });
    expect(onlyOoo.items.map((i) => i.id)).toEqual([ooo.data.id]);
    const busy = await calendar.freebusy.query({
      requestBody: {
        timeMin: '2027-06-01T00:00:00Z',
        timeMax: '2027-06-02T00:00:00Z',
        items: [{ id: 'primary' }],
      },
    });
    expect(busy.data.calendars?.primary?.busy).toEqual([
      { start: '2027-06-01T14:00:00Z', end: '2027-06-01T18:00:00Z' },
    ]);
    expect(
      await failure(
        calendar.events.insert({
          calendarId: 'primary',
          requestBody: {
            eventType: 'workingLocation',
            start: { date: '2027-06-02' },
            end: { date: '2027-06-03' },
          },
        }),
      ),
    ).toMatchObject({ status: 400 });
  });

  it('the generator creates out-of-office, focus-time and working-location events', async () => {
    await control(emulator, '/accounts', { provider: 'google', email: 'gen@fidelity.example' });
    const summary = await control<Record<string, number>>(
      emulator,
      '/accounts/google/gen@fidelity.example/generate',
      {
        count: 400,
        seed: 3,
      },
    );
    expect(summary.outOfOffice).toBeGreaterThan(0);
    expect(summary.focusTime).toBeGreaterThan(0);
    expect(summary.workingLocation).toBeGreaterThan(0);
  });
});

describe('item 10: quota errors', () => {
  it('quota_exceeded answers 403 quotaExceeded with PERMISSION_DENIED and the daily metric', async () => {
    await control(emulator, '/faults', {
      provider: 'google',
      account: ALICE,
      endpoint: 'events.list',
      kind: 'quota_exceeded',
      times: 1,
    });
    const res = await failure(api(ALICE).events.list({ calendarId: 'primary' }));
    expect(res).toMatchObject({
      status: 403,
      body: {
        code: 403,
        status: 'PERMISSION_DENIED',
        message: expect.stringMatching(
          /^Quota exceeded for quota metric 'Queries' and limit 'Queries per day'/,
        ),
        errors: [{ domain: 'usageLimits', reason: 'quotaExceeded' }],
      },
    });
  });
});

describe('item 11: watch applies the list query; sync tokens can expire on a schedule', () => {
  it('a dead syncToken on watch is 410; resourceUri keeps the calendar id as given', async () => {
    const sink = await webhookSink();
    try {
      const { nextSyncToken } = await listAll(api(ALICE), {});
      const watch = (id: string, syncToken?: string) =>
        api(ALICE).events.watch({
          calendarId: 'primary',
          ...(syncToken ? { syncToken } : {}),
          requestBody: { id, type: 'web_hook', address: sink.url },
        });
      const ok = await watch('fidelity-watch-1', nextSyncToken);
      expect(ok.data.resourceUri).toBe(
        'https://www.googleapis.com/calendar/v3/calendars/primary/events?alt=json',
      );
      await control(emulator, `/accounts/google/${ALICE}/invalidate-sync-tokens`, {});
      expect(await failure(watch('fidelity-watch-2', nextSyncToken))).toMatchObject({
        status: 410,
        body: { errors: [{ reason: 'fullSyncRequired' }] },
      });
      await control(emulator, '/settle', {});
      expect(sink.received[0]?.headers['x-goog-resource-uri']).toBe(
        'https://www.googleapis.com/calendar/v3/calendars/primary/events?alt=json',
      );
    } finally {
      await sink.close();
    }
  });

  it('googleSyncTokenTtlSeconds expires sync tokens when the clock passes it', async () => {
    await control(emulator, '/options', { googleSyncTokenTtlSeconds: 3600 });
    try {
      const { nextSyncToken } = await listAll(api(ALICE), {});
      expect(
        (await api(ALICE).events.list({ calendarId: 'primary', syncToken: nextSyncToken ?? '' })).status,
      ).toBe(200);
      await control(emulator, '/clock', { advance_seconds: 3601 });
      tokens[ALICE] = (await connect(google, ALICE)).access_token;
      expect(
        await failure(api(ALICE).events.list({ calendarId: 'primary', syncToken: nextSyncToken ?? '' })),
      ).toMatchObject({ status: 410 });
    } finally {
      await control(emulator, '/options', { googleSyncTokenTtlSeconds: 0 });
    }
  });
});

describe('item 13: smaller differences', () => {
  it('freeBusy renders busy times in the request timeZone', async () => {
    await api(ALICE).events.insert({
      calendarId: 'primary',
      requestBody: {
        summary: 'tz',
        start: { dateTime: '2027-07-01T10:00:00-05:00' },
        end: { dateTime: '2027-07-01T11:00:00-05:00' },
      },
    });
    const res = await api(ALICE).freebusy.query({
      requestBody: {
        timeMin: '2027-07-01T00:00:00Z',
        timeMax: '2027-07-02T00:00:00Z',
        timeZone: 'America/Chicago',
        items: [{ id: 'primary' }],
      },
    });
    expect(res.data.calendars?.primary?.busy).toEqual([
      { start: '2027-07-01T10:00:00-05:00', end: '2027-07-01T11:00:00-05:00' },
    ]);
  });

  it('Meet creation can answer pending first; the next read has the link', async () => {
    await control(emulator, '/options', { googleConferencePending: true });
    try {
      const created = await api(ALICE).events.insert({
        calendarId: 'primary',
        conferenceDataVersion: 1,
        requestBody: {
          summary: 'Meet',
          start: { dateTime: '2027-07-02T10:00:00-05:00' },
          end: { dateTime: '2027-07-02T11:00:00-05:00' },
          conferenceData: {
            createRequest: { requestId: 'req-1', conferenceSolutionKey: { type: 'hangoutsMeet' } },
          },
        },
      });
      expect(created.data.conferenceData?.createRequest?.status?.statusCode).toBe('pending');
      expect(created.data.hangoutLink).toBeUndefined();
      const read = await api(ALICE).events.get({ calendarId: 'primary', eventId: created.data.id ?? '' });
      expect(read.data.conferenceData?.createRequest?.status?.statusCode).toBe('success');
      expect(read.data.hangoutLink).toMatch(/^https:\/\/meet\.google\.com\//);
    } finally {
      await control(emulator, '/options', { googleConferencePending: false });
    }
  });

  it('an instance edit re-sends the master with updated bumped on incremental sync', async () => {
    const series = await dailySeries('Resend master');
    const { nextSyncToken } = await listAll(api(ALICE), {});
    await api(ALICE).events.patch({
      calendarId: 'primary',
      eventId: `${series.id}_20270406T140000Z`,
      requestBody: { summary: 'Just this one' },
    });
    const changes = await api(ALICE).events.list({ calendarId: 'primary', syncToken: nextSyncToken ?? '' });
    const master = changes.data.items?.find((i) => i.id === series.id);
    expect(changes.data.items?.map((i) => i.id).sort()).toEqual(
      [series.id, `${series.id}_20270406T140000Z`].sort(),
    );
    expect(Date.parse(master?.updated ?? '')).toBeGreaterThan(Date.parse(series.updated ?? ''));
  });

  it('the control API splits a series "this and following" into <id>_R<start> with a new iCalUID', async () => {
    const series = await dailySeries('Split me', 6);
    const split = await control<{ original: calendar_v3.Schema$Event; following: calendar_v3.Schema$Event }>(
      emulator,
      `/accounts/google/${ALICE}/events/${series.id}/split`,
      { start: '2027-04-08T14:00:00Z', event: { summary: 'Split me (new time)' } },
    );
    expect(split.following.id).toBe(`${series.id}_R20270408T140000`);
    expect(split.following.iCalUID).not.toBe(series.iCalUID);
    expect(split.original.recurrence).toEqual(['RRULE:FREQ=DAILY;UNTIL=20270408T135959Z']);
    expect(split.following.recurrence).toEqual(['RRULE:FREQ=DAILY;COUNT=3']);
    const expanded = await listAll(api(ALICE), {
      singleEvents: true,
      orderBy: 'startTime',
      q: 'Split me',
    });
    expect(expanded.items.map((i) => `${i.start?.dateTime} ${i.summary}`)).toEqual([
      '2027-04-05T09:00:00-05:00 Split me',
      '2027-04-06T09:00:00-05:00 Split me',
      '2027-04-07T09:00:00-05:00 Split me',
      '2027-04-08T09:00:00-05:00 Split me (new time)',
      '2027-04-09T09:00:00-05:00 Split me (new time)',
      '2027-04-10T09:00:00-05:00 Split me (new time)',
    ]);
  });
});
