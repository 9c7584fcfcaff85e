/**
 * Microsoft Graph v1.0 calendar surface: /me, calendarView and calendarView/delta (nextLink /
 * deltaLink / @removed), events CRUD with changeKey and If-Match, extended properties and
 * transactionId, getSchedule, and subscriptions with the validationToken handshake (providers.md §8–§12).
 */
import { type Context, Hono } from 'hono';
import {
  blocksTime,
  exceptionFromOccurrence,
  exceptionsOf,
  type Occurrence,
  occurrenceById,
  occurrencesInWindow,
  occurrencesOfMaster,
} from '../expand.ts';
import { beginApiCall, type EmulatorContext, graphError, isUnreported } from '../http.ts';
import { respondToInvitation } from '../invitations.ts';
import {
  type Account,
  accountKey,
  type Calendar,
  changeKeyOf,
  primaryCalendar,
  type StoredEvent,
} from '../model.ts';
import { blankEvent, deleteEvent, newGraphEventId, recordChange } from '../mutations.ts';
import { singletons, takePage } from '../paging.ts';
import { exchange, pushNow } from '../push.ts';
import type { EmulatorState, SyncCursor } from '../state.ts';
import {
  formatDate,
  formatGraphDateTime,
  ianaZone,
  parseWall,
  wallTimeIn,
  windowsZone,
  zonedToInstant,
} from '../time.ts';
import { fromGraphId, toGraphId } from './ids.ts';
import {
  applyGraphBody,
  type GraphEventBody,
  GraphWireError,
  type RenderOptions,
  renderGraphEvent,
  renderOccurrenceStub,
  showAsOf,
} from './wire.ts';

type Env = { Variables: { state: EmulatorState } };

export const microsoftGraph = new Hono<Env>();

const begin = (c: EmulatorContext, endpoint: string) =>
  beginApiCall(c, 'microsoft', endpoint, (ctx) =>
    graphError(ctx, 401, 'InvalidAuthenticationToken', 'Access token has expired or is not yet valid.'),
  );

/** `Preference-Applied` echoing the honoured `outlook.timezone` preference. */
function preferenceApplied(c: Context, options: RenderOptions): Record<string, string> {
  return c.req.header('prefer')?.includes('outlook.timezone')
    ? { 'preference-applied': `outlook.timezone="${options.label}"` }
    : {};
}

/** Output zone from `Prefer: outlook.timezone="…"` (UTC without it). */
function renderOptions(c: Context, expand?: string): RenderOptions {
  const prefer = c.req.header('prefer') ?? '';
  const label = prefer.match(/outlook\.timezone="([^"]+)"/)?.[1] ?? 'UTC';
  const zone = ianaZone(label) ?? 'UTC';
  const ids = [...(expand ?? '').matchAll(/id eq '([^']+)'/g)].map((m) => (m[1] ?? '').toLowerCase());
  return {
    zone,
    label,
    ...(expand?.includes('singleValueExtendedProperties')
      ? { expandProperties: (id: string) => ids.length === 0 || ids.includes(id.toLowerCase()) }
      : {}),
  };
}

function pageSize(c: Context, fallback: number): number {
  const m = (c.req.header('prefer') ?? '').match(/odata\.maxpagesize=(\d+)/);
  return m ? Math.max(1, Number(m[1])) : fallback;
}

/** Origin + mount prefix of this Graph emulation, for absolute nextLink/deltaLink URLs. */
function graphBase(c: Context): string {
  const url = new URL(c.req.url);
  return `${url.origin}${url.pathname.slice(0, url.pathname.indexOf('/v1.0/'))}/v1.0`;
}

const graphFail = (c: EmulatorContext, error: unknown) => {
  if (error instanceof GraphWireError) return graphError(c, error.status, error.code, error.message);
  throw error;
};

microsoftGraph.get('/v1.0/me', async (c) => {
  const account = await begin(c, 'me');
  if (account instanceof Response) return account;
  const [given, ...rest] = account.name.split(' ');
  return c.json({
    '@odata.context': 'https://graph.microsoft.com/v1.0/$metadata#users/$entity',
    id: account.id,
    displayName: account.name,
    givenName: given,
    surname: rest.join(' ') || null,
    mail: account.email,
    userPrincipalName: account.email,
    businessPhones: [],
    jobTitle: null,
    mobilePhone: null,
    officeLocation: null,
    preferredLanguage: 'en-US',
  });
});

/** A calendar resource with the fields Graph v1.0 returns for `GET /me/calendar` (calendar-get). */
function renderCalendar(calendar: Calendar, account: Account): Record<string, unknown> {
  return {
    id: calendar.id,
    name: calendar.summary,
    color: 'auto',
    hexColor: '',
    groupClassId: '0006f0b7-0000-0000-c000-000000000046',
    isDefaultCalendar: calendar.primary,
    changeKey: Buffer.from(`${calendar.id}:${calendar.tokenGeneration}`).toString('base64'),
    canShare: true,
    canViewPrivateItems: true,
    canEdit: true,
    allowedOnlineMeetingProviders: ['teamsForBusiness'],
    defaultOnlineMeetingProvider: 'teamsForBusiness',
    isTallyingResponses: true,
    isRemovable: !calendar.primary,
    owner: { name: account.name, address: account.email },
  };
}

