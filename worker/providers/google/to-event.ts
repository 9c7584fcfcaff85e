/**
 * Google Calendar v3 event JSON → mirror change (providers.md §2). Pure: the adapter passes the
 * items of a page here. Cancelled instances of a series become cancellation markers (the expansion
 * treats them as EXDATEs); any other cancelled item is a deletion.
 */
import { addDays } from '../../sync/dates.ts';
import { emptyMirrorEvent } from '../../sync/mirror-event.ts';
import type {
  EventKind,
  EventStatus,
  NormalizedChange,
  OriginalStart,
  ResponseStatus,
  Timing,
} from '../../sync/types.ts';
import { tagFromGoogle } from './app-tag.ts';

export interface GoogleDateTime {
  date?: string;
  dateTime?: string;
  timeZone?: string;
}

export interface GoogleAttendee {
  email?: string;
  displayName?: string;
  responseStatus?: string;
  self?: boolean;
  organizer?: boolean;
  optional?: boolean;
  resource?: boolean;
}

export interface GoogleEventJson {
  id: string;
  status?: string;
  etag?: string;
  updated?: string;
  summary?: string;
  description?: string;
  location?: string;
  iCalUID?: string;
  start?: GoogleDateTime;
  end?: GoogleDateTime;
  transparency?: string;
  eventType?: string;
  attendees?: GoogleAttendee[];
  organizer?: { email?: string; displayName?: string; self?: boolean };
  recurrence?: string[];
  recurringEventId?: string;
  originalStartTime?: GoogleDateTime;
  extendedProperties?: { private?: Record<string, string | null>; shared?: Record<string, string | null> };
}

const EVENT_KINDS: readonly EventKind[] = ['default', 'outOfOffice', 'focusTime', 'workingLocation'];
const RESPONSES: readonly ResponseStatus[] = ['needsAction', 'accepted', 'tentative', 'declined'];

export class GoogleEventShapeError extends Error {
  constructor(
    readonly eventId: string,
    readonly field: string,
  ) {
    super(`Google event ${eventId}: missing or malformed ${field}`);
    this.name = 'GoogleEventShapeError';
  }
}

function timingOf(event: GoogleEventJson): Timing {
  const { start, end } = event;
  if (start?.date && end?.date) return { allDay: true, startDate: start.date, endDate: end.date };
  const startMs = start?.dateTime ? Date.parse(start.dateTime) : Number.NaN;
  const endMs = end?.dateTime ? Date.parse(end.dateTime) : Number.NaN;
  if (Number.isNaN(startMs)) throw new GoogleEventShapeError(event.id, 'start');
  if (Number.isNaN(endMs)) throw new GoogleEventShapeError(event.id, 'end');
  return { allDay: false, startMs, endMs };
}

function originalStartOf(event: GoogleEventJson): OriginalStart | null {
  const original = event.originalStartTime;
  if (!original) return null;
  if (original.date) return { allDay: true, date: original.date };
  const ms = original.dateTime ? Date.parse(original.dateTime) : Number.NaN;
  if (Number.isNaN(ms)) throw new GoogleEventShapeError(event.id, 'originalStartTime');
  return { allDay: false, ms };
}

/** A cancelled instance keeps only its slot: zero length (timed) or its one day (all-day). */
function markerTiming(original: OriginalStart): Timing {
  return original.allDay
    ? { allDay: true, startDate: original.date, endDate: addDays(original.date, 1) }
    : { allDay: false, startMs: original.ms, endMs: original.ms };
}

function statusOf(status: string | undefined): EventStatus {
  return status === 'tentative' || status === 'cancelled' ? status : 'confirmed';
}

/**
 * One events.list page's items, each mapped on its own: an item the mapper cannot read becomes
 * `unreadable` (skipped by the round) instead of failing the whole page and so the whole mirror.
 */
export function mapGoogleItems(
  items: readonly GoogleEventJson[],
  calendarTimeZone: string | null,
): NormalizedChange[] {
  return items.map((item) => {
    try {
      return mapGoogleEvent(item, calendarTimeZone);
    } catch (error) {
      if (!(error instanceof GoogleEventShapeError)) throw error;
      return { kind: 'unreadable', providerEventId: error.eventId, field: error.field };
    }
  });
}

/**
 * `calendarTimeZone` is the calendar's zone (events.list `timeZone`): Google omits `start.timeZone`
 * on single timed events, and all-day events are interpreted in it.
 */
export function mapGoogleEvent(event: GoogleEventJson, calendarTimeZone: string | null): NormalizedChange {
  if (!event.id) throw new GoogleEventShapeError('(no id)', 'id');
  const originalStart = originalStartOf(event);
  if (event.status === 'cancelled') {
    if (!event.recurringEventId || !originalStart) return { kind: 'delete', providerEventId: event.id };
    return {
      kind: 'upsert',
      event: {
        ...emptyMirrorEvent(event.id, event.recurringEventId),
        seriesRole: 'exception',
        timing: markerTiming(originalStart),
        timeZone: event.originalStartTime?.timeZone ?? calendarTimeZone,
        status: 'cancelled',
        recurringEventId: event.recurringEventId,
        originalStart,
        providerEtag: event.etag ?? null,
        providerUpdatedMs: event.updated ? Date.parse(event.updated) : null,
      },
    };
  }
  const self = event.attendees?.find((a) => a.self);
  const isOrganizer = event.organizer ? event.organizer.self === true : self ? self.organizer === true : true;
  const response = self?.responseStatus as ResponseStatus | undefined;
  const seriesRole = event.recurrence?.length ? 'master' : event.recurringEventId ? 'exception' : 'single';
  return {
    kind: 'upsert',
    event: {
      providerEventId: event.id,
      seriesRole,
      seriesKey: event.recurringEventId ?? event.id,
      icalUid: event.iCalUID ?? null,
      title: event.summary ?? null,
      description: event.description ?? null,
      location: event.location ?? null,
      timing: timingOf(event),
      timeZone: event.start?.timeZone ?? calendarTimeZone,
      status: statusOf(event.status),
      transparency: event.transparency === 'transparent' ? 'transparent' : 'opaque',
      eventKind: EVENT_KINDS.includes(event.eventType as EventKind)
        ? (event.eventType as EventKind)
        : 'default',
      responseStatus: !isOrganizer && response && RESPONSES.includes(response) ? response : null,
      isOrganizer,
      attendees: event.attendees ?? [],
      organizer: event.organizer ?? null,
      recurrence: seriesRole === 'master' ? (event.recurrence ?? null) : null,
      recurringEventId: event.recurringEventId ?? null,
      originalStart,
      appTag: tagFromGoogle(event.extendedProperties?.private),
      providerEtag: event.etag ?? null,
      providerUpdatedMs: event.updated ? Date.parse(event.updated) : null,
    },
  };
}
