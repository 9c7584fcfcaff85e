/**
 * Google Calendar v3: calendarList, events list (paging, sync tokens, filters, singleEvents),
 * get/insert/patch/update/delete with etags, instances, freeBusy, watch and channels.stop
 * (providers.md §2–§6).
 */
import { Hono } from 'hono';
import {
  busyIntervals,
  exceptionFromOccurrence,
  occurrenceById,
  occurrencesInWindow,
  occurrencesOfMaster,
} from '../expand.ts';
import { beginApiCall, type EmulatorContext, googleError, googleUnauthorized } from '../http.ts';
import { type Account, accountKey, type Calendar, etagOf, type StoredEvent } from '../model.ts';
import { blankEvent, deleteEvent, newGoogleEventId, recordChange } from '../mutations.ts';
import { singletons, takePage } from '../paging.ts';
import { pushNow, sendGooglePush } from '../push.ts';
import { seriesEndMs } from '../recurrence.ts';
import type { EmulatorState, SyncCursor } from '../state.ts';
import { formatWithOffset, isValidTimeZone } from '../time.ts';
import {
  applyGoogleBody,
  EVENT_TYPE_PROPERTIES,
  type GoogleEventBody,
  renderEvent,
  renderOccurrence,
  WireError,
} from './wire.ts';

type Env = { Variables: { state: EmulatorState } };

export const googleCalendar = new Hono<Env>();

const begin = (c: EmulatorContext, endpoint: string) =>
  beginApiCall(c, 'google', endpoint, googleUnauthorized);

/** Authenticated call on the calendar named in the path (`primary`, an id or the account email). */
async function openCalendar(
  c: EmulatorContext,
  endpoint: string,
): Promise<{ account: Account; calendar: Calendar } | Response> {
  const account = await begin(c, endpoint);
  if (account instanceof Response) return account;
  const calendar = c.get('state').calendarOf(account, decodeURIComponent(c.req.param('calendarId') ?? ''));
  return calendar ? { account, calendar } : googleError(c, 404, 'notFound', 'Not Found');
}

const wireError = (c: EmulatorContext, error: unknown) => {
  if (error instanceof WireError)
    return googleError(c, error.status, error.reason, error.message, error.extra);
  throw error;
};

googleCalendar.get('/users/me/calendarList', async (c) => {
  const account = await begin(c, 'calendarList');
  if (account instanceof Response) return account;
  return c.json({
    kind: 'calendar#calendarList',
    etag: '"emu-calendar-list"',
    nextSyncToken: 'emu-calendar-list-sync',
    items: [...account.calendars.values()].map((calendar) => ({
      kind: 'calendar#calendarListEntry',
      etag: `"${calendar.seq}"`,
      id: calendar.id,
      summary: calendar.summary,
      timeZone: calendar.timeZone,
      accessRole: 'owner',
      ...(calendar.primary ? { primary: true } : {}),
      defaultReminders: [{ method: 'popup', minutes: 30 }],
    })),
  });
});

const FORBIDDEN_WITH_SYNC_TOKEN = [
  'iCalUID',
  'orderBy',
  'privateExtendedProperty',
  'q',
  'sharedExtendedProperty',
  'timeMin',
  'timeMax',
  'updatedMin',
];

function parseInstant(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/([zZ]|[+-]\d{2}:?\d{2})$/.test(value))
    throw new WireError(
      400,
      'badRequest',
      `Bad Request: ${name} must be an RFC 3339 timestamp with a time zone offset.`,
    );
  const ms = Date.parse(value);
  if (!Number.isFinite(ms)) throw new WireError(400, 'badRequest', `Bad Request: invalid ${name}.`);
  return Math.floor(ms / 1000) * 1000; // milliseconds are ignored
}

function propertyFilters(params: URLSearchParams, name: string): Array<[string, string]> {
  return params.getAll(name).map((v) => {
    const i = v.indexOf('=');
    return [v.slice(0, i), v.slice(i + 1)] as [string, string];
  });
}

