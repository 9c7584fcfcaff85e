/** Google Calendar v3 Event JSON ↔ the emulator's model (providers.md §2–§3). */
import type { Occurrence } from '../expand.ts';
import { type Account, type Attendee, type Calendar, etagOf, type StoredEvent } from '../model.ts';
import { formatWithOffset, isValidTimeZone, parseWall, zonedToInstant } from '../time.ts';

export interface GoogleEventTime {
  date?: string;
  dateTime?: string;
  timeZone?: string;
}

export interface GoogleEventBody {
  id?: string;
  summary?: string;
  description?: string;
  location?: string;
  status?: string;
  start?: GoogleEventTime;
  end?: GoogleEventTime;
  recurrence?: string[];
  transparency?: string;
  attendees?: Array<{ email?: string; displayName?: string; responseStatus?: string; optional?: boolean }>;
  extendedProperties?: { private?: Record<string, string | null>; shared?: Record<string, string | null> };
  conferenceData?: { createRequest?: { requestId?: string } };
  iCalUID?: string;
  eventType?: string;
  outOfOfficeProperties?: Record<string, unknown>;
  focusTimeProperties?: Record<string, unknown>;
  workingLocationProperties?: Record<string, unknown>;
}

/** Event types the emulator stores, and the `*Properties` field each one carries. */
export const EVENT_TYPE_PROPERTIES: Record<string, keyof GoogleEventBody | undefined> = {
  default: undefined,
  outOfOffice: 'outOfOfficeProperties',
  focusTime: 'focusTimeProperties',
  workingLocation: 'workingLocationProperties',
  fromGmail: undefined,
  birthday: undefined,
};

export class WireError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
    readonly extra: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** Parses one start/end into an instant (timed) or a date (all-day). */
export function parseTime(
  time: GoogleEventTime | undefined,
  which: 'start' | 'end',
  fallbackZone: string,
  needZone: boolean,
) {
  if (!time || (!time.date && !time.dateTime)) throw new WireError(400, 'required', `Missing ${which} time.`);
  if (time.timeZone && !isValidTimeZone(time.timeZone))
    throw new WireError(400, 'invalid', `Invalid time zone definition for ${which} time.`);
  if (time.date) {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(time.date)) throw new WireError(400, 'invalid', `Invalid ${which} date.`);
    const zone = time.timeZone ?? fallbackZone;
    return { allDay: true as const, date: time.date, ms: zonedToInstant(parseWall(time.date), zone), zone };
  }
  const value = time.dateTime ?? '';
  if (needZone && !time.timeZone)
    throw new WireError(400, 'required', `Missing time zone definition for ${which} time.`);
  const hasOffset = /([zZ]|[+-]\d{2}:\d{2})$/.test(value);
  const zone = time.timeZone ?? fallbackZone;
  const ms = hasOffset ? Date.parse(value) : zonedToInstant(parseWall(value), zone);
  if (!Number.isFinite(ms)) throw new WireError(400, 'invalid', `Invalid ${which} time.`);
  return { allDay: false as const, ms, zone };
}

const RESPONSES = new Set(['needsAction', 'declined', 'tentative', 'accepted']);

export function parseAttendees(list: GoogleEventBody['attendees']): Attendee[] {
  return (list ?? []).map((a) => {
    if (!a.email) throw new WireError(400, 'required', 'Missing attendee email.');
    return {
      email: a.email,
      ...(a.displayName ? { displayName: a.displayName } : {}),
      responseStatus: (RESPONSES.has(a.responseStatus ?? '')
        ? a.responseStatus
        : 'needsAction') as Attendee['responseStatus'],
      ...(a.optional ? { optional: true } : {}),
    };
  });
}

/** Applies `extendedProperties` as PATCH does: null deletes a key, others set it. */
export function mergeProperties(
  current: Record<string, string>,
  patch: Record<string, string | null> | undefined,
  replace: boolean,
) {
  const out = replace ? {} : { ...current };
  for (const [k, v] of Object.entries(patch ?? {})) {
    if (v === null) delete out[k];
    else out[k] = String(v);
  }
  return out;
}

