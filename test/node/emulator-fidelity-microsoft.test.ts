/**
 * Microsoft fidelity (issue 11): calendarView/delta shape (occurrence stubs, series masters, series
 * never split across pages), opaque occurrence ids, silent occurrence deletes, orphaned exceptions,
 * paging, invitations, getSchedule digits, delta-token expiry and time-zone names, driven through
 * @microsoft/microsoft-graph-client (raw HTTP where the SDK hides headers) against providers.md §8–§10.
 */
import { Client, GraphError } from '@microsoft/microsoft-graph-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningEmulator, startEmulator } from '../../emulator/server.ts';
import { connect, control, type Provisioned, provision } from '../support/emulator.ts';

process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';

let emulator: RunningEmulator;
let microsoft: Provisioned;
const MEGAN = 'megan@fidelity.example';
const ADELE = 'adele@fidelity.example';
const tokens: Record<string, string> = {};
const STUB_KEYS = ['@odata.etag', '@odata.type', 'end', 'id', 'seriesMasterId', 'start', 'type'].sort();

interface GraphEvent {
  id: string;
  type?: string;
  subject?: string;
  seriesMasterId?: string | null;
  iCalUId?: string;
  start: { dateTime: string; timeZone: string };
  recurrence?: unknown;
  cancelledOccurrences?: string[];
  isCancelled?: boolean;
  isOrganizer?: boolean;
  responseStatus?: { response: string };
  attendees?: Array<{ emailAddress: { address: string }; status: { response: string } }>;
  originalStartTimeZone?: string;
  '@removed'?: { reason: string };
}
interface Page {
  value: GraphEvent[];
  '@odata.nextLink'?: string;
  '@odata.deltaLink'?: string;
}

function graph(email: string): Client {
  return Client.init({
    authProvider: (done) => done(null, tokens[email] ?? ''),
    baseUrl: emulator.graphTlsUrl ?? '',
    defaultVersion: 'v1.0',
    customHosts: new Set(['127.0.0.1']),
  });
}

async function graphStatus(promise: Promise<unknown>): Promise<{ status: number; code?: string }> {
  try {
    await promise;
    return { status: 200 };
  } catch (error) {
    if (error instanceof GraphError) return { status: error.statusCode, code: error.code ?? undefined };
    throw error;
  }
}

/** One delta round: every page until the deltaLink, with the items per page. */
async function deltaRound(email: string, first: string, pageSize = 100) {
  const pages: GraphEvent[][] = [];
  let page: Page = await graph(email).api(first).header('Prefer', `odata.maxpagesize=${pageSize}`).get();
  pages.push(page.value);
  while (page['@odata.nextLink']) {
    page = await graph(email)
      .api(page['@odata.nextLink'])
      .header('Prefer', `odata.maxpagesize=${pageSize}`)
      .get();
    pages.push(page.value);
  }
  return { pages, items: pages.flat(), deltaLink: page['@odata.deltaLink'] ?? '' };
}

const windowQuery = (from: string, to: string) =>
  `/me/calendarView/delta?startDateTime=${from}&endDateTime=${to}`;

/** A weekly Monday series at 09:00 Berlin, `count` instances from 2027-03-01. */
async function weeklySeries(email: string, subject: string, count = 4, startDate = '2027-03-01') {
  return (await graph(email)
    .api('/me/events')
    .post({
      subject,
      start: { dateTime: `${startDate}T09:00:00`, timeZone: 'W. Europe Standard Time' },
      end: { dateTime: `${startDate}T09:30:00`, timeZone: 'W. Europe Standard Time' },
      recurrence: {
        pattern: { type: 'weekly', interval: 1, daysOfWeek: ['monday'] },
        range: { type: 'numbered', startDate, numberOfOccurrences: count },
      },
    })) as GraphEvent;
}

beforeAll(async () => {
  emulator = await startEmulator({ seed: 1102, tls: true });
  microsoft = await provision(emulator, 'microsoft');
  for (const [email, name] of [
    [MEGAN, 'Megan Bowen'],
    [ADELE, 'Adele Vance'],
  ] as const) {
    await control(emulator, '/accounts', { provider: 'microsoft', email, name, time_zone: 'Europe/Berlin' });
    tokens[email] = (await connect(microsoft, email)).access_token;
  }
});
afterAll(() => emulator?.close());