microsoftGraph.get('/v1.0/me/calendars', async (c) => {
  const account = await begin(c, 'calendars');
  if (account instanceof Response) return account;
  return c.json({
    '@odata.context': `https://graph.microsoft.com/v1.0/$metadata#users('${account.id}')/calendars`,
    value: [...account.calendars.values()].map((cal) => renderCalendar(cal, account)),
  });
});

// The mailbox's default calendar, and any calendar by id (404 `ErrorItemNotFound` when unknown).
for (const path of ['/v1.0/me/calendar', '/v1.0/me/calendars/:calendarId']) {
  microsoftGraph.get(path, async (c) => {
    const account = await begin(c, 'calendar.get');
    if (account instanceof Response) return account;
    const calendar = calendarFromPath(account, c.req.param('calendarId'));
    if (!calendar) return notFound(c);
    return c.json({
      '@odata.context': `https://graph.microsoft.com/v1.0/$metadata#users('${account.id}')/calendar/$entity`,
      ...renderCalendar(calendar, account),
    });
  });
}

// ---- calendarView and delta --------------------------------------------------------------------

function windowParams(c: Context): { from: number; to: number } | Response {
  const params = new URL(c.req.url).searchParams;
  const start = params.get('startDateTime') ?? params.get('StartDateTime');
  const end = params.get('endDateTime') ?? params.get('EndDateTime');
  if (!start || !end) {
    return graphError(
      c,
      400,
      'ErrorInvalidParameter',
      'This request requires a time window specified by the query string parameters StartDateTime and EndDateTime.',
    );
  }
  const parse = (v: string) =>
    /([zZ]|[+-]\d{2}:\d{2})$/.test(v) ? Date.parse(v) : zonedToInstant(parseWall(v), 'UTC');
  const from = parse(start);
  const to = parse(end);
  if (!Number.isFinite(from) || !Number.isFinite(to) || to <= from)
    return graphError(c, 400, 'ErrorInvalidParameter', 'The time window is invalid.');
  return { from, to };
}

/** `OID.<masterId>.<date>` for each deleted occurrence of a series (Graph `cancelledOccurrences`). */
function cancelledOccurrencesOf(calendar: Calendar, master: StoredEvent): string[] {
  return [...exceptionsOf(calendar, master.id).values()]
    .filter((e) => e.status === 'cancelled')
    .map((e) => {
      const date =
        e.originalStartDate ?? formatDate(wallTimeIn(e.originalStartMs ?? e.startMs, master.timeZone));
      return `OID.${master.id}.${date}`;
    })
    .sort();
}

/** A stored event rendered in full (masters with their cancelled occurrences). */
function renderStored(
  calendar: Calendar,
  event: StoredEvent,
  account: Account,
  options: RenderOptions,
  occurrence?: Occurrence,
): Record<string, unknown> {
  const withCancelled =
    event.recurrence?.length && !occurrence
      ? { ...options, cancelledOccurrences: cancelledOccurrencesOf(calendar, event) }
      : options;
  return renderGraphEvent(event, account, withCancelled, occurrence);
}

const removed = (id: string) => ({
  '@odata.type': '#microsoft.graph.event',
  id: toGraphId(id),
  '@removed': { reason: 'deleted' },
});

/**
 * One series in delta: the master first (unless left out), then each occurrence as a stub and each
 * exception in full. Empty when nothing of the series falls in the window — but in a later round a
 * changed series whose every occurrence in the window is cancelled still has its master (with
 * `cancelledOccurrences`): that is the only way Graph tells that its last occurrence went.
 */
function seriesGroup(
  state: EmulatorState,
  account: Account,
  calendar: Calendar,
  master: StoredEvent,
  from: number,
  to: number,
  options: RenderOptions,
  laterRound: boolean,
): unknown[] {
  const occurrences = occurrencesOfMaster(calendar, master, from, to, false);
  const allCancelled = laterRound && occurrencesOfMaster(calendar, master, from, to, true).length > 0;
  if (!occurrences.length && !allCancelled) return [];
  const group: unknown[] =
    state.options.graphDeltaSeriesMasters === 'never'
      ? []
      : [renderStored(calendar, master, account, options)];
  for (const o of occurrences)
    group.push(
      o.kind === 'occurrence'
        ? renderOccurrenceStub(o, options)
        : renderStored(calendar, o.event, account, options, o),
    );
  return group;
}

/**
 * Groups of one delta round (a group is never split across pages). The initial round lists singles,
 * and per series the master plus its occurrences (stubs) and exceptions (full). Later rounds list
 * what changed: a changed series again in full; a changed exception alone; a deleted occurrence only
 * through its master (option `graphDeletedOccurrences: 'removed'` adds an `@removed` per occurrence);
 * changes outside the window as `@removed` (providers.md §8).
 */