/** Items of a full (non-incremental) list, rendered. */
function fullListItems(
  state: EmulatorState,
  account: Account,
  calendar: Calendar,
  params: URLSearchParams,
): unknown[] {
  const timeMin = parseInstant(params.get('timeMin') ?? undefined, 'timeMin');
  const timeMax = parseInstant(params.get('timeMax') ?? undefined, 'timeMax');
  const updatedMin = parseInstant(params.get('updatedMin') ?? undefined, 'updatedMin');
  if (timeMin !== undefined && timeMax !== undefined && timeMax <= timeMin)
    throw new WireError(400, 'timeRangeEmpty', 'The specified time range is empty.');
  const singleEvents = params.get('singleEvents') === 'true';
  const orderBy = params.get('orderBy');
  if (orderBy === 'startTime' && !singleEvents)
    throw new WireError(
      400,
      'badRequest',
      'The requested ordering is not available for the particular query.',
    );
  const showDeleted = params.get('showDeleted') === 'true' || updatedMin !== undefined;
  const privateFilters = propertyFilters(params, 'privateExtendedProperty');
  const sharedFilters = propertyFilters(params, 'sharedExtendedProperty');
  const iCalUID = params.get('iCalUID');
  const q = params.get('q')?.toLowerCase();
  const eventTypes = params.getAll('eventTypes');
  for (const type of eventTypes)
    if (!(type in EVENT_TYPE_PROPERTIES))
      throw new WireError(400, 'invalid', `Invalid value for eventTypes: ${type}`);
  const keep = (event: StoredEvent) =>
    (eventTypes.length === 0 || eventTypes.includes(event.eventType)) &&
    (updatedMin === undefined || event.updated >= updatedMin) &&
    privateFilters.every(([k, v]) => event.extendedPrivate[k] === v) &&
    sharedFilters.every(([k, v]) => event.extendedShared[k] === v) &&
    (!iCalUID || event.iCalUID === iCalUID) &&
    (!q || [event.summary, event.description, event.location].some((s) => s?.toLowerCase().includes(q)));

  let items: Array<{ sortStart: number; updated: number; render: () => unknown }> = [];
  if (singleEvents) {
    const from = timeMin ?? state.clock.now() - 365 * 86_400_000;
    const to = timeMax ?? state.clock.now() + 2 * 365 * 86_400_000;
    for (const occurrence of occurrencesInWindow(calendar, from, to, showDeleted)) {
      if (!keep(occurrence.event)) continue;
      items.push({
        sortStart: occurrence.startMs,
        updated: occurrence.event.updated,
        render: () => renderOccurrence(occurrence, account),
      });
    }
    if (showDeleted) {
      for (const event of calendar.events.values()) {
        if (event.deleted && keep(event))
          items.push({
            sortStart: event.startMs,
            updated: event.updated,
            render: () => renderEvent(event, account),
          });
      }
    }
  } else {
    for (const event of calendar.events.values()) {
      const master = event.recurringEventId ? calendar.events.get(event.recurringEventId) : undefined;
      // Cancelled instances of a live series are listed even without showDeleted (providers.md §2).
      const cancelledInstance =
        event.status === 'cancelled' && !event.deleted && Boolean(master && !master.deleted);
      if ((event.status === 'cancelled' || event.deleted) && !showDeleted && !cancelledInstance) continue;
      if (!keep(event)) continue;
      const end = event.recurrence?.length
        ? seriesEndMs(event)
        : cancelledInstance
          ? (event.originalStartMs ?? event.startMs) + (event.endMs - event.startMs)
          : event.endMs;
      const start = cancelledInstance ? (event.originalStartMs ?? event.startMs) : event.startMs;
      if (timeMin !== undefined && end <= timeMin) continue;
      if (timeMax !== undefined && start >= timeMax) continue;
      items.push({
        sortStart: event.startMs,
        updated: event.updated,
        render: () => renderEvent(event, account, master),
      });
    }
  }
  if (orderBy === 'startTime') items.sort((a, b) => a.sortStart - b.sortStart);
  else if (orderBy === 'updated') items = items.sort((a, b) => a.updated - b.updated);
  return items.map((i) => i.render());
}