describe('items 1–3: calendarView/delta shape, opaque ids, deleted occurrences', () => {
  it('initial round: full master first, stub occurrences, full exceptions and singles; series never split', async () => {
    const master = await weeklySeries(MEGAN, 'Delta weekly');
    const view = await graph(MEGAN)
      .api('/me/calendarView?startDateTime=2027-03-01T00:00:00Z&endDateTime=2027-03-29T00:00:00Z')
      .get();
    const occurrences = (view.value as GraphEvent[]).filter((e) => e.seriesMasterId === master.id);
    // Plain calendarView stays full: subject on every occurrence, no master.
    expect(occurrences.every((o) => o.subject === 'Delta weekly')).toBe(true);
    await graph(MEGAN).api(`/me/events/${occurrences[1]?.id}`).patch({ subject: 'Delta weekly (moved)' });
    for (let i = 0; i < 3; i++)
      await graph(MEGAN)
        .api('/me/events')
        .post({
          subject: `Single ${i}`,
          start: { dateTime: `2027-03-0${2 + i}T12:00:00`, timeZone: 'UTC' },
          end: { dateTime: `2027-03-0${2 + i}T13:00:00`, timeZone: 'UTC' },
        });

    const round = await deltaRound(MEGAN, windowQuery('2027-03-01T00:00:00Z', '2027-03-29T00:00:00Z'), 2);
    const series = round.items.filter((e) => e.id === master.id || e.seriesMasterId === master.id);
    expect(series[0]).toMatchObject({ id: master.id, type: 'seriesMaster', subject: 'Delta weekly' });
    expect(series[0]?.recurrence).toMatchObject({ pattern: { type: 'weekly' } });
    const stubs = series.filter((e) => e.type === 'occurrence');
    expect(stubs).toHaveLength(3);
    for (const stub of stubs) expect(Object.keys(stub).sort()).toEqual(STUB_KEYS);
    expect(series.find((e) => e.type === 'exception')).toMatchObject({ subject: 'Delta weekly (moved)' });
    // All five items of the series sit on one page, although the page size is 2.
    expect(
      round.pages.filter((page) => page.some((e) => e.seriesMasterId === master.id || e.id === master.id)),
    ).toHaveLength(1);
    expect(round.items.filter((e) => e.type === 'singleInstance')).toHaveLength(3);

    // Item 2: occurrence ids are opaque; a built `<masterId>_<date>` id is not found.
    for (const stub of stubs) {
      expect(stub.id.startsWith(master.id)).toBe(false);
      expect(stub.id).not.toMatch(/_\d{8}/);
    }
    expect((await graph(MEGAN).api(`/me/events/${stubs[0]?.id}`).get()).seriesMasterId).toBe(master.id);
    expect(await graphStatus(graph(MEGAN).api(`/me/events/${master.id}_20270301T080000Z`).get())).toEqual({
      status: 404,
      code: 'ErrorItemNotFound',
    });

    // A change to a single: the next round has it, and no master.
    const single = round.items.find((e) => e.subject === 'Single 0');
    await graph(MEGAN).api(`/me/events/${single?.id}`).patch({ subject: 'Single 0 renamed' });
    const quiet = await deltaRound(MEGAN, round.deltaLink);
    expect(quiet.items.map((e) => e.subject)).toEqual(['Single 0 renamed']);

    // Item 3: deleting an occurrence adds no @removed; the master comes back with cancelledOccurrences.
    await graph(MEGAN).api(`/me/events/${stubs[1]?.id}`).delete();
    const afterDelete = await deltaRound(MEGAN, quiet.deltaLink);
    expect(afterDelete.items.some((e) => e['@removed'])).toBe(false);
    expect(afterDelete.items.some((e) => e.id === stubs[1]?.id)).toBe(false);
    const resent = afterDelete.items.find((e) => e.id === master.id);
    expect(resent?.cancelledOccurrences).toEqual([`OID.${master.id}.2027-03-15`]);
    // The two untouched occurrences come again as stubs with their re-sent series.
    expect(afterDelete.items.filter((e) => e.type === 'occurrence')).toHaveLength(2);
  });

  it('deleting the last occurrence left in the window re-sends the master with every cancelled occurrence (issue 20 §5)', async () => {
    const master = await weeklySeries(MEGAN, 'Last one goes', 2, '2027-05-03');
    const round = await deltaRound(MEGAN, windowQuery('2027-05-01T00:00:00Z', '2027-06-01T00:00:00Z'));
    const stubs = round.items.filter((e) => e.seriesMasterId === master.id);
    expect(stubs).toHaveLength(2);
    await graph(MEGAN).api(`/me/events/${stubs[0]?.id}`).delete();
    const first = await deltaRound(MEGAN, round.deltaLink);
    expect(first.items.find((e) => e.id === master.id)?.cancelledOccurrences).toEqual([
      `OID.${master.id}.2027-05-03`,
    ]);
    // The last one: no occurrence is left, and the round still names the series' change.
    await graph(MEGAN).api(`/me/events/${stubs[1]?.id}`).delete();
    const last = await deltaRound(MEGAN, first.deltaLink);
    expect(last.items).toHaveLength(1);
    expect(last.items[0]).toMatchObject({ id: master.id, type: 'seriesMaster' });
    expect(last.items[0]?.cancelledOccurrences).toEqual([
      `OID.${master.id}.2027-05-03`,
      `OID.${master.id}.2027-05-10`,
    ]);
    // Nothing changed since: the next round is empty again.
    expect((await deltaRound(MEGAN, last.deltaLink)).items).toEqual([]);
  });

  it('options: masters never in delta (fetch through the calendar-scoped GET); @removed per deleted occurrence', async () => {
    await control(emulator, '/options', {
      graphDeltaSeriesMasters: 'never',
      graphDeletedOccurrences: 'removed',
    });
    try {
      const master = await weeklySeries(ADELE, 'No master weekly', 3, '2027-08-02');
      const round = await deltaRound(ADELE, windowQuery('2027-08-01T00:00:00Z', '2027-09-01T00:00:00Z'));
      expect(round.items.some((e) => e.type === 'seriesMaster')).toBe(false);
      const stub = round.items.find((e) => e.type === 'occurrence');
      const calendars = await graph(ADELE).api('/me/calendars').get();
      const fetched = await graph(ADELE)
        .api(`/me/calendars/${calendars.value[0].id}/events/${stub?.seriesMasterId}`)
        .get();
      expect(fetched).toMatchObject({ id: master.id, type: 'seriesMaster', subject: 'No master weekly' });
      await graph(ADELE).api(`/me/events/${stub?.id}`).delete();
      const next = await deltaRound(ADELE, round.deltaLink);
      expect(next.items).toContainEqual({
        '@odata.type': '#microsoft.graph.event',
        id: stub?.id,
        '@removed': { reason: 'deleted' },
      });
      expect(next.items.some((e) => e.type === 'seriesMaster')).toBe(false);
    } finally {
      await control(emulator, '/options', {
        graphDeltaSeriesMasters: 'initialAndChanged',
        graphDeletedOccurrences: 'silent',
      });
    }
  });
});