function deltaGroups(
  state: EmulatorState,
  account: Account,
  calendar: Calendar,
  cursor: SyncCursor | undefined,
  from: number,
  to: number,
  options: RenderOptions,
): unknown[][] {
  const groups: Array<{ start: number; items: unknown[] }> = [];
  const changed = (event: StoredEvent) => !cursor || event.changeSeq > cursor.seq;
  for (const event of calendar.events.values()) {
    if (event.recurringEventId || !changed(event)) continue;
    if (event.recurrence?.length) {
      if (event.deleted || event.status === 'cancelled') {
        if (!cursor) continue;
        const ids = occurrencesOfMaster(calendar, event, from, to, true).map((o) => o.id);
        groups.push({ start: event.startMs, items: [removed(event.id), ...ids.map(removed)] });
        continue;
      }
      const items = seriesGroup(state, account, calendar, event, from, to, options, Boolean(cursor));
      if (cursor) {
        for (const exception of calendar.events.values()) {
          if (exception.recurringEventId !== event.id || exception.changeSeq <= cursor.seq) continue;
          const dropped = exception.deleted;
          const cancelledOccurrence = exception.status === 'cancelled' && !exception.deleted;
          if (dropped || (cancelledOccurrence && state.options.graphDeletedOccurrences === 'removed'))
            items.push(removed(exception.id));
        }
      }
      if (items.length) groups.push({ start: event.startMs, items });
      continue;
    }
    const inWindow = event.endMs > from && event.startMs < to;
    if (!cursor) {
      if (!event.deleted && event.status !== 'cancelled' && inWindow)
        groups.push({ start: event.startMs, items: [renderStored(calendar, event, account, options)] });
      continue;
    }
    // Changes outside the window are reported as deletions (the client filters by range).
    const gone = event.deleted || event.status === 'cancelled' || !inWindow;
    groups.push({
      start: event.startMs,
      items: [gone ? removed(event.id) : renderStored(calendar, event, account, options)],
    });
  }
  if (cursor) {
    // Exceptions that changed while their series did not.
    for (const exception of calendar.events.values()) {
      if (!exception.recurringEventId || exception.changeSeq <= cursor.seq) continue;
      const master = calendar.events.get(exception.recurringEventId);
      if (!master || master.changeSeq > cursor.seq) continue;
      if (exception.status === 'cancelled' && !exception.deleted) {
        if (state.options.graphDeletedOccurrences === 'removed')
          groups.push({ start: exception.startMs, items: [removed(exception.id)] });
        continue;
      }
      const inWindow = exception.endMs > from && exception.startMs < to;
      groups.push({
        start: exception.startMs,
        items: [
          exception.deleted || !inWindow
            ? removed(exception.id)
            : renderStored(calendar, exception, account, options, exceptionOccurrence(exception, master)),
        ],
      });
    }
  }
  return groups.sort((a, b) => a.start - b.start).map((g) => g.items);
}

function exceptionOccurrence(event: StoredEvent, master: StoredEvent): Occurrence {
  return {
    event,
    master,
    id: event.id,
    startMs: event.startMs,
    endMs: event.endMs,
    kind: 'exception',
    ...(event.originalStartMs !== undefined ? { originalStartMs: event.originalStartMs } : {}),
  };
}