/** Items changed since the cursor, deletions included (providers.md §2 "Cancellation semantics"). */
function incrementalItems(account: Account, calendar: Calendar, cursor: SyncCursor): unknown[] {
  const out: unknown[] = [];
  for (const event of calendar.events.values()) {
    if (event.changeSeq <= cursor.seq) continue;
    const master = event.recurringEventId ? calendar.events.get(event.recurringEventId) : undefined;
    if (cursor.singleEvents && event.recurrence?.length && !event.deleted && event.status !== 'cancelled') {
      const from = cursor.windowStartMs ?? event.startMs;
      const to = cursor.windowEndMs ?? event.startMs + 365 * 86_400_000;
      for (const occurrence of occurrencesOfMaster(calendar, event, from, to, true))
        out.push(renderOccurrence(occurrence, account));
      continue;
    }
    out.push(renderEvent(event, account, master));
  }
  return out;
}

/**
 * The list query shared by events.list and events.watch: a live sync token's changes, or a full list.
 * Throws WireError for a dead token (410) or a forbidden parameter combination (400).
 */
function runListQuery(
  state: EmulatorState,
  account: Account,
  calendar: Calendar,
  params: URLSearchParams,
): { items: unknown[]; finalCursor: SyncCursor } {
  const syncToken = params.get('syncToken');
  if (syncToken) {
    if (FORBIDDEN_WITH_SYNC_TOKEN.some((p) => params.has(p)) || params.get('showDeleted') === 'false')
      throw new WireError(400, 'invalid', 'Sync token cannot be used with other request restrictions.');
    const cursor = state.liveCursor(syncToken);
    if (
      !cursor ||
      cursor.calendarId !== calendar.id ||
      cursor.accountKey !== accountKey('google', account.email)
    )
      throw new WireError(
        410,
        'fullSyncRequired',
        'Sync token is no longer valid, a full sync is required.',
        {
          locationType: 'parameter',
          location: 'syncToken',
        },
      );
    return {
      items: incrementalItems(account, calendar, cursor),
      finalCursor: { ...cursor, seq: calendar.seq },
    };
  }
  const items = fullListItems(state, account, calendar, params);
  const timeMin = params.get('timeMin');
  const timeMax = params.get('timeMax');
  return {
    items,
    finalCursor: {
      provider: 'google',
      accountKey: accountKey('google', account.email),
      calendarId: calendar.id,
      seq: calendar.seq,
      generation: calendar.tokenGeneration,
      singleEvents: params.get('singleEvents') === 'true',
      ...(timeMin ? { windowStartMs: Date.parse(timeMin) } : {}),
      ...(timeMax ? { windowEndMs: Date.parse(timeMax) } : {}),
    },
  };
}

googleCalendar.get('/calendars/:calendarId/events', async (c) => {
  const state = c.get('state');
  const opened = await openCalendar(c, 'events.list');
  if (opened instanceof Response) return opened;
  const { account, calendar } = opened;
  const params = new URL(c.req.url).searchParams;
  const maxResults = Math.min(Math.max(Number(params.get('maxResults') ?? 250) || 250, 1), 2500);

  const envelope = (extra: Record<string, unknown>, items: unknown[]) =>
    c.json(
      {
        kind: 'calendar#events',
        etag: `"p${calendar.seq.toString(16).padStart(14, '0')}"`,
        summary: calendar.summary,
        description: '',
        updated: new Date(state.clock.now()).toISOString(),
        timeZone: calendar.timeZone,
        accessRole: 'owner',
        defaultReminders: [{ method: 'popup', minutes: 30 }],
        ...extra,
        items,
      },
      200,
      { 'content-type': 'application/json; charset=UTF-8' },
    );

  const pageToken = params.get('pageToken');
  if (pageToken) {
    const page = state.pageCursors.get(pageToken);
    if (!page || page.accountKey !== accountKey('google', account.email))
      return googleError(c, 400, 'invalid', 'Invalid page token value.');
    return respondPage(page.groups, page.offset, page.finalCursor, maxResults);
  }

  let query: { items: unknown[]; finalCursor: SyncCursor };
  try {
    query = runListQuery(state, account, calendar, params);
  } catch (error) {
    return wireError(c, error);
  }
  const { items, finalCursor } = query;
  return respondPage(singletons(items), 0, finalCursor, maxResults);

  function respondPage(groups: unknown[][], offset: number, cursor: SyncCursor, size: number) {
    const page = takePage(state, groups, offset, size);
    if (page.next !== undefined) {
      const next = state.token('CiAK', 40);
      state.pageCursors.set(next, {
        groups,
        offset: page.next,
        finalCursor: cursor,
        accountKey: cursor.accountKey,
      });
      return envelope({ nextPageToken: next }, page.items);
    }
    return envelope({ nextSyncToken: state.newCursor(cursor) }, page.items);
  }
});