/** Sets start/end of `event` from a body (insert, update, or a patch that names them). */
export function applyTimes(event: StoredEvent, body: GoogleEventBody, calendarZone: string): void {
  const recurring = Boolean(body.recurrence?.length ?? event.recurrence?.length);
  const start = parseTime(body.start, 'start', calendarZone, recurring && Boolean(body.start?.dateTime));
  const end = parseTime(body.end, 'end', start.zone, false);
  if (start.allDay !== end.allDay)
    throw new WireError(400, 'invalid', 'Start and end times must either both be date or both be dateTime.');
  if (end.ms < start.ms || (start.allDay && end.ms === start.ms))
    throw new WireError(400, 'timeRangeEmpty', 'The specified time range is empty.');
  event.allDay = start.allDay;
  event.startMs = start.ms;
  event.endMs = end.ms;
  event.timeZone = start.zone;
  if (start.allDay && end.allDay) {
    event.startDate = start.date;
    event.endDate = end.date;
  } else {
    delete event.startDate;
    delete event.endDate;
  }
}

function renderTime(ms: number, date: string | undefined, zone: string, allDay: boolean): GoogleEventTime {
  return allDay
    ? { date: date ?? new Date(ms).toISOString().slice(0, 10) }
    : { dateTime: formatWithOffset(ms, zone), timeZone: zone };
}

const iso = (ms: number) => new Date(ms).toISOString();

/** Full Event resource; deleted or cancelled-exception items are trimmed as Google trims them. */
export function renderEvent(
  event: StoredEvent,
  account: Account,
  master?: StoredEvent,
): Record<string, unknown> {
  const base = { kind: 'calendar#event', etag: etagOf(event), id: event.id };
  if (event.deleted) return { ...base, status: 'cancelled' };
  const original =
    event.originalStartMs !== undefined && master
      ? {
          originalStartTime: renderTime(
            event.originalStartMs,
            event.originalStartDate,
            master.timeZone,
            master.allDay,
          ),
        }
      : {};
  if (event.status === 'cancelled' && event.recurringEventId) {
    return { ...base, status: 'cancelled', recurringEventId: event.recurringEventId, ...original };
  }
  const self = (email: string) => email.toLowerCase() === account.email.toLowerCase();
  return {
    ...base,
    status: event.status,
    htmlLink: `https://www.google.com/calendar/event?eid=${Buffer.from(`${event.id} ${account.email}`).toString('base64url')}`,
    created: iso(event.created),
    updated: iso(event.updated),
    ...(event.summary !== undefined ? { summary: event.summary } : {}),
    ...(event.description !== undefined ? { description: event.description } : {}),
    ...(event.location !== undefined ? { location: event.location } : {}),
    creator: { email: event.organizer.email, ...(self(event.organizer.email) ? { self: true } : {}) },
    organizer: { ...event.organizer, ...(self(event.organizer.email) ? { self: true } : {}) },
    start: renderTime(event.startMs, event.startDate, event.timeZone, event.allDay),
    end: renderTime(event.endMs, event.endDate, event.timeZone, event.allDay),
    ...(event.recurrence?.length ? { recurrence: event.recurrence } : {}),
    ...(event.recurringEventId ? { recurringEventId: event.recurringEventId, ...original } : {}),
    ...(event.transparency === 'transparent' ? { transparency: 'transparent' } : {}),
    iCalUID: event.iCalUID,
    sequence: event.sequence,
    ...(event.attendees.length ? { attendees: renderAttendees(event, self) } : {}),
    ...(Object.keys(event.extendedPrivate).length || Object.keys(event.extendedShared).length
      ? {
          extendedProperties: {
            ...(Object.keys(event.extendedPrivate).length ? { private: event.extendedPrivate } : {}),
            ...(Object.keys(event.extendedShared).length ? { shared: event.extendedShared } : {}),
          },
        }
      : {}),
    ...(event.conferencePending && event.conferenceRequestId
      ? {
          conferenceData: {
            createRequest: {
              requestId: event.conferenceRequestId,
              conferenceSolutionKey: { type: 'hangoutsMeet' },
              status: { statusCode: 'pending' },
            },
          },
        }
      : {}),
    ...(event.hangoutLink && !event.conferencePending
      ? {
          hangoutLink: event.hangoutLink,
          conferenceData: {
            createRequest: {
              requestId: event.conferenceRequestId,
              conferenceSolutionKey: { type: 'hangoutsMeet' },
              status: { statusCode: 'success' },
            },
            entryPoints: [
              {
                entryPointType: 'video',
                uri: event.hangoutLink,
                label: event.hangoutLink.replace('https://', ''),
              },
            ],
            conferenceSolution: { key: { type: 'hangoutsMeet' }, name: 'Google Meet' },
            conferenceId: event.hangoutLink.split('/').pop(),
          },
        }
      : {}),
    reminders: { useDefault: true },
    eventType: event.eventType,
    ...(event.eventTypeProperties ?? {}),
  };
}