microsoftGraph.get('/v1.0/me/calendarView/delta', async (c) => {
  const state = c.get('state');
  const account = await begin(c, 'delta');
  if (account instanceof Response) return account;
  const calendar = primaryCalendar(account);
  const params = new URL(c.req.url).searchParams;
  const options = renderOptions(c);
  const size = pageSize(c, state.options.graphDefaultPageSize);
  const base = graphBase(c);
  const key = accountKey('microsoft', account.email);
  for (const unsupported of ['$select', '$expand', '$filter', '$orderby', '$search']) {
    if (params.has(unsupported))
      return graphError(
        c,
        400,
        'ErrorInvalidUrlQuery',
        `The following parameters are not supported with change tracking over the 'CalendarView' resource: '${unsupported}'.`,
      );
  }
  const respond = (groups: unknown[][], offset: number, cursor: SyncCursor) => {
    const page = takePage(state, groups, offset, size);
    const applied = ['odata.track-changes'];
    if (c.req.header('prefer')?.includes('maxpagesize')) applied.push(`odata.maxpagesize=${size}`);
    if (options.label !== 'UTC' || c.req.header('prefer')?.includes('outlook.timezone'))
      applied.push(`outlook.timezone="${options.label}"`);
    const headers = { 'preference-applied': applied.join(', ') };
    const context = 'https://graph.microsoft.com/v1.0/$metadata#Collection(event)';
    if (page.next !== undefined) {
      const skip = state.token('', 40);
      state.pageCursors.set(skip, { groups, offset: page.next, finalCursor: cursor, accountKey: key });
      return c.json(
        {
          '@odata.context': context,
          '@odata.nextLink': `${base}/me/calendarView/delta?$skiptoken=${skip}`,
          value: page.items,
        },
        200,
        headers,
      );
    }
    return c.json(
      {
        '@odata.context': context,
        '@odata.deltaLink': `${base}/me/calendarView/delta?$deltatoken=${state.newCursor(cursor)}`,
        value: page.items,
      },
      200,
      headers,
    );
  };
  const skipToken = params.get('$skiptoken');
  if (skipToken) {
    const page = state.pageCursors.get(skipToken);
    if (!page || page.accountKey !== key)
      return graphError(c, 400, 'BadRequest', 'The skip token is invalid.');
    return respond(page.groups, page.offset, page.finalCursor);
  }
  const deltaToken = params.get('$deltatoken');
  if (deltaToken) {
    const cursor = state.liveCursor(deltaToken);
    if (!cursor || cursor.accountKey !== key) {
      return graphError(
        c,
        410,
        'SyncStateNotFound',
        `The sync state generation is not found; generation=${calendar.tokenGeneration};[highest=${calendar.tokenGeneration + 8}].`,
      );
    }
    const from = cursor.windowStartMs ?? 0;
    const to = cursor.windowEndMs ?? 0;
    // Fault `unreported`: the round says nothing, and its deltaLink moves past the changes.
    if (isUnreported(c)) return respond([], 0, { ...cursor, seq: calendar.seq });
    return respond(deltaGroups(state, account, calendar, cursor, from, to, options), 0, {
      ...cursor,
      seq: calendar.seq,
    });
  }
  const window = windowParams(c);
  if (window instanceof Response) return window;
  const cursor: SyncCursor = {
    provider: 'microsoft',
    accountKey: key,
    calendarId: calendar.id,
    seq: calendar.seq,
    generation: calendar.tokenGeneration,
    singleEvents: true,
    windowStartMs: window.from,
    windowEndMs: window.to,
  };
  return respond(
    deltaGroups(state, account, calendar, undefined, window.from, window.to, options),
    0,
    cursor,
  );
});

/** `$top`/`$skip` paging with an absolute `@odata.nextLink`, as calendarView and /me/events page. */
function pagedCollection(c: EmulatorContext, context: string, items: unknown[], defaultSize: number) {
  const state = c.get('state');
  const url = new URL(c.req.url);
  const top = Number(url.searchParams.get('$top') ?? 0) || pageSize(c, defaultSize);
  const size = Math.min(Math.max(top, 1), 1000);
  const skip = Math.max(Number(url.searchParams.get('$skip') ?? 0) || 0, 0);
  const page = takePage(state, singletons(items), skip, size);
  const next = new URL(`${graphBase(c)}${url.pathname.slice(url.pathname.indexOf('/v1.0/') + 5)}`);
  for (const [k, v] of url.searchParams) if (k !== '$skip') next.searchParams.append(k, v);
  if (page.next !== undefined) next.searchParams.set('$skip', String(page.next));
  return c.json({
    '@odata.context': context,
    value: page.items,
    ...(page.next !== undefined ? { '@odata.nextLink': next.toString() } : {}),
  });
}

for (const path of ['/v1.0/me/calendarView', '/v1.0/me/calendars/:calendarId/calendarView']) {
  microsoftGraph.get(path, async (c) => {
    const account = await begin(c, 'calendarView');
    if (account instanceof Response) return account;
    const calendar = calendarFromPath(account, c.req.param('calendarId'));
    if (!calendar) return notFound(c);
    const window = windowParams(c);
    if (window instanceof Response) return window;
    const options = renderOptions(c);
    const items = occurrencesInWindow(calendar, window.from, window.to).map((o) =>
      renderStored(calendar, o.event, account, options, o.kind === 'single' ? undefined : o),
    );
    return pagedCollection(c, 'https://graph.microsoft.com/v1.0/$metadata#users/me/calendarView', items, 10);
  });
}

// A series' occurrences and exceptions in a window, in full (cancelled ones left out), paged as
// calendarView is: `GET …/events/{id}/instances?startDateTime&endDateTime`.
for (const path of [
  '/v1.0/me/events/:eventId/instances',
  '/v1.0/me/calendar/events/:eventId/instances',
  '/v1.0/me/calendars/:calendarId/events/:eventId/instances',
]) {
  microsoftGraph.get(path, async (c) => {
    const account = await begin(c, 'events.instances');
    if (account instanceof Response) return account;
    const calendar = calendarFromPath(account, c.req.param('calendarId'));
    if (!calendar) return notFound(c);
    const master = locate(calendar, c.req.param('eventId') ?? '').event;
    if (!master || master.recurringEventId) return notFound(c);
    const window = windowParams(c);
    if (window instanceof Response) return window;
    const options = renderOptions(c);
    const items = master.recurrence?.length
      ? occurrencesOfMaster(calendar, master, window.from, window.to, false)
          .sort((a, b) => a.startMs - b.startMs)
          .map((o) => renderStored(calendar, o.event, account, options, o))
      : [];
    return pagedCollection(c, 'https://graph.microsoft.com/v1.0/$metadata#Collection(event)', items, 10);
  });
}