/** Resolves an event id: a stored event, or an occurrence of a series (materialised on write). */
function findEvent(
  calendar: Calendar,
  id: string,
): { event?: StoredEvent; master?: StoredEvent; instanceOf?: StoredEvent } {
  const stored = calendar.events.get(id);
  if (stored)
    return {
      event: stored,
      ...(stored.recurringEventId ? { master: calendar.events.get(stored.recurringEventId) } : {}),
    };
  const masterId = id.match(/^(.+)_(\d{8}(?:T\d{6}Z)?)$/)?.[1];
  const master = masterId ? calendar.events.get(masterId) : undefined;
  if (!master?.recurrence?.length || master.deleted) return {};
  return occurrenceById(calendar, master, id, true) ? { instanceOf: master, master } : {};
}

function materialise(state: EmulatorState, calendar: Calendar, master: StoredEvent, id: string): StoredEvent {
  const occurrence = occurrenceById(calendar, master, id, true);
  if (!occurrence) throw new WireError(404, 'notFound', 'Not Found');
  return exceptionFromOccurrence(master, occurrence, state.clock.now());
}

function preconditionFails(c: EmulatorContext, event: StoredEvent): boolean {
  const ifMatch = c.req.header('if-match');
  return Boolean(ifMatch && ifMatch !== '*' && ifMatch !== etagOf(event));
}

const preconditionFailed = (c: EmulatorContext) =>
  googleError(c, 412, 'conditionNotMet', 'Precondition Failed', {
    locationType: 'header',
    location: 'If-Match',
  });

googleCalendar.get('/calendars/:calendarId/events/:eventId', async (c) => {
  const opened = await openCalendar(c, 'events.get');
  if (opened instanceof Response) return opened;
  const { account, calendar } = opened;
  const found = findEvent(calendar, c.req.param('eventId'));
  if (found.event) return c.json(renderEvent(found.event, account, found.master));
  if (found.instanceOf) {
    const occurrence = materialise(c.get('state'), calendar, found.instanceOf, c.req.param('eventId'));
    return c.json(renderEvent(occurrence, account, found.instanceOf));
  }
  return googleError(c, 404, 'notFound', 'Not Found');
});