describe('issue 20 §5: instances of a series; a delta round that reports nothing (fault)', () => {
  it('GET /me/events/{id}/instances lists occurrences and exceptions in full, without cancelled ones', async () => {
    const master = await weeklySeries(MEGAN, 'Instances weekly', 4, '2027-06-07');
    const window = 'startDateTime=2027-06-01T00:00:00Z&endDateTime=2027-07-01T00:00:00Z';
    const first = (await graph(MEGAN).api(`/me/events/${master.id}/instances?${window}`).get()) as Page;
    expect(first.value.map((e) => e.type)).toEqual(['occurrence', 'occurrence', 'occurrence', 'occurrence']);
    expect(first.value.every((e) => e.subject === 'Instances weekly' && e.seriesMasterId === master.id)).toBe(
      true,
    );
    await graph(MEGAN).api(`/me/events/${first.value[1]?.id}`).patch({ subject: 'Moved one' });
    await graph(MEGAN).api(`/me/events/${first.value[2]?.id}`).delete();
    const calendars = await graph(MEGAN).api('/me/calendars').get();
    const again = (await graph(MEGAN)
      .api(`/me/calendars/${calendars.value[0].id}/events/${master.id}/instances?${window}`)
      .get()) as Page;
    expect(again.value.map((e) => [e.type, e.subject])).toEqual([
      ['occurrence', 'Instances weekly'],
      ['exception', 'Moved one'],
      ['occurrence', 'Instances weekly'],
    ]);
    expect(
      await graphStatus(graph(MEGAN).api(`/me/events/AAMkNoSuchSeries=/instances?${window}`).get()),
    ).toEqual({ status: 404, code: 'ErrorItemNotFound' });
  });

  it('fault `unreported`: the round with a deltatoken says nothing and moves past the change', async () => {
    const round = await deltaRound(ADELE, windowQuery('2027-11-01T00:00:00Z', '2027-12-01T00:00:00Z'));
    const created = (await graph(ADELE)
      .api('/me/events')
      .post({
        subject: 'Never reported',
        start: { dateTime: '2027-11-10T09:00:00', timeZone: 'UTC' },
        end: { dateTime: '2027-11-10T10:00:00', timeZone: 'UTC' },
      })) as GraphEvent;
    await control(emulator, '/faults', {
      provider: 'microsoft',
      account: ADELE,
      endpoint: 'delta',
      kind: 'unreported',
      times: 1,
    });
    const silent = await deltaRound(ADELE, round.deltaLink);
    expect(silent.items).toEqual([]);
    // The change is gone for delta for good: only a direct read still sees it.
    expect((await deltaRound(ADELE, silent.deltaLink)).items).toEqual([]);
    expect(((await graph(ADELE).api(`/me/events/${created.id}`).get()) as GraphEvent).subject).toBe(
      'Never reported',
    );
  });
});