// ---- events CRUD -----------------------------------------------------------------------------

function calendarFromPath(account: Account, calendarId: string | undefined): Calendar | undefined {
  return calendarId ? account.calendars.get(calendarId) : primaryCalendar(account);
}

const notFound = (c: EmulatorContext) =>
  graphError(c, 404, 'ErrorItemNotFound', 'The specified object was not found in the store.');

/** Finds a stored event or an occurrence id (`<master>_<start>`); occurrences materialise on write. */
function locate(
  calendar: Calendar,
  graphId: string,
): { event?: StoredEvent; master?: StoredEvent; occurrenceOf?: StoredEvent } {
  // Occurrence ids are opaque: a client-built `<masterId>_<date>` must not resolve.
  if (graphId.includes('_')) return {};
  const id = fromGraphId(graphId);
  const stored = calendar.events.get(id);
  if (stored && !stored.deleted && !(stored.status === 'cancelled' && stored.recurringEventId)) {
    return {
      event: stored,
      ...(stored.recurringEventId ? { master: calendar.events.get(stored.recurringEventId) } : {}),
    };
  }
  if (stored) return {};
  const m = id.match(/^(.+)_(\d{8}T\d{6}Z|\d{8})$/);
  const master = m?.[1] ? calendar.events.get(m[1]) : undefined;
  if (!master?.recurrence?.length || master.deleted) return {};
  return { occurrenceOf: master };
}

function materialise(
  state: EmulatorState,
  calendar: Calendar,
  master: StoredEvent,
  id: string,
): StoredEvent | undefined {
  const occurrence = occurrenceById(calendar, master, id, false);
  return occurrence ? exceptionFromOccurrence(master, occurrence, state.clock.now()) : undefined;
}

/** Shared start of patch/delete: authenticate, then find the event or materialise the occurrence. */
async function writeTarget(c: EmulatorContext, endpoint: string) {
  const state = c.get('state');
  const account = await begin(c, endpoint);
  if (account instanceof Response) return account;
  const calendar = calendarFromPath(account, c.req.param('calendarId'));
  if (!calendar) return notFound(c);
  const graphId = c.req.param('eventId') ?? '';
  const id = fromGraphId(graphId);
  const found = locate(calendar, graphId);
  const event =
    found.event ?? (found.occurrenceOf ? materialise(state, calendar, found.occurrenceOf, id) : undefined);
  if (!event) return notFound(c);
  return { state, account, calendar, event };
}

async function readJson(c: EmulatorContext): Promise<GraphEventBody | Response> {
  try {
    const body = (await c.req.json()) as unknown;
    if (!body || typeof body !== 'object' || Array.isArray(body)) throw new Error('not an object');
    return body as GraphEventBody;
  } catch {
    return graphError(
      c,
      400,
      'BadRequest',
      'Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.',
    );
  }
}

const createPaths = ['/v1.0/me/events', '/v1.0/me/calendar/events', '/v1.0/me/calendars/:calendarId/events'];
for (const path of createPaths) {
  microsoftGraph.post(path, async (c) => {
    const state = c.get('state');
    const account = await begin(c, 'events.create');
    if (account instanceof Response) return account;
    const calendar = calendarFromPath(account, c.req.param('calendarId'));
    if (!calendar) return notFound(c);
    const body = await readJson(c);
    if (body instanceof Response) return body;
    if (body.transactionId) {
      // A retried POST with the same transactionId returns the event it already created.
      const existing = [...calendar.events.values()].find(
        (e) => e.transactionId === body.transactionId && !e.deleted,
      );
      if (existing) return c.json(renderStored(calendar, existing, account, renderOptions(c)), 201);
    }
    const event = blankEvent(state, account, newGraphEventId(state));
    try {
      applyGraphBody(event, body, true);
    } catch (error) {
      return graphFail(c, error);
    }
    if (body.transactionId) event.transactionId = body.transactionId;
    // Teams meetings are created with the event (a work account's default online provider).
    if (body.isOnlineMeeting && (body.onlineMeetingProvider ?? 'teamsForBusiness') === 'teamsForBusiness')
      event.teamsJoinUrl = `https://teams.microsoft.com/l/meetup-join/19%3ameeting_${state.random.string(24, 'abcdefghijklmnopqrstuvwxyz0123456789')}%40thread.v2/0`;
    recordChange(state, account, calendar, event, 'created');
    const options = renderOptions(c);
    return c.json(renderStored(calendar, event, account, options), 201, preferenceApplied(c, options));
  });
}