googleCalendar.get('/calendars/:calendarId/events/:eventId/instances', async (c) => {
  const state = c.get('state');
  const opened = await openCalendar(c, 'events.instances');
  if (opened instanceof Response) return opened;
  const { account, calendar } = opened;
  const master = calendar.events.get(c.req.param('eventId'));
  if (!master || master.deleted) return googleError(c, 404, 'notFound', 'Not Found');
  const params = new URL(c.req.url).searchParams;
  const maxResults = Math.min(Math.max(Number(params.get('maxResults') ?? 250) || 250, 1), 2500);
  const envelope = (items: unknown[], nextPageToken?: string) =>
    c.json({
      kind: 'calendar#events',
      summary: calendar.summary,
      timeZone: calendar.timeZone,
      accessRole: 'owner',
      updated: new Date(state.clock.now()).toISOString(),
      ...(nextPageToken ? { nextPageToken } : {}),
      items,
    });
  const respond = (groups: unknown[][], offset: number) => {
    const page = takePage(state, groups, offset, maxResults);
    if (page.next === undefined) return envelope(page.items);
    const token = state.token('CiAK', 40);
    state.pageCursors.set(token, {
      groups,
      offset: page.next,
      accountKey: accountKey('google', account.email),
      finalCursor: {
        provider: 'google',
        accountKey: accountKey('google', account.email),
        calendarId: calendar.id,
        seq: calendar.seq,
        generation: calendar.tokenGeneration,
        singleEvents: true,
      },
    });
    return envelope(page.items, token);
  };
  const pageToken = params.get('pageToken');
  if (pageToken) {
    const page = state.pageCursors.get(pageToken);
    if (!page || page.accountKey !== accountKey('google', account.email))
      return googleError(c, 400, 'invalid', 'Invalid page token value.');
    return respond(page.groups, page.offset);
  }
  const from = params.get('timeMin') ? Date.parse(params.get('timeMin') ?? '') : master.startMs;
  const to = params.get('timeMax')
    ? Date.parse(params.get('timeMax') ?? '')
    : master.startMs + 365 * 86_400_000;
  const items = master.recurrence?.length
    ? occurrencesOfMaster(calendar, master, from, to, params.get('showDeleted') === 'true').map((o) =>
        renderOccurrence(o, account),
      )
    : [renderEvent(master, account)];
  return respond(singletons(items), 0);
});

async function readBody(c: EmulatorContext): Promise<GoogleEventBody | Response> {
  try {
    const body = (await c.req.json()) as unknown;
    if (!body || typeof body !== 'object' || Array.isArray(body))
      return googleError(c, 400, 'parseError', 'Parse Error');
    return body as GoogleEventBody;
  } catch {
    return googleError(c, 400, 'parseError', 'Parse Error');
  }
}

googleCalendar.post('/calendars/:calendarId/events', async (c) => {
  const state = c.get('state');
  const opened = await openCalendar(c, 'events.insert');
  if (opened instanceof Response) return opened;
  const { account, calendar } = opened;
  const body = await readBody(c);
  if (body instanceof Response) return body;
  if (body.id !== undefined) {
    if (!/^[a-v0-9]{5,1024}$/.test(body.id))
      return googleError(c, 400, 'invalid', 'Invalid resource id value.');
    if (calendar.events.has(body.id))
      return googleError(c, 409, 'duplicate', 'The requested identifier already exists.');
  }
  const event = blankEvent(state, account, body.id ?? newGoogleEventId(state));
  try {
    if (body.recurrence?.length && body.start?.dateTime && !body.start.timeZone) {
      return googleError(c, 400, 'required', 'Missing time zone definition for start time.');
    }
    applyGoogleBody(event, body, calendar, 'insert');
  } catch (error) {
    return wireError(c, error);
  }
  if (body.iCalUID) event.iCalUID = body.iCalUID;
  const params = new URL(c.req.url).searchParams;
  if (params.get('conferenceDataVersion') === '1' && body.conferenceData?.createRequest?.requestId) {
    event.conferenceRequestId = body.conferenceData.createRequest.requestId;
    event.hangoutLink = `https://meet.google.com/${state.random.string(3, 'abcdefghijklmnopqrstuvwxyz')}-${state.random.string(4, 'abcdefghijklmnopqrstuvwxyz')}-${state.random.string(3, 'abcdefghijklmnopqrstuvwxyz')}`;
    if (state.options.googleConferencePending) event.conferencePending = true;
  }
  recordChange(state, account, calendar, event, 'created');
  const rendered = renderEvent(event, account);
  // With `googleConferencePending`, only the insert answer says `pending`; the next read has the link.
  delete event.conferencePending;
  return c.json(rendered, 200);
});

interface WriteTarget {
  state: EmulatorState;
  account: Account;
  calendar: Calendar;
  event: StoredEvent;
  master: StoredEvent | undefined;
}