describe('item 5: a series time change drops orphaned exceptions (Graph)', () => {
  it('the moved exception is removed in delta and no day shows twice', async () => {
    const master = await weeklySeries(MEGAN, 'Orphans weekly', 3, '2027-10-04');
    const round = await deltaRound(MEGAN, windowQuery('2027-10-01T00:00:00Z', '2027-11-01T00:00:00Z'));
    const stubs = round.items.filter((e) => e.seriesMasterId === master.id);
    await graph(MEGAN)
      .api(`/me/events/${stubs[1]?.id}`)
      .patch({
        start: { dateTime: '2027-10-11T15:00:00', timeZone: 'W. Europe Standard Time' },
        end: { dateTime: '2027-10-11T15:30:00', timeZone: 'W. Europe Standard Time' },
      });
    const moved = await deltaRound(MEGAN, round.deltaLink);
    await graph(MEGAN)
      .api(`/me/events/${master.id}`)
      .patch({
        start: { dateTime: '2027-10-04T11:00:00', timeZone: 'W. Europe Standard Time' },
        end: { dateTime: '2027-10-04T11:30:00', timeZone: 'W. Europe Standard Time' },
      });
    const view = await graph(MEGAN)
      .api('/me/calendarView?startDateTime=2027-10-01T00:00:00Z&endDateTime=2027-11-01T00:00:00Z')
      .header('Prefer', 'outlook.timezone="W. Europe Standard Time"')
      .get();
    expect(
      (view.value as GraphEvent[]).filter((e) => e.seriesMasterId === master.id).map((e) => e.start.dateTime),
    ).toEqual(['2027-10-04T11:00:00.0000000', '2027-10-11T11:00:00.0000000', '2027-10-18T11:00:00.0000000']);
    const after = await deltaRound(MEGAN, moved.deltaLink);
    expect(after.items).toContainEqual(
      expect.objectContaining({ id: stubs[1]?.id, '@removed': { reason: 'deleted' } }),
    );
    const schedule = await graph(ADELE)
      .api('/me/calendar/getSchedule')
      .post({
        schedules: [MEGAN],
        startTime: { dateTime: '2027-10-11T00:00:00', timeZone: 'W. Europe Standard Time' },
        endTime: { dateTime: '2027-10-12T00:00:00', timeZone: 'W. Europe Standard Time' },
        availabilityViewInterval: 60,
      });
    expect(schedule.value[0].availabilityView).toBe(`${'0'.repeat(11)}2${'0'.repeat(12)}`);
  });
});