microsoftGraph.get('/v1.0/me/events', async (c) => {
  const account = await begin(c, 'events.list');
  if (account instanceof Response) return account;
  const params = new URL(c.req.url).searchParams;
  const filter = params.get('$filter') ?? '';
  const m = filter.match(
    /singleValueExtendedProperties\/Any\(\s*(\w+):\s*\1\/id eq '([^']+)' and \1\/value eq '([^']*)'\s*\)/i,
  );
  if (filter && !m)
    return graphError(
      c,
      400,
      'BadRequest',
      'Only singleValueExtendedProperties/Any filters are supported by the emulator.',
    );
  const options = renderOptions(c, params.get('$expand') ?? undefined);
  const calendar = primaryCalendar(account);
  const items = [...calendar.events.values()]
    .filter((e) => !e.deleted && !(e.status === 'cancelled' && e.recurringEventId))
    .filter(
      (e) =>
        !m ||
        e.singleValueExtendedProperties.some(
          (p) => p.id.toLowerCase() === (m[2] ?? '').toLowerCase() && p.value === m[3],
        ),
    )
    .map((e) => renderStored(calendar, e, account, options));
  return pagedCollection(c, 'https://graph.microsoft.com/v1.0/$metadata#users/me/events', items, 10);
});

const itemPaths = [
  '/v1.0/me/events/:eventId',
  '/v1.0/me/calendar/events/:eventId',
  '/v1.0/me/calendars/:calendarId/events/:eventId',
];
for (const path of itemPaths) {
  microsoftGraph.get(path, async (c) => {
    const account = await begin(c, 'events.get');
    if (account instanceof Response) return account;
    const calendar = calendarFromPath(account, c.req.param('calendarId'));
    if (!calendar) return notFound(c);
    const graphId = c.req.param('eventId') ?? '';
    const id = fromGraphId(graphId);
    const found = locate(calendar, graphId);
    const options = renderOptions(c, new URL(c.req.url).searchParams.get('$expand') ?? undefined);
    const headers = preferenceApplied(c, options);
    if (found.event) return c.json(renderStored(calendar, found.event, account, options), 200, headers);
    if (found.occurrenceOf) {
      const occurrence = occurrenceById(calendar, found.occurrenceOf, id, false);
      if (occurrence)
        return c.json(renderGraphEvent(found.occurrenceOf, account, options, occurrence), 200, headers);
    }
    return notFound(c);
  });

  microsoftGraph.patch(path, async (c) => {
    const target = await writeTarget(c, 'events.update');
    if (target instanceof Response) return target;
    const { state, account, calendar, event } = target;
    const ifMatch = c.req.header('if-match');
    if (
      ifMatch &&
      ifMatch !== '*' &&
      ifMatch !== `W/"${changeKeyOf(event)}"` &&
      ifMatch !== changeKeyOf(event)
    ) {
      return graphError(
        c,
        412,
        'ErrorIrresolvableConflict',
        'The send or update operation could not be performed because the change key passed in the request does not match the current change key for the item.',
      );
    }
    const body = await readJson(c);
    if (body instanceof Response) return body;
    const draft = structuredClone(event);
    try {
      applyGraphBody(draft, body, false);
    } catch (error) {
      return graphFail(c, error);
    }
    recordChange(state, account, calendar, draft, 'updated');
    const options = renderOptions(c);
    return c.json(renderStored(calendar, draft, account, options), 200, preferenceApplied(c, options));
  });

  microsoftGraph.delete(path, async (c) => {
    const target = await writeTarget(c, 'events.delete');
    if (target instanceof Response) return target;
    deleteEvent(target.state, target.account, target.calendar, target.event);
    return c.body(null, 204);
  });

  // An attendee answers an invitation; Graph replies 202 with no body.
  for (const [action, response] of [
    ['accept', 'accepted'],
    ['decline', 'declined'],
    ['tentativelyAccept', 'tentative'],
  ] as const) {
    microsoftGraph.post(`${path}/${action}`, async (c) => {
      const target = await writeTarget(c, `events.${action}`);
      if (target instanceof Response) return target;
      const { state, account, calendar, event } = target;
      if (!respondToInvitation(state, account, calendar, event, response))
        return graphError(
          c,
          400,
          'ErrorInvalidRequest',
          "Your request can't be completed. You can't respond to this meeting because you're the meeting organizer.",
        );
      return c.body(null, 202);
    });
  }
}

// ---- getSchedule -------------------------------------------------------------------------------