/** Shared start of patch/update/delete: authenticate, find or materialise the event, check If-Match. */
async function writeTarget(c: EmulatorContext, endpoint: string): Promise<WriteTarget | Response> {
  const state = c.get('state');
  const opened = await openCalendar(c, endpoint);
  if (opened instanceof Response) return opened;
  const { account, calendar } = opened;
  const id = c.req.param('eventId') ?? '';
  const found = findEvent(calendar, id);
  const event =
    found.event ?? (found.instanceOf ? materialise(state, calendar, found.instanceOf, id) : undefined);
  if (!event) return googleError(c, 404, 'notFound', 'Not Found');
  const alreadyCancelledException =
    event.status === 'cancelled' && Boolean(event.recurringEventId) && Boolean(found.event);
  if (event.deleted || (endpoint === 'events.delete' && alreadyCancelledException)) {
    return googleError(c, 410, 'deleted', 'Resource has been deleted');
  }
  if (preconditionFails(c, event)) return preconditionFailed(c);
  return { state, account, calendar, event, master: found.master };
}

async function modify(c: EmulatorContext, mode: 'patch' | 'update') {
  try {
    const target = await writeTarget(c, mode === 'patch' ? 'events.patch' : 'events.update');
    if (target instanceof Response) return target;
    const body = await readBody(c);
    if (body instanceof Response) return body;
    const draft = structuredClone(target.event);
    applyGoogleBody(draft, body, target.calendar, mode);
    draft.sequence += body.start || body.end ? 1 : 0;
    recordChange(target.state, target.account, target.calendar, draft, 'updated');
    return c.json(renderEvent(draft, target.account, target.master));
  } catch (error) {
    return wireError(c, error);
  }
}

googleCalendar.patch('/calendars/:calendarId/events/:eventId', (c) => modify(c, 'patch'));
googleCalendar.put('/calendars/:calendarId/events/:eventId', (c) => modify(c, 'update'));

googleCalendar.delete('/calendars/:calendarId/events/:eventId', async (c) => {
  try {
    const target = await writeTarget(c, 'events.delete');
    if (target instanceof Response) return target;
    deleteEvent(target.state, target.account, target.calendar, target.event);
  } catch (error) {
    return wireError(c, error);
  }
  return c.body(null, 204);
});

googleCalendar.post('/freeBusy', async (c) => {
  const state = c.get('state');
  const account = await begin(c, 'freebusy');
  if (account instanceof Response) return account;
  let body: { timeMin?: string; timeMax?: string; timeZone?: string; items?: Array<{ id?: string }> };
  try {
    body = await c.req.json();
  } catch {
    return googleError(c, 400, 'parseError', 'Parse Error');
  }
  const from = Date.parse(body.timeMin ?? '');
  const to = Date.parse(body.timeMax ?? '');
  if (!Number.isFinite(from)) return googleError(c, 400, 'required', 'Missing timeMin parameter.');
  if (!Number.isFinite(to)) return googleError(c, 400, 'required', 'Missing timeMax parameter.');
  if (to <= from) return googleError(c, 400, 'timeRangeEmpty', 'The specified time range is empty.');
  if (to - from > 92 * 86_400_000)
    return googleError(c, 400, 'timeRangeTooLong', 'The requested time range is too long.');
  // Busy periods are rendered in the request's time zone (UTC by default).
  const zone = body.timeZone ?? 'UTC';
  if (!isValidTimeZone(zone)) return googleError(c, 400, 'invalid', 'Invalid time zone definition.');
  const items = body.items ?? [];
  if (items.length > 50)
    return googleError(c, 400, 'tooManyCalendarsRequested', 'Too many calendars requested.');
  const calendars: Record<string, unknown> = {};
  for (const item of items) {
    const id = item.id ?? '';
    const owner = id === 'primary' ? account : state.account('google', id);
    const calendar = owner ? state.calendarOf(owner, id === 'primary' ? 'primary' : id) : undefined;
    if (!calendar) {
      calendars[id] = { errors: [{ domain: 'global', reason: 'notFound' }], busy: [] };
      continue;
    }
    calendars[id] = {
      busy: busyIntervals(calendar, from, to, owner?.email).map((b) => ({
        start: formatWithOffset(b.startMs, zone),
        end: formatWithOffset(b.endMs, zone),
      })),
    };
  }
  return c.json({
    kind: 'calendar#freeBusy',
    timeMin: new Date(from).toISOString(),
    timeMax: new Date(to).toISOString(),
    calendars,
  });
});