describe('item 6: paging of calendarView and /me/events; short pages', () => {
  it('calendarView and /me/events follow @odata.nextLink to the end', async () => {
    for (let i = 0; i < 7; i++)
      await graph(ADELE)
        .api('/me/events')
        .post({
          subject: `Paged ${i}`,
          start: { dateTime: `2027-11-0${i + 1}T10:00:00`, timeZone: 'UTC' },
          end: { dateTime: `2027-11-0${i + 1}T11:00:00`, timeZone: 'UTC' },
        });
    const collect = async (first: string) => {
      const seen: string[] = [];
      let page: Page = await graph(ADELE).api(first).get();
      let pages = 1;
      seen.push(...page.value.map((e) => e.id));
      while (page['@odata.nextLink']) {
        page = await graph(ADELE).api(page['@odata.nextLink']).get();
        seen.push(...page.value.map((e) => e.id));
        pages += 1;
      }
      return { seen, pages };
    };
    const view = await collect(
      '/me/calendarView?startDateTime=2027-11-01T00:00:00Z&endDateTime=2027-11-08T00:00:00Z&$top=3',
    );
    expect(view.pages).toBe(3);
    expect(new Set(view.seen).size).toBe(7);
    const events = await collect('/me/events?$top=2');
    expect(new Set(events.seen).size).toBe(events.seen.length);
    expect(events.seen.length).toBeGreaterThanOrEqual(7);
  });

  it('delta with shortPageProbability: short/empty nextLink pages, nothing lost', async () => {
    const full = await deltaRound(ADELE, windowQuery('2027-01-01T00:00:00Z', '2028-01-01T00:00:00Z'), 3);
    await control(emulator, '/options', { shortPageProbability: 0.7 });
    try {
      const short = await deltaRound(ADELE, windowQuery('2027-01-01T00:00:00Z', '2028-01-01T00:00:00Z'), 3);
      expect(short.pages.slice(0, -1).some((page) => page.length < 3)).toBe(true);
      expect(short.items.map((e) => e.id).sort()).toEqual(full.items.map((e) => e.id).sort());
    } finally {
      await control(emulator, '/options', { shortPageProbability: 0 });
    }
  });
});

describe('item 7: invitations between emulator accounts (Graph)', () => {
  it('new id, same iCalUId, response none; follows changes; accept flows back; decline frees time; cancel marks isCancelled', async () => {
    const meeting = (await graph(MEGAN)
      .api('/me/events')
      .post({
        subject: 'QBR prep',
        start: { dateTime: '2027-12-06T10:00:00', timeZone: 'UTC' },
        end: { dateTime: '2027-12-06T11:00:00', timeZone: 'UTC' },
        attendees: [{ emailAddress: { address: ADELE, name: 'Adele' }, type: 'required' }],
      })) as GraphEvent;
    const adeleView = async () =>
      (
        (
          await graph(ADELE)
            .api('/me/calendarView?startDateTime=2027-12-06T00:00:00Z&endDateTime=2027-12-07T00:00:00Z')
            .get()
        ).value as GraphEvent[]
      ).find((e) => e.iCalUId === meeting.iCalUId);
    const copy = await adeleView();
    expect(copy).toMatchObject({
      subject: 'QBR prep',
      isOrganizer: false,
      responseStatus: { response: 'none' },
    });
    expect(copy?.id).not.toBe(meeting.id);

    await graph(MEGAN).api(`/me/events/${meeting.id}`).patch({ subject: 'QBR prep (agenda)' });
    expect((await adeleView())?.subject).toBe('QBR prep (agenda)');

    await graph(ADELE).api(`/me/events/${copy?.id}/accept`).post({ sendResponse: true });
    const organizerSide = (await graph(MEGAN).api(`/me/events/${meeting.id}`).get()) as GraphEvent;
    expect(organizerSide.attendees?.[0]?.status.response).toBe('accepted');

    const schedule = async () =>
      (
        await graph(MEGAN)
          .api('/me/calendar/getSchedule')
          .post({
            schedules: [ADELE],
            startTime: { dateTime: '2027-12-06T09:00:00', timeZone: 'UTC' },
            endTime: { dateTime: '2027-12-06T12:00:00', timeZone: 'UTC' },
            availabilityViewInterval: 60,
          })
      ).value[0].availabilityView;
    expect(await schedule()).toBe('020');

    await graph(MEGAN).api(`/me/events/${meeting.id}`).delete();
    // The attendee keeps the cancelled meeting until they remove it; it no longer blocks time.
    expect(await adeleView()).toMatchObject({
      id: copy?.id,
      isCancelled: true,
      subject: 'Canceled: QBR prep (agenda)',
    });
    expect(await schedule()).toBe('000');
  });

  it('a declined invitation leaves the attendee calendar and getSchedule', async () => {
    const meeting = (await graph(MEGAN)
      .api('/me/events')
      .post({
        subject: 'Optional sync',
        start: { dateTime: '2027-12-07T10:00:00', timeZone: 'UTC' },
        end: { dateTime: '2027-12-07T11:00:00', timeZone: 'UTC' },
        attendees: [{ emailAddress: { address: ADELE }, type: 'required' }],
      })) as GraphEvent;
    const view = await graph(ADELE)
      .api('/me/calendarView?startDateTime=2027-12-07T00:00:00Z&endDateTime=2027-12-08T00:00:00Z')
      .get();
    const copy = (view.value as GraphEvent[]).find((e) => e.iCalUId === meeting.iCalUId);
    await graph(ADELE).api(`/me/events/${copy?.id}/decline`).post({});
    const organizerSide = (await graph(MEGAN).api(`/me/events/${meeting.id}`).get()) as GraphEvent;
    expect(organizerSide.attendees?.[0]?.status.response).toBe('declined');
    const schedule = await graph(MEGAN)
      .api('/me/calendar/getSchedule')
      .post({
        schedules: [ADELE],
        startTime: { dateTime: '2027-12-07T09:00:00', timeZone: 'UTC' },
        endTime: { dateTime: '2027-12-07T12:00:00', timeZone: 'UTC' },
        availabilityViewInterval: 60,
      });
    expect(schedule.value[0].availabilityView).toBe('000');
  });
});

