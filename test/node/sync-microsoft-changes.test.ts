/**
 * Conformance of the Microsoft change source (issue 13) against the emulator's Graph: delta rounds
 * with occurrence stubs completed from the series master (on the page, from the mirror, or fetched
 * once per series from the calendar-scoped path), silent occurrence deletes through the master,
 * `@removed`, 410 → cursor_expired, throttling, short/empty pages, all-day events, showAs kinds and
 * invitations. A small in-memory mirror applies each page through the real page planner, and rounds
 * are checked against Graph's own `calendarView` expansion.
 */
import { TZDate } from '@date-fns/tz';
import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { type RunningEmulator, startEmulator } from '../../emulator/server.ts';
import { allDayToInterval } from '../../worker/availability/all-day.ts';
import { ProviderError } from '../../worker/providers/errors.ts';
import {
  calendarPath,
  graphChangeSource,
  initialDeltaUrl,
  packLink,
  trustedGraphLink,
  unpackLink,
} from '../../worker/providers/microsoft/changes.ts';
import type { ChangePage, ChangeRequest } from '../../worker/providers/types.ts';
import { busyKindOf } from '../../worker/sync/busy.ts';
import { horizonAt } from '../../worker/sync/horizon.ts';
import { occurrencesOnDates, planPage } from '../../worker/sync/page-plan.ts';
import type { MirrorEvent, NormalizedChange } from '../../worker/sync/types.ts';
import { dateInZone, isKnownTimeZone } from '../../worker/time/zone.ts';
import { connect, control, type Provisioned, provision } from '../support/emulator.ts';

let emulator: RunningEmulator;
let microsoft: Provisioned;
let graphBase: string;
const tokens: Record<string, string> = {};
const ACCOUNTS = {
  megan: 'megan@sync-ms.example',
  adele: 'adele@sync-ms.example',
  lee: 'lee@sync-ms.example',
  nestor: 'nestor@sync-ms.example',
  alex: 'alex@sync-ms.example',
  diego: 'diego@sync-ms.example',
  grady: 'grady@sync-ms.example',
  isaiah: 'isaiah@sync-ms.example',
} as const;

/** A wide window around the test data (2027), as the engine would pass its horizon. */
const WINDOW = { startMs: Date.parse('2027-01-01T00:00:00Z'), endMs: Date.parse('2028-01-01T00:00:00Z') };

interface GraphItem {
  id: string;
  subject?: string;
  iCalUId?: string;
  type?: string;
  seriesMasterId?: string | null;
  isAllDay?: boolean;
  isCancelled?: boolean;
  start: { dateTime: string; timeZone: string };
}

async function graph<T = GraphItem>(email: string, method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${graphBase}${path}`, {
    method,
    headers: { authorization: `Bearer ${tokens[email]}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
  return (response.status === 204 || response.status === 202 ? undefined : await response.json()) as T;
}

const at = (day: string, time: string, zone = 'UTC') => ({ dateTime: `${day}T${time}`, timeZone: zone });

async function weekly(email: string, subject: string, startDate: string, count: number, extra = {}) {
  return graph(email, 'POST', '/me/events', {
    subject,
    start: at(startDate, '09:00:00', 'W. Europe Standard Time'),
    end: at(startDate, '09:30:00', 'W. Europe Standard Time'),
    recurrence: {
      pattern: { type: 'weekly', interval: 1, daysOfWeek: ['monday'] },
      range: { type: 'numbered', startDate, numberOfOccurrences: count },
    },
    ...extra,
  });
}

async function single(email: string, subject: string, day: string, extra = {}) {
  return graph(email, 'POST', '/me/events', {
    subject,
    start: at(day, '12:00:00'),
    end: at(day, '13:00:00'),
    ...extra,
  });
}

/** The engine's part in miniature: a mirror that applies each page as its transaction would. */
class Mirror {
  readonly rows = new Map<string, MirrorEvent>();
  cursor?: string;
  readonly lookups: string[] = [];

  readonly masters = async (id: string) => {
    this.lookups.push(id);
    return this.rows.get(id);
  };