microsoftGraph.post('/v1.0/me/calendar/getSchedule', async (c) => {
  const state = c.get('state');
  const account = await begin(c, 'getSchedule');
  if (account instanceof Response) return account;
  let body: {
    schedules?: string[];
    startTime?: { dateTime?: string; timeZone?: string };
    endTime?: { dateTime?: string; timeZone?: string };
    availabilityViewInterval?: number;
  };
  try {
    body = await c.req.json();
  } catch {
    return graphError(c, 400, 'BadRequest', 'Unable to read JSON request payload.');
  }
  const schedules = body.schedules ?? [];
  if (!schedules.length)
    return graphError(c, 400, 'ErrorInvalidParameter', 'The schedules parameter is required.');
  if (schedules.length > 20)
    return graphError(c, 400, 'ErrorInvalidParameter', 'Too many schedules requested; the maximum is 20.');
  const zoneOf = (t: { timeZone?: string } | undefined) => ianaZone(t?.timeZone ?? 'UTC') ?? 'UTC';
  if (!body.startTime?.dateTime || !body.endTime?.dateTime)
    return graphError(c, 400, 'ErrorInvalidParameter', 'startTime and endTime are required.');
  const from = zonedToInstant(parseWall(body.startTime.dateTime), zoneOf(body.startTime));
  const to = zonedToInstant(parseWall(body.endTime.dateTime), zoneOf(body.endTime));
  if (to <= from)
    return graphError(c, 400, 'ErrorInvalidParameter', 'The end time must be after the start time.');
  if (to - from >= 62 * 86_400_000)
    return graphError(c, 400, 'ErrorInvalidParameter', 'The requested time range must be less than 62 days.');
  const interval = body.availabilityViewInterval ?? 30;
  if (interval < 5 || interval > 1440)
    return graphError(
      c,
      400,
      'ErrorInvalidParameter',
      'availabilityViewInterval must be between 5 and 1440.',
    );
  const options = renderOptions(c);
  const digit: Record<string, string> = {
    free: '0',
    workingElsewhere: '4',
    tentative: '1',
    busy: '2',
    oof: '3',
    unknown: '2',
  };
  const value = schedules.map((email) => {
    const owner = state.account('microsoft', email);
    if (!owner) {
      return {
        scheduleId: email,
        availabilityView: '',
        scheduleItems: [],
        error: { message: 'Unable to resolve the mailbox.', responseCode: 'ErrorMailRecipientNotFound' },
      };
    }
    const occurrences = occurrencesInWindow(primaryCalendar(owner), from, to).filter((o) =>
      blocksTime(o.event, owner.email),
    );
    let view = '';
    for (let t = from; t < to; t += interval * 60_000) {
      const slotEnd = Math.min(t + interval * 60_000, to);
      let best = '0';
      for (const o of occurrences)
        if (o.startMs < slotEnd && o.endMs > t)
          best = String(Math.max(Number(best), Number(digit[showAsOf(o.event)] ?? '2')));
      view += best;
    }
    return {
      scheduleId: email,
      availabilityView: view,
      scheduleItems: occurrences
        .filter((o) => showAsOf(o.event) !== 'free')
        .map((o) => ({
          isPrivate: false,
          status: showAsOf(o.event),
          subject: o.event.summary ?? '',
          location: o.event.location ?? '',
          start: { dateTime: formatGraphDateTime(o.startMs, options.zone), timeZone: options.label },
          end: { dateTime: formatGraphDateTime(o.endMs, options.zone), timeZone: options.label },
        })),
      workingHours: {
        daysOfWeek: ['monday', 'tuesday', 'wednesday', 'thursday', 'friday'],
        startTime: '08:00:00.0000000',
        endTime: '17:00:00.0000000',
        // Graph names the mailbox's working-hours zone in Windows terms (providers.md §8 getSchedule).
        timeZone: { name: windowsZone(owner.timeZone) },
      },
    };
  });
  return c.json({
    '@odata.context':
      'https://graph.microsoft.com/v1.0/$metadata#Collection(microsoft.graph.scheduleInformation)',
    value,
  });
});

// ---- subscriptions ---------------------------------------------------------------------------

const MAX_SUBSCRIPTION_MINUTES = 10_070;

/** Graph's validation handshake: the endpoint must echo the token as text/plain within 10 s. */
async function validateEndpoint(state: EmulatorState, url: string): Promise<boolean> {
  const token = `Validation: Testing client application reachability for subscription Request-Id: ${state.random.uuid()}`;
  const { status, text } = await exchange(
    state,
    'graph_validation',
    `${url}${url.includes('?') ? '&' : '?'}validationToken=${encodeURIComponent(token)}`,
    { method: 'POST', headers: { 'content-type': 'text/plain; charset=utf-8' } },
  );
  return status === 200 && text === token;
}

/** Answers carry the emulator's clock in Date, as Graph's carry its own (clients can measure skew). */
const stampDate = (c: EmulatorContext, account: Account) =>
  c.header('date', new Date(pushNow(c.get('state'), accountKey('microsoft', account.email))).toUTCString());

function expirationFrom(
  c: EmulatorContext,
  state: EmulatorState,
  value: string | undefined,
  account: Account,
): number | Response {
  const requested = Date.parse(value ?? '');
  if (!Number.isFinite(requested))
    return graphError(c, 400, 'InvalidRequest', 'expirationDateTime is required.');
  const now = pushNow(state, accountKey('microsoft', account.email));
  if (requested > now + MAX_SUBSCRIPTION_MINUTES * 60_000) {
    return graphError(
      c,
      400,
      'ExtensionError',
      `Subscription expiration can only be ${MAX_SUBSCRIPTION_MINUTES} minutes in the future.`,
    );
  }
  return Math.max(requested, now + 45 * 60_000);
}