describe('items 9, 11, 13: getSchedule digits, delta-token TTL, zone names', () => {
  it('getSchedule shows workingElsewhere as 4 and oof as 3', async () => {
    for (const [showAs, hour] of [
      ['workingElsewhere', 9],
      ['oof', 10],
    ] as const)
      await graph(ADELE)
        .api('/me/events')
        .post({
          subject: showAs,
          showAs,
          start: { dateTime: `2028-02-01T${String(hour).padStart(2, '0')}:00:00`, timeZone: 'UTC' },
          end: { dateTime: `2028-02-01T${String(hour + 1).padStart(2, '0')}:00:00`, timeZone: 'UTC' },
        });
    const result = await graph(MEGAN)
      .api('/me/calendar/getSchedule')
      .post({
        schedules: [ADELE],
        startTime: { dateTime: '2028-02-01T08:00:00', timeZone: 'UTC' },
        endTime: { dateTime: '2028-02-01T12:00:00', timeZone: 'UTC' },
        availabilityViewInterval: 60,
      });
    expect(result.value[0].availabilityView).toBe('0430');
  });

  it('graphDeltaTokenTtlSeconds expires delta links on the clock', async () => {
    await control(emulator, '/options', { graphDeltaTokenTtlSeconds: 7 * 86_400 });
    try {
      const round = await deltaRound(MEGAN, windowQuery('2027-01-01T00:00:00Z', '2027-02-01T00:00:00Z'));
      expect((await deltaRound(MEGAN, round.deltaLink)).deltaLink).toBeTruthy();
      await control(emulator, '/clock', { advance_seconds: 7 * 86_400 + 1 });
      tokens[MEGAN] = (await connect(microsoft, MEGAN)).access_token;
      expect(await graphStatus(graph(MEGAN).api(round.deltaLink).get())).toEqual({
        status: 410,
        code: 'SyncStateNotFound',
      });
    } finally {
      await control(emulator, '/options', { graphDeltaTokenTtlSeconds: 0 });
    }
  });

  it('originalStartTimeZone uses Windows names; Preference-Applied echoes outlook.timezone', async () => {
    const created = (await graph(MEGAN)
      .api('/me/events')
      .post({
        subject: 'Zone names',
        start: { dateTime: '2028-03-01T09:00:00', timeZone: 'Europe/Berlin' },
        end: { dateTime: '2028-03-01T10:00:00', timeZone: 'Europe/Berlin' },
      })) as GraphEvent;
    expect(created.originalStartTimeZone).toBe('W. Europe Standard Time');
    const res = await fetch(`${emulator.graphUrl}/v1.0/me/events/${created.id}`, {
      headers: {
        authorization: `Bearer ${tokens[MEGAN]}`,
        prefer: 'outlook.timezone="Pacific Standard Time"',
      },
    });
    expect(res.headers.get('preference-applied')).toBe('outlook.timezone="Pacific Standard Time"');
    expect(((await res.json()) as GraphEvent).start).toEqual({
      dateTime: '2028-03-01T00:00:00.0000000',
      timeZone: 'Pacific Standard Time',
    });
  });
});