  apply(changes: readonly NormalizedChange[]): void {
    const plan = planPage(changes);
    expect(plan.needsMaster).toEqual([]);
    for (const id of plan.deletions)
      for (const [key, row] of this.rows) if (key === id || row.seriesKey === id) this.rows.delete(key);
    for (const id of plan.rowDeletions) this.rows.delete(id);
    for (const { seriesKey, dates } of plan.occurrenceCancellations) {
      const series = [...this.rows.values()].filter((r) => r.seriesKey === seriesKey);
      // As the engine does: the date in the series' own zone (or UTC when Graph's zone is unknown).
      const zone = series.find((r) => r.seriesRole === 'master')?.timeZone ?? 'UTC';
      const inZone = (ms: number) => (isKnownTimeZone(zone) ? dateInZone(ms, zone) : '');
      for (const id of occurrencesOnDates(series, dates, inZone)) this.rows.delete(id);
    }
    for (const event of plan.upserts) this.rows.set(event.providerEventId, event);
  }

  /** Rows that stand for one concrete slot in the calendar: what calendarView lists. */
  instances(): MirrorEvent[] {
    return [...this.rows.values()].filter((r) => r.seriesRole !== 'master' && r.status !== 'cancelled');
  }
}

interface RoundResult {
  pages: ChangePage[];
  changes: NormalizedChange[];
}

/** One full or incremental round, page by page, the way the engine drives it. */
async function round(
  email: string,
  mirror: Mirror,
  source = graphChangeSource({ graphBase, pageSize: 50 }),
): Promise<RoundResult> {
  const pages: ChangePage[] = [];
  let request: ChangeRequest = {
    calendarId: 'primary',
    window: WINDOW,
    ...(mirror.cursor ? { cursor: mirror.cursor } : {}),
  };
  for (;;) {
    const page = await source.listChanges(tokens[email] ?? '', request, mirror.masters);
    pages.push(page);
    mirror.apply(page.changes);
    if (page.nextCursor) {
      expect(page.nextPageToken).toBeUndefined();
      mirror.cursor = page.nextCursor;
      return { pages, changes: pages.flatMap((p) => p.changes) };
    }
    expect(page.nextPageToken).toBeTruthy();
    request = { ...request, pageToken: page.nextPageToken };
  }
}

/** Graph's own expansion of the window (timed events): id → subject and start instant. */
async function calendarView(email: string) {
  const out = new Map<string, { subject: string | undefined; startMs: number }>();
  const window = `startDateTime=${new Date(WINDOW.startMs).toISOString()}&endDateTime=${new Date(WINDOW.endMs).toISOString()}`;
  let next: string | undefined = `${graphBase}/me/calendarView?${window}&$top=200`;
  while (next) {
    const response = await fetch(next, { headers: { authorization: `Bearer ${tokens[email]}` } });
    const body = (await response.json()) as { value: GraphItem[]; '@odata.nextLink'?: string };
    for (const e of body.value)
      if (!e.isAllDay && !e.isCancelled)
        out.set(e.id, { subject: e.subject, startMs: Date.parse(`${e.start.dateTime.slice(0, 19)}Z`) });
    next = body['@odata.nextLink'];
  }
  return out;
}

/** Not a mock: the real fetch, with each URL and its Prefer header kept. */
function recordFetches(): Array<{ url: string; prefer: string }> {
  const calls: Array<{ url: string; prefer: string }> = [];
  const real = globalThis.fetch;
  vi.spyOn(globalThis, 'fetch').mockImplementation((input, init) => {
    const url = input instanceof Request ? input.url : String(input);
    calls.push({ url, prefer: new Headers(init?.headers).get('prefer') ?? '' });
    return real(input, init);
  });
  return calls;
}

/** The mirror's timed, live instances equal Graph's own calendarView expansion (ids, titles, starts). */
async function expectMirrorEqualsView(email: string, mirror: Mirror) {
  const mine = new Map(
    mirror
      .instances()
      .flatMap((r) =>
        r.timing.allDay
          ? []
          : [[r.providerEventId, { subject: r.title ?? undefined, startMs: r.timing.startMs }] as const],
      ),
  );
  expect(mine).toEqual(await calendarView(email));
}