googleCalendar.post('/calendars/:calendarId/events/watch', async (c) => {
  const state = c.get('state');
  const opened = await openCalendar(c, 'events.watch');
  if (opened instanceof Response) return opened;
  const { account, calendar } = opened;
  const now = pushNow(state, accountKey('google', account.email));
  // The answer's Date is the emulator's clock, as Google's is its own (clients can measure skew).
  c.header('date', new Date(now).toUTCString());
  let body: {
    id?: string;
    type?: string;
    address?: string;
    token?: string;
    expiration?: number | string;
    params?: { ttl?: string };
  };
  try {
    body = await c.req.json();
  } catch {
    return googleError(c, 400, 'parseError', 'Parse Error');
  }
  if (!body.id || body.id.length > 64)
    return googleError(c, 400, 'required', 'channel id is required (at most 64 characters).');
  if (body.type !== 'web_hook' && body.type !== 'webhook')
    return googleError(c, 400, 'invalid', 'Invalid value for: type');
  if (!body.address || !/^https?:\/\//.test(body.address))
    return googleError(c, 400, 'push.webhookUrlNotHttps', 'WebHook callback must be HTTPS.');
  if (body.token && body.token.length > 256) return googleError(c, 400, 'invalid', 'channel token too long');
  if (state.channels.has(body.id)) return googleError(c, 400, 'channelIdNotUnique', 'Channel id not unique.');
  // The watch takes the list query: a dead sync token or a bad filter fails here as on events.list.
  try {
    runListQuery(state, account, calendar, new URL(c.req.url).searchParams);
  } catch (error) {
    return wireError(c, error);
  }
  const calendarIdAsGiven = decodeURIComponent(c.req.param('calendarId') ?? '');
  const ttlMs = Number(body.params?.ttl ?? 604800) * 1000;
  const requested = body.expiration !== undefined ? Number(body.expiration) : undefined;
  const expiration = Math.min(requested ?? now + ttlMs, now + 30 * 86_400_000);
  const channel = {
    id: body.id,
    resourceId: state.token('', 27),
    address: body.address,
    ...(body.token ? { token: body.token } : {}),
    expiration,
    accountKey: accountKey('google', account.email),
    calendarId: calendar.id,
    calendarIdAsGiven,
    messageNumber: 1,
    stopped: false,
  };
  state.channels.set(channel.id, channel);
  // The sync message may arrive before the watch response, as with the real service.
  sendGooglePush(state, channel, 'sync');
  return c.json({
    kind: 'api#channel',
    id: channel.id,
    resourceId: channel.resourceId,
    resourceUri: `https://www.googleapis.com/calendar/v3/calendars/${encodeURIComponent(calendarIdAsGiven)}/events?alt=json`,
    ...(channel.token ? { token: channel.token } : {}),
    expiration: String(channel.expiration),
  });
});

googleCalendar.post('/channels/stop', async (c) => {
  const state = c.get('state');
  const account = await begin(c, 'channels.stop');
  if (account instanceof Response) return account;
  const body = (await c.req.json().catch(() => ({}))) as { id?: string; resourceId?: string };
  const channel = body.id ? state.channels.get(body.id) : undefined;
  if (!channel || channel.resourceId !== body.resourceId || channel.stopped)
    return googleError(c, 404, 'notFound', `Channel '${body.id ?? ''}' not found for project`);
  channel.stopped = true;
  return c.body(null, 204);
});