/** Attendees as Google lists them: the organizer's own entry flagged, the viewer's marked `self`. */
function renderAttendees(
  event: StoredEvent,
  self: (email: string) => boolean,
): Array<Record<string, unknown>> {
  const isOrganizer = (email: string) => email.toLowerCase() === event.organizer.email.toLowerCase();
  const list: Attendee[] = event.attendees.some((a) => isOrganizer(a.email))
    ? event.attendees
    : [
        {
          email: event.organizer.email,
          ...(event.organizer.displayName ? { displayName: event.organizer.displayName } : {}),
          responseStatus: 'accepted',
        },
        ...event.attendees,
      ];
  return list.map((a) => ({
    ...a,
    ...(isOrganizer(a.email) ? { organizer: true } : {}),
    ...(self(a.email) ? { self: true } : {}),
  }));
}

/** Applies `eventType` and its properties on insert (the type cannot change afterwards). */
export function applyEventType(event: StoredEvent, body: GoogleEventBody): void {
  const type = body.eventType ?? 'default';
  if (!(type in EVENT_TYPE_PROPERTIES))
    throw new WireError(400, 'invalid', `Invalid value for eventType: ${type}`);
  if ((type === 'outOfOffice' || type === 'focusTime') && event.allDay)
    throw new WireError(400, 'invalid', `${type} events cannot be all-day events.`);
  if (type === 'outOfOffice' && body.attendees?.length)
    throw new WireError(400, 'invalid', 'Out of office events cannot have attendees.');
  const field = EVENT_TYPE_PROPERTIES[type];
  if (type === 'workingLocation' && !body.workingLocationProperties)
    throw new WireError(400, 'required', 'Missing workingLocationProperties.');
  event.eventType = type;
  if (field) event.eventTypeProperties = { [field]: body[field] ?? {} };
  // A working location never blocks time; out-of-office and focus time do.
  if (type === 'workingLocation') event.transparency = 'transparent';
}

/** An expanded instance rendered like Google renders `singleEvents=true` items. */
export function renderOccurrence(occurrence: Occurrence, account: Account): Record<string, unknown> {
  if (occurrence.kind !== 'occurrence' || !occurrence.master)
    return renderEvent(occurrence.event, account, occurrence.master);
  const master = occurrence.master;
  const rendered = renderEvent(master, account);
  delete rendered.recurrence;
  return {
    ...rendered,
    id: occurrence.id,
    start: renderTime(occurrence.startMs, occurrence.startDate, master.timeZone, master.allDay),
    end: renderTime(occurrence.endMs, occurrence.endDate, master.timeZone, master.allDay),
    recurringEventId: master.id,
    originalStartTime: renderTime(
      occurrence.originalStartMs ?? occurrence.startMs,
      occurrence.originalStartDate,
      master.timeZone,
      master.allDay,
    ),
  };
}

/** Applies an Event body as insert (new event), update (PUT replaces) or patch (only named fields) do. */
export function applyGoogleBody(
  event: StoredEvent,
  body: GoogleEventBody,
  calendar: Calendar,
  mode: 'insert' | 'update' | 'patch',
): void {
  const replace = mode !== 'patch';
  if (replace || body.start !== undefined || body.end !== undefined) {
    applyTimes(event, body, calendar.timeZone);
  }
  for (const field of ['summary', 'description', 'location'] as const) {
    if (!replace && !(field in body)) continue;
    const value = body[field];
    if (value === undefined) delete event[field];
    else event[field] = value;
  }
  if (replace || 'recurrence' in body) {
    if (body.recurrence?.length) event.recurrence = body.recurrence;
    else delete event.recurrence;
  }
  if (replace || body.transparency !== undefined)
    event.transparency = body.transparency === 'transparent' ? 'transparent' : 'opaque';
  if (body.status === 'tentative' || body.status === 'confirmed') event.status = body.status;
  if (replace || body.attendees !== undefined) event.attendees = parseAttendees(body.attendees);
  if (replace || body.extendedProperties !== undefined) {
    event.extendedPrivate = mergeProperties(event.extendedPrivate, body.extendedProperties?.private, replace);
    event.extendedShared = mergeProperties(event.extendedShared, body.extendedProperties?.shared, replace);
  }
  if (mode === 'insert') applyEventType(event, body);
  else {
    if (body.eventType !== undefined && body.eventType !== event.eventType)
      throw new WireError(400, 'eventTypeRestriction', 'The event type cannot be changed.');
    const field = EVENT_TYPE_PROPERTIES[event.eventType];
    if (field && body[field] !== undefined) event.eventTypeProperties = { [field]: body[field] };
    if (event.eventType === 'workingLocation') event.transparency = 'transparent';
  }
}