const eventsGets = async (email: string) =>
  (await control<Record<string, number>>(emulator, `/accounts/microsoft/${email}/counters`))['events.get'] ??
  0;

async function expectProviderError(promise: Promise<unknown>): Promise<ProviderError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ProviderError);
  return error as ProviderError;
}

beforeAll(async () => {
  emulator = await startEmulator({ seed: 1313 });
  graphBase = `${emulator.graphUrl}/v1.0`;
  microsoft = await provision(emulator, 'microsoft');
  for (const email of Object.values(ACCOUNTS))
    await control(emulator, '/accounts', { provider: 'microsoft', email, time_zone: 'Europe/Berlin' });
  await connectAll();
});
async function connectAll() {
  for (const email of Object.values(ACCOUNTS)) tokens[email] = (await connect(microsoft, email)).access_token;
}
afterAll(() => emulator?.close());
afterEach(async () => {
  vi.restoreAllMocks();
  await control(emulator, '/faults', undefined, 'DELETE');
  await control(emulator, '/options', {
    graphDeltaSeriesMasters: 'initialAndChanged',
    graphDeletedOccurrences: 'silent',
    shortPageProbability: 0,
  });
});

describe('paths and links', () => {
  it('default calendar and other calendars; window in UTC; only links on the Graph base', () => {
    expect(calendarPath('primary')).toBe('/me/calendar');
    expect(calendarPath('AAMk/x=')).toBe('/me/calendars/AAMk%2Fx%3D');
    const url = new URL(initialDeltaUrl('https://graph.example/v1.0', 'primary', WINDOW));
    expect(url.pathname).toBe('/v1.0/me/calendarView/delta');
    expect(url.searchParams.get('startDateTime')).toBe('2027-01-01T00:00:00.000Z');
    expect(new URL(initialDeltaUrl('https://graph.example/v1.0', 'cal-2', WINDOW)).pathname).toBe(
      '/v1.0/me/calendars/cal-2/calendarView/delta',
    );
    const base = 'https://graph.example/v1.0';
    expect(trustedGraphLink(base, `${base}/me/calendarView/delta?$deltatoken=x`, 'c')).toContain(
      'deltatoken',
    );
    for (const bad of ['https://evil.example/v1.0/me', 'https://graph.example/beta/me', 'not a url']) {
      expect(() => trustedGraphLink(base, bad, 'cursor')).toThrow(ProviderError);
      // Classified, never `unknown`: a stored link from another Graph base (the local emulator's
      // Graph port changes on every start) restarts the round; a fresh one is retried.
      const codeOf = (refused?: 'cursor_expired') => {
        try {
          trustedGraphLink(base, bad, 'cursor', refused);
        } catch (error) {
          return (error as ProviderError).code;
        }
        return 'accepted';
      };
      expect(codeOf('cursor_expired')).toBe('cursor_expired');
      expect(codeOf()).toBe('temporary');
    }
  });
});