function renderSubscription(
  sub: EmulatorState['subscriptions'] extends Map<string, infer S> ? S : never,
  account: Account,
) {
  return {
    '@odata.context': 'https://graph.microsoft.com/v1.0/$metadata#subscriptions/$entity',
    id: sub.id,
    resource: sub.resource,
    applicationId: sub.applicationId,
    changeType: sub.changeType,
    clientState: sub.clientState ?? null,
    notificationUrl: sub.notificationUrl,
    lifecycleNotificationUrl: sub.lifecycleNotificationUrl ?? null,
    expirationDateTime: new Date(sub.expirationDateTime)
      .toISOString()
      .replace('Z', '0000Z')
      .replace(/\.(\d{3})0000Z/, '.$10000Z'),
    creatorId: account.id,
    latestSupportedTlsVersion: 'v1_2',
    notificationContentType: 'application/json',
    includeResourceData: false,
  };
}

microsoftGraph.post('/v1.0/subscriptions', async (c) => {
  const state = c.get('state');
  const account = await begin(c, 'subscriptions.create');
  if (account instanceof Response) return account;
  stampDate(c, account);
  let body: {
    changeType?: string;
    notificationUrl?: string;
    lifecycleNotificationUrl?: string;
    resource?: string;
    expirationDateTime?: string;
    clientState?: string;
  };
  try {
    body = await c.req.json();
  } catch {
    return graphError(c, 400, 'BadRequest', 'Unable to read JSON request payload.');
  }
  if (!body.notificationUrl || !body.resource || !body.changeType)
    return graphError(c, 400, 'InvalidRequest', 'changeType, notificationUrl and resource are required.');
  if (
    !/^(me|users\/[^/]+)\/(events|calendar\/events|calendars\/[^/]+\/events)$/i.test(
      body.resource.replace(/^\//, ''),
    )
  ) {
    return graphError(
      c,
      400,
      'InvalidRequest',
      `Resource '${body.resource}' is not supported by the emulator.`,
    );
  }
  if (body.clientState && body.clientState.length > 128)
    return graphError(c, 400, 'InvalidRequest', 'clientState must be at most 128 characters.');
  const expiration = expirationFrom(c, state, body.expirationDateTime, account);
  if (expiration instanceof Response) return expiration;
  for (const url of [body.notificationUrl, body.lifecycleNotificationUrl].filter((u): u is string =>
    Boolean(u),
  )) {
    if (!(await validateEndpoint(state, url))) {
      return graphError(
        c,
        400,
        'ValidationError',
        'Subscription validation request failed. Notification endpoint must respond with 200 OK to validation request.',
      );
    }
  }
  const sub = {
    id: state.random.uuid(),
    accountKey: accountKey('microsoft', account.email),
    resource: body.resource,
    changeType: body.changeType,
    notificationUrl: body.notificationUrl,
    ...(body.lifecycleNotificationUrl ? { lifecycleNotificationUrl: body.lifecycleNotificationUrl } : {}),
    ...(body.clientState !== undefined ? { clientState: body.clientState } : {}),
    expirationDateTime: expiration,
    applicationId: state.random.uuid(),
  };
  state.subscriptions.set(sub.id, sub);
  return c.json(renderSubscription(sub, account), 201);
});

function ownSubscription(c: EmulatorContext, account: Account) {
  const sub = c.get('state').subscriptions.get(c.req.param('id') ?? '');
  return sub && sub.accountKey === accountKey('microsoft', account.email) ? sub : undefined;
}

const subscriptionMissing = (c: EmulatorContext) =>
  graphError(c, 404, 'ResourceNotFound', 'The object was not found.');

microsoftGraph.patch('/v1.0/subscriptions/:id', async (c) => {
  const state = c.get('state');
  const account = await begin(c, 'subscriptions.update');
  if (account instanceof Response) return account;
  stampDate(c, account);
  const sub = ownSubscription(c, account);
  // An expired subscription is gone: Graph deletes it, and a renewal must create a new one.
  if (!sub || sub.expirationDateTime <= pushNow(state, sub.accountKey)) {
    if (sub) state.subscriptions.delete(sub.id);
    return subscriptionMissing(c);
  }
  const body = (await c.req.json().catch(() => ({}))) as { expirationDateTime?: string };
  const expiration = expirationFrom(c, state, body.expirationDateTime, account);
  if (expiration instanceof Response) return expiration;
  sub.expirationDateTime = expiration;
  sub.reauthorizationRequired = false;
  return c.json(renderSubscription(sub, account));
});

microsoftGraph.post('/v1.0/subscriptions/:id/reauthorize', async (c) => {
  const account = await begin(c, 'subscriptions.reauthorize');
  if (account instanceof Response) return account;
  const sub = ownSubscription(c, account);
  if (!sub) return subscriptionMissing(c);
  sub.reauthorizationRequired = false;
  return c.body(null, 204);
});

microsoftGraph.delete('/v1.0/subscriptions/:id', async (c) => {
  const account = await begin(c, 'subscriptions.delete');
  if (account instanceof Response) return account;
  const sub = ownSubscription(c, account);
  if (!sub) return subscriptionMissing(c);
  c.get('state').subscriptions.delete(sub.id);
  return c.body(null, 204);
});