describe('initial and incremental rounds', () => {
  it('stubs take their details from the master on the page; no master is fetched; mirror equals calendarView', async () => {
    const email = ACCOUNTS.megan;
    const master = await weekly(email, 'Team weekly', '2027-03-01', 5, {
      attendees: [{ emailAddress: { address: 'guest@elsewhere.example' }, type: 'required' }],
    });
    for (let i = 0; i < 4; i++) await single(email, `Single ${i}`, `2027-03-0${2 + i}`);
    const fetches = recordFetches();
    const mirror = new Mirror();
    const first = await round(email, mirror, graphChangeSource({ graphBase, pageSize: 3 }));
    expect(first.pages.length).toBeGreaterThan(1);
    const occurrences = mirror.instances().filter((r) => r.seriesKey === master.id);
    expect(occurrences).toHaveLength(5);
    for (const o of occurrences) {
      expect(o).toMatchObject({
        seriesRole: 'occurrence',
        title: 'Team weekly',
        recurringEventId: master.id,
      });
      expect(o.attendees).toHaveLength(1);
      expect(busyKindOf(o)).toBe('busy');
    }
    expect(mirror.rows.get(master.id)).toMatchObject({ seriesRole: 'master', title: 'Team weekly' });
    expect(fetches.filter((f) => f.url.includes('/events/'))).toEqual([]);
    // Delta pages carry the page size and UTC; the full round's zone lookup (/me, getSchedule) is not paged.
    const deltaFetches = fetches.filter((f) => f.url.includes('calendarView/delta'));
    expect(deltaFetches.length).toBeGreaterThan(1);
    for (const f of deltaFetches) expect(f.prefer).toBe('odata.maxpagesize=3, outlook.timezone="UTC"');
    expect(
      fetches.filter((f) => !f.url.includes('calendarView/delta')).map((f) => new URL(f.url).pathname),
    ).toEqual(expect.arrayContaining([expect.stringMatching(/getSchedule$/)]));
    expect(first.changes.every((c) => c.kind !== 'upsert' || c.event.title)).toBe(true);
    await expectMirrorEqualsView(email, mirror);

    const quiet = await round(email, mirror);
    expect(quiet.changes).toEqual([]);
  });

  it('masters never in delta: fetched once per series from the calendar-scoped path, again when the series changes', async () => {
    const email = ACCOUNTS.adele;
    await control(emulator, '/options', { graphDeltaSeriesMasters: 'never' });
    const a = await weekly(email, 'Series A', '2027-04-05', 4);
    const b = await weekly(email, 'Series B', '2027-04-06', 3, {
      recurrence: {
        pattern: { type: 'weekly', interval: 1, daysOfWeek: ['tuesday'] },
        range: { type: 'numbered', startDate: '2027-04-06', numberOfOccurrences: 3 },
      },
    });
    const before = await eventsGets(email);
    const fetches = recordFetches();
    const mirror = new Mirror();
    await round(email, mirror);
    expect((await eventsGets(email)) - before).toBe(2);
    const masterFetches = fetches.filter((f) => f.url.includes('/events/'));
    expect(masterFetches.map((f) => new URL(f.url).pathname).sort()).toEqual(
      [a.id, b.id].map((id) => `/v1.0/me/calendar/events/${encodeURIComponent(id)}`).sort(),
    );
    expect(
      mirror
        .instances()
        .filter((r) => r.seriesKey === a.id)
        .map((r) => r.title),
    ).toEqual(Array(4).fill('Series A'));
    expect(mirror.instances().filter((r) => r.seriesKey === b.id)).toHaveLength(3);
    expect(mirror.rows.get(a.id)?.seriesRole).toBe('master');

    // Series A is renamed: it is re-sent as stubs without a master. The mirror's master is stale now,
    // so the master is fetched again (once) and every occurrence takes the new title.
    await graph(email, 'PATCH', `/me/events/${a.id}`, { subject: 'Series A (renamed)' });
    const gets = await eventsGets(email);
    const next = await round(email, mirror);
    expect(next.changes.length).toBeGreaterThan(0);
    expect((await eventsGets(email)) - gets).toBe(1);
    expect(
      mirror
        .instances()
        .filter((r) => r.seriesKey === a.id)
        .map((r) => r.title),
    ).toEqual(Array(4).fill('Series A (renamed)'));
    expect(mirror.lookups).toEqual([]);
    await expectMirrorEqualsView(email, mirror);
  });

  it('a failing master fetch fails the page, retryably, and never yields an untitled row', async () => {
    const email = ACCOUNTS.lee;
    await control(emulator, '/options', { graphDeltaSeriesMasters: 'never' });
    const series = await weekly(email, 'Needs master', '2027-05-03', 3);
    const source = graphChangeSource({ graphBase });
    const request: ChangeRequest = { calendarId: 'primary', window: WINDOW };
    const noMirror = async () => undefined;
    for (const [kind, code] of [
      ['http_503', 'temporary'],
      ['http_500', 'temporary'],
      ['http_429', 'rate_limited'],
    ] as const) {
      await control(emulator, '/faults', {
        provider: 'microsoft',
        account: email,
        endpoint: 'events.get',
        kind,
        times: 1,
        retry_after: 3,
      });
      const error = await expectProviderError(source.listChanges(tokens[email] ?? '', request, noMirror));
      expect(error.code).toBe(code);
      expect(['temporary', 'rate_limited']).toContain(error.code);
      if (kind !== 'http_500') expect(error.retryAfterSeconds).toBe(3);
    }
    const page = await source.listChanges(tokens[email] ?? '', request, noMirror);
    const rows = page.changes.flatMap((c) => (c.kind === 'upsert' ? [c.event] : []));
    expect(rows.filter((r) => r.seriesKey === series.id)).toHaveLength(4);
    expect(rows.every((r) => r.title === 'Needs master')).toBe(true);
  });

  it('an occurrence deleted on Graph disappears through its master (cancelledOccurrences)', async () => {
    const email = ACCOUNTS.nestor;
    const master = await weekly(email, 'Standup', '2027-06-07', 4);
    const mirror = new Mirror();
    await round(email, mirror);
    const stubs = mirror.instances().filter((r) => r.seriesKey === master.id);
    const third = stubs.find(
      (r) =>
        r.originalStart &&
        !r.originalStart.allDay &&
        r.timing.allDay === false &&
        new Date(r.originalStart.ms).toISOString().startsWith('2027-06-21'),
    );
    expect(third).toBeDefined();
    await graph(email, 'DELETE', `/me/events/${third?.providerEventId}`);
    const next = await round(email, mirror);
    expect(next.changes).toContainEqual({
      kind: 'cancelOccurrences',
      seriesKey: master.id,
      dates: ['2027-06-21'],
    });
    expect(next.changes.some((c) => c.kind === 'delete')).toBe(false);
    expect(mirror.rows.has(third?.providerEventId ?? '')).toBe(false);
    expect(mirror.instances().filter((r) => r.seriesKey === master.id)).toHaveLength(3);
    await expectMirrorEqualsView(email, mirror);
  });

  it('a deleted occurrence whose local date differs from its UTC date is still found (Windows zone → IANA)', async () => {
    const email = ACCOUNTS.nestor;
    // 00:30 in Berlin is 23:30 (22:30 in summer) UTC on the day before.
    const master = await graph(email, 'POST', '/me/events', {
      subject: 'Night batch',
      start: at('2027-06-08', '00:30:00', 'W. Europe Standard Time'),
      end: at('2027-06-08', '01:00:00', 'W. Europe Standard Time'),
      recurrence: {
        pattern: { type: 'daily', interval: 1 },
        range: { type: 'numbered', startDate: '2027-06-08', numberOfOccurrences: 3 },
      },
    });
    const mirror = new Mirror();
    await round(email, mirror);
    expect(mirror.rows.get(master.id)?.timeZone).toBe('Europe/Berlin');
    const second = mirror
      .instances()
      .find(
        (r) =>
          r.seriesKey === master.id &&
          r.timing.allDay === false &&
          r.timing.startMs === Date.parse('2027-06-08T22:30:00Z'),
      );
    expect(second).toBeDefined();
    await graph(email, 'DELETE', `/me/events/${second?.providerEventId}`);
    const next = await round(email, mirror);
    expect(next.changes).toContainEqual({
      kind: 'cancelOccurrences',
      seriesKey: master.id,
      dates: ['2027-06-09'],
    });
    expect(mirror.rows.has(second?.providerEventId ?? '')).toBe(false);
    await expectMirrorEqualsView(email, mirror);
  });

  it('@removed deletes: a deleted single, a deleted series, and (option) a deleted occurrence', async () => {
    const email = ACCOUNTS.alex;
    const gone = await single(email, 'Cancelled lunch', '2027-07-01');
    const series = await weekly(email, 'Retired weekly', '2027-07-05', 3);
    const kept = await weekly(email, 'Kept weekly', '2027-07-06', 3, {
      recurrence: {
        pattern: { type: 'weekly', interval: 1, daysOfWeek: ['tuesday'] },
        range: { type: 'numbered', startDate: '2027-07-06', numberOfOccurrences: 3 },
      },
    });
    const mirror = new Mirror();
    await round(email, mirror);
    await graph(email, 'DELETE', `/me/events/${gone.id}`);
    await graph(email, 'DELETE', `/me/events/${series.id}`);
    const next = await round(email, mirror);
    expect(next.changes).toContainEqual({ kind: 'delete', providerEventId: gone.id });
    expect(next.changes).toContainEqual({ kind: 'delete', providerEventId: series.id });
    expect(
      [...mirror.rows.values()].some((r) => r.seriesKey === series.id || r.providerEventId === gone.id),
    ).toBe(false);

    await control(emulator, '/options', { graphDeletedOccurrences: 'removed' });
    const victim = mirror.instances().find((r) => r.seriesKey === kept.id);
    await graph(email, 'DELETE', `/me/events/${victim?.providerEventId}`);
    const third = await round(email, mirror);
    expect(third.changes).toContainEqual({ kind: 'delete', providerEventId: victim?.providerEventId });
    expect(mirror.instances().filter((r) => r.seriesKey === kept.id)).toHaveLength(2);
    await expectMirrorEqualsView(email, mirror);
  });

  it('short and empty pages with a nextLink lose nothing', async () => {
    const email = ACCOUNTS.diego;
    await weekly(email, 'Paged weekly', '2027-08-02', 6);
    for (let i = 10; i < 30; i++) await single(email, `Paged single ${i}`, `2027-08-${i}`);
    const plain = new Mirror();
    const full = await round(email, plain, graphChangeSource({ graphBase, pageSize: 4 }));
    await control(emulator, '/options', { shortPageProbability: 0.7 });
    const short = new Mirror();
    const result = await round(email, short, graphChangeSource({ graphBase, pageSize: 4 }));
    // Every full page but the series' (7 items, never split) holds 4; short ones hold fewer.
    expect(full.pages.slice(0, -1).every((p) => p.changes.length >= 4)).toBe(true);
    expect(result.pages.slice(0, -1).some((p) => p.changes.length < 4)).toBe(true);
    expect([...short.rows.keys()].sort()).toEqual([...plain.rows.keys()].sort());
    await expectMirrorEqualsView(email, short);
  });
});

describe('errors', () => {
  it('410 SyncStateNotFound (invalidated or aged token) → cursor_expired; a new full round works', async () => {
    const email = ACCOUNTS.grady;
    await single(email, 'Before expiry', '2027-09-01');
    const mirror = new Mirror();
    await round(email, mirror);
    await control(emulator, `/accounts/microsoft/${email}/invalidate-sync-tokens`, {});
    const source = graphChangeSource({ graphBase });
    const request = { calendarId: 'primary', window: WINDOW, cursor: mirror.cursor ?? '' };
    const error = await expectProviderError(source.listChanges(tokens[email] ?? '', request, mirror.masters));
    expect(error.code).toBe('cursor_expired');

    mirror.cursor = undefined;
    await round(email, mirror);
    await control(emulator, '/options', { graphDeltaTokenTtlSeconds: 7 * 86_400 });
    try {
      await control(emulator, '/clock', { advance_seconds: 7 * 86_400 + 60 });
      await connectAll(); // the moved clock expired the access tokens too
      const aged = { ...request, cursor: mirror.cursor ?? '' };
      expect(
        (await expectProviderError(source.listChanges(tokens[email] ?? '', aged, mirror.masters))).code,
      ).toBe('cursor_expired');
    } finally {
      await control(emulator, '/options', { graphDeltaTokenTtlSeconds: 0 });
    }
  });

  it('rolling horizon: a cursor past its age or window answers cursor_expired without a Graph call; the new round has a new window', async () => {
    const email = ACCOUNTS.grady;
    const t0 = Date.parse('2027-02-01T10:00:00Z');
    let now = t0;
    const source = graphChangeSource({ graphBase, now: () => now });
    const mirror = new Mirror();
    await round(email, mirror, source);
    const stamp = unpackLink(mirror.cursor ?? '');
    expect(stamp).toMatchObject({ startedAt: t0, windowEnd: WINDOW.endMs });
    expect(stamp.link).toContain('$deltatoken=');
    const request = (cursor: string, window = WINDOW): ChangeRequest => ({
      calendarId: 'primary',
      window,
      cursor,
    });
    const deltaCalls = async () =>
      (await control<Record<string, number>>(emulator, `/accounts/microsoft/${email}/counters`)).delta ?? 0;

    now = t0 + 5 * 86_400_000; // young enough, but the test window ends 2028-01-01: ahead < 358 days
    const before = await deltaCalls();
    const early = await expectProviderError(
      source.listChanges(tokens[email] ?? '', request(mirror.cursor ?? ''), mirror.masters),
    );
    expect(early.code).toBe('cursor_expired');
    expect(await deltaCalls()).toBe(before);

    // With the engine's horizon as the window: fine for six days, due after.
    const horizon = horizonAt(t0);
    const fresh = new Mirror();
    now = t0;
    const wide = graphChangeSource({ graphBase, now: () => now });
    let page = await wide.listChanges(
      tokens[email] ?? '',
      { calendarId: 'primary', window: horizon },
      fresh.masters,
    );
    while (page.nextPageToken)
      page = await wide.listChanges(
        tokens[email] ?? '',
        { calendarId: 'primary', window: horizon, pageToken: page.nextPageToken },
        fresh.masters,
      );
    const cursor = page.nextCursor ?? '';
    now = t0 + 5 * 86_400_000;
    expect(
      (await wide.listChanges(tokens[email] ?? '', request(cursor, horizon), fresh.masters)).nextCursor,
    ).toBeTruthy();
    now = t0 + 6 * 86_400_000;
    expect(
      (
        await expectProviderError(
          wide.listChanges(tokens[email] ?? '', request(cursor, horizon), fresh.masters),
        )
      ).code,
    ).toBe('cursor_expired');
    // A bare deltaLink (no stamp: age unknown) is re-baselined too.
    const bare = unpackLink(cursor).link;
    expect(
      (
        await expectProviderError(
          wide.listChanges(tokens[email] ?? '', request(bare, horizon), fresh.masters),
        )
      ).code,
    ).toBe('cursor_expired');
    // The full round that follows starts with the window of its own day.
    const fetches = recordFetches();
    await wide.listChanges(
      tokens[email] ?? '',
      { calendarId: 'primary', window: horizonAt(now) },
      fresh.masters,
    );
    expect(new URL(fetches[0]?.url ?? '').searchParams.get('startDateTime')).toBe(
      new Date(horizonAt(now).startMs).toISOString(),
    );
  });

  it('property: a stamped link unpacks to the same link and round', () => {
    fc.assert(
      fc.property(
        fc.nat(),
        fc.nat(),
        fc.webUrl({ withQueryParameters: true }),
        (startedAt, windowEnd, link) => {
          expect(unpackLink(packLink({ link, startedAt, windowEnd }))).toEqual({
            link,
            startedAt,
            windowEnd,
          });
        },
      ),
      { numRuns: 50 },
    );
  });

  it('429 and 503 with Retry-After → rate_limited / temporary with the delay; a timeout is temporary', async () => {
    const email = ACCOUNTS.grady;
    const source = graphChangeSource({ graphBase, timeoutMs: 300 });
    const request: ChangeRequest = { calendarId: 'primary', window: WINDOW };
    const cases = [
      { kind: 'http_429', code: 'rate_limited', retry: 2.5 },
      { kind: 'http_503', code: 'temporary', retry: 7 },
      { kind: 'timeout', code: 'temporary' },
    ] as const;
    for (const c of cases) {
      await control(emulator, '/faults', {
        provider: 'microsoft',
        account: email,
        endpoint: 'delta',
        kind: c.kind,
        times: 1,
        ...('retry' in c ? { retry_after: c.retry } : { delay_ms: 2_000 }),
      });
      const error = await expectProviderError(
        source.listChanges(tokens[email] ?? '', request, async () => undefined),
      );
      expect(error.code).toBe(c.code);
      if ('retry' in c) expect(error.retryAfterSeconds).toBe(c.retry);
    }
  });
});

describe('event kinds, all-day and invitations', () => {
  it('an Outlook all-day event keeps its date and blocks the owner’s whole local day', async () => {
    const email = ACCOUNTS.isaiah;
    const event = await graph(email, 'POST', '/me/events', {
      subject: 'Offsite',
      isAllDay: true,
      start: at('2027-10-29', '00:00:00', 'W. Europe Standard Time'),
      end: at('2027-10-30', '00:00:00', 'W. Europe Standard Time'),
    });
    const mirror = new Mirror();
    await round(email, mirror);
    const row = mirror.rows.get(event.id);
    expect(row?.timing).toEqual({ allDay: true, startDate: '2027-10-29', endDate: '2027-10-30' });
    expect(busyKindOf(row as MirrorEvent)).toBe('busy');
    // Read in the owner's zone, the stored dates are that zone's local day.
    const localMidnight = (date: string, zone: string) => {
      const [y, m, d] = date.split('-').map(Number) as [number, number, number];
      return new TZDate(y, m - 1, d, zone).getTime();
    };
    for (const zone of ['Europe/Berlin', 'America/New_York', 'Asia/Kolkata'])
      expect(allDayToInterval({ startDate: '2027-10-29', endDate: '2027-10-30' }, zone)).toEqual({
        start: localMidnight('2027-10-29', zone),
        end: localMidnight('2027-10-30', zone),
      });
  });

  it('showAs: tentative is tentative, oof is out-of-office (busy), workingElsewhere and free do not block', async () => {
    const email = ACCOUNTS.isaiah;
    const made: Record<string, string> = {};
    for (const [i, showAs] of ['busy', 'tentative', 'oof', 'workingElsewhere', 'free'].entries())
      made[showAs] = (await single(email, `Kind ${showAs}`, `2027-11-0${i + 1}`, { showAs })).id;
    const mirror = new Mirror();
    await round(email, mirror);
    const kind = (showAs: string) => busyKindOf(mirror.rows.get(made[showAs] ?? '') as MirrorEvent);
    expect(kind('busy')).toBe('busy');
    expect(kind('tentative')).toBe('tentative');
    expect(kind('oof')).toBe('out_of_office');
    expect(mirror.rows.get(made.oof ?? '')?.eventKind).toBe('outOfOffice');
    expect(kind('workingElsewhere')).toBeNull();
    expect(kind('free')).toBeNull();
  });

  it('invitations: the attendee copy is synced (tentative until answered), accepted blocks, declined does not', async () => {
    const organizer = ACCOUNTS.megan;
    const attendee = ACCOUNTS.isaiah;
    const mirror = new Mirror();
    await round(attendee, mirror);
    const meeting = await single(organizer, 'Pipeline review', '2027-12-06', {
      attendees: [{ emailAddress: { address: attendee }, type: 'required' }],
    });
    const declinedMeeting = await single(organizer, 'Optional social', '2027-12-07', {
      attendees: [{ emailAddress: { address: attendee }, type: 'required' }],
    });
    await round(attendee, mirror);
    const copyOf = (iCalUId: string | undefined) =>
      [...mirror.rows.values()].find((r) => r.icalUid === iCalUId);
    const copy = copyOf(meeting.iCalUId);
    expect(copy).toMatchObject({
      title: 'Pipeline review',
      isOrganizer: false,
      responseStatus: 'needsAction',
    });
    expect(copy?.providerEventId).not.toBe(meeting.id);
    expect(busyKindOf(copy as MirrorEvent)).toBe('tentative');

    await graph(attendee, 'POST', `/me/events/${copy?.providerEventId}/accept`, { sendResponse: true });
    const declinedCopy = copyOf(declinedMeeting.iCalUId);
    await graph(attendee, 'POST', `/me/events/${declinedCopy?.providerEventId}/decline`, {});
    await round(attendee, mirror);
    expect(busyKindOf(copyOf(meeting.iCalUId) as MirrorEvent)).toBe('busy');
    const afterDecline = copyOf(declinedMeeting.iCalUId);
    expect(afterDecline === undefined || busyKindOf(afterDecline) === null).toBe(true);

    // The organizer cancels: the copy stays on Graph as cancelled and stops blocking.
    await graph(organizer, 'DELETE', `/me/events/${meeting.id}`);
    await round(attendee, mirror);
    const cancelled = copyOf(meeting.iCalUId);
    expect(cancelled === undefined || busyKindOf(cancelled) === null).toBe(true);
  });
});
