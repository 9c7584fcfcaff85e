/** Graph v1.0 event JSON ↔ the emulator's model (providers.md §8–§9). */
import type { Occurrence } from '../expand.ts';
import { type Account, changeKeyOf, type StoredEvent } from '../model.ts';
import { formatGraphDateTime, ianaZone, parseWall, windowsZone, zonedToInstant } from '../time.ts';
import { toGraphId } from './ids.ts';
import { type GraphRecurrence, graphRecurrenceToRrule } from './recurrence.ts';

export interface GraphEventBody {
  subject?: string;
  body?: { contentType?: string; content?: string };
  start?: { dateTime?: string; timeZone?: string };
  end?: { dateTime?: string; timeZone?: string };
  isAllDay?: boolean;
  showAs?: string;
  location?: { displayName?: string };
  attendees?: Array<{ emailAddress?: { address?: string; name?: string }; type?: string }>;
  recurrence?: GraphRecurrence | null;
  transactionId?: string;
  isOnlineMeeting?: boolean;
  onlineMeetingProvider?: string;
  singleValueExtendedProperties?: Array<{ id?: string; value?: string }>;
  isCancelled?: boolean;
}

export class GraphWireError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

function parseGraphTime(time: { dateTime?: string; timeZone?: string } | undefined, which: string) {
  if (!time?.dateTime)
    throw new GraphWireError(
      400,
      'ErrorInvalidRequest',
      `Your request can't be completed. The ${which} time is missing.`,
    );
  const zone = ianaZone(time.timeZone ?? 'UTC');
  if (!zone)
    throw new GraphWireError(400, 'ErrorTimeZoneNotFound', `Time zone '${time.timeZone}' is not supported.`);
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,7})?)?$/.test(time.dateTime))
    throw new GraphWireError(
      400,
      'ErrorInvalidRequest',
      `The ${which} dateTime '${time.dateTime}' is not valid.`,
    );
  const wall = parseWall(time.dateTime);
  return { ms: zonedToInstant(wall, zone), zone, wall };
}

const SHOW_AS = new Set(['free', 'tentative', 'busy', 'oof', 'workingElsewhere', 'unknown']);

export function applyGraphBody(event: StoredEvent, body: GraphEventBody, replace: boolean): void {
  if (replace || body.start !== undefined || body.end !== undefined) {
    const start = parseGraphTime(body.start, 'start');
    const end = parseGraphTime(body.end, 'end');
    if (end.ms < start.ms)
      throw new GraphWireError(400, 'ErrorInvalidRequest', 'The end time must be after the start time.');
    const allDay = body.isAllDay ?? event.allDay;
    if (allDay) {
      const midnight = (w: typeof start.wall) => w.hour === 0 && w.minute === 0 && w.second === 0;
      if (!midnight(start.wall) || !midnight(end.wall) || end.ms <= start.ms) {
        throw new GraphWireError(
          400,
          'ErrorPropertyValidationFailure',
          'All-day events must start and end at midnight, on different days.',
        );
      }
      event.startDate = body.start?.dateTime?.slice(0, 10);
      event.endDate = body.end?.dateTime?.slice(0, 10);
    } else {
      delete event.startDate;
      delete event.endDate;
    }
    event.allDay = allDay;
    event.startMs = start.ms;
    event.endMs = end.ms;
    event.timeZone = start.zone;
  }
  if (body.subject !== undefined) event.summary = body.subject;
  else if (replace) delete event.summary;
  if (body.body !== undefined) event.description = body.body.content ?? '';
  if (body.location !== undefined) event.location = body.location.displayName ?? '';
  if (body.showAs !== undefined) {
    if (!SHOW_AS.has(body.showAs))
      throw new GraphWireError(400, 'RequestBodyRead', `Invalid showAs value '${body.showAs}'.`);
    event.showAs = body.showAs;
    event.transparency =
      body.showAs === 'free' || body.showAs === 'workingElsewhere' ? 'transparent' : 'opaque';
    event.status = body.showAs === 'tentative' ? 'tentative' : 'confirmed';
  }
  if (body.attendees !== undefined) {
    // Responses already given survive an organizer's update of the attendee list.
    const previous = new Map(event.attendees.map((a) => [a.email.toLowerCase(), a.responseStatus]));
    event.attendees = body.attendees.map((a) => {
      if (!a.emailAddress?.address)
        throw new GraphWireError(400, 'ErrorInvalidRecipients', 'An attendee is missing an email address.');
      return {
        email: a.emailAddress.address,
        ...(a.emailAddress.name ? { displayName: a.emailAddress.name } : {}),
        responseStatus: previous.get(a.emailAddress.address.toLowerCase()) ?? ('needsAction' as const),
        ...(a.type === 'optional' ? { optional: true } : {}),
      };
    });
  }
  if (body.recurrence !== undefined) {
    if (body.recurrence === null) {
      delete event.recurrence;
      delete event.graphRecurrence;
    } else {
      try {
        event.recurrence = graphRecurrenceToRrule(body.recurrence);
      } catch (error) {
        throw new GraphWireError(400, 'ErrorPropertyValidationFailure', (error as Error).message);
      }
      event.graphRecurrence = body.recurrence;
    }
  }
  if (body.singleValueExtendedProperties !== undefined) {
    const byId = new Map(event.singleValueExtendedProperties.map((p) => [p.id.toLowerCase(), p]));
    for (const p of body.singleValueExtendedProperties) {
      if (!p.id) throw new GraphWireError(400, 'BadRequest', 'Extended property id is required.');
      byId.set(p.id.toLowerCase(), { id: p.id, value: p.value ?? '' });
    }
    event.singleValueExtendedProperties = [...byId.values()];
  }
}

const graphStatus: Record<string, string> = {
  needsAction: 'none',
  accepted: 'accepted',
  declined: 'declined',
  tentative: 'tentativelyAccepted',
};

export function showAsOf(event: StoredEvent): string {
  if (event.showAs) return event.showAs;
  if (event.eventType === 'outOfOffice') return 'oof';
  if (event.eventType === 'workingLocation') return 'workingElsewhere';
  if (event.transparency === 'transparent') return 'free';
  return event.status === 'tentative' ? 'tentative' : 'busy';
}

export interface RenderOptions {
  /** IANA zone for output (Prefer: outlook.timezone), default UTC; `label` is what is echoed. */
  zone: string;
  label: string;
  expandProperties?: (id: string) => boolean;
  /** Series master only: `OID.<masterId>.<date>` of its deleted occurrences. */
  cancelledOccurrences?: string[];
}

function renderTime(ms: number, date: string | undefined, options: RenderOptions) {
  return {
    dateTime: date ? `${date}T00:00:00.0000000` : formatGraphDateTime(ms, options.zone),
    timeZone: options.label,
  };
}

export function renderGraphEvent(
  event: StoredEvent,
  account: Account,
  options: RenderOptions,
  occurrence?: Occurrence,
): Record<string, unknown> {
  const type =
    occurrence?.kind === 'occurrence'
      ? 'occurrence'
      : event.recurringEventId
        ? 'exception'
        : event.recurrence?.length
          ? 'seriesMaster'
          : 'singleInstance';
  const startMs = occurrence?.startMs ?? event.startMs;
  const endMs = occurrence?.endMs ?? event.endMs;
  const startDate = occurrence?.startDate ?? event.startDate;
  const endDate = occurrence?.endDate ?? event.endDate;
  const isOrganizer = event.organizer.email.toLowerCase() === account.email.toLowerCase();
  const self = event.attendees.find((a) => a.email.toLowerCase() === account.email.toLowerCase());
  const id = toGraphId(occurrence?.id ?? event.id);
  const changeKey = changeKeyOf(event);
  const properties = options.expandProperties
    ? event.singleValueExtendedProperties.filter((p) => options.expandProperties?.(p.id))
    : undefined;
  return {
    '@odata.type': '#microsoft.graph.event',
    '@odata.etag': `W/"${changeKey}"`,
    id,
    createdDateTime: new Date(event.created).toISOString(),
    lastModifiedDateTime: new Date(event.updated).toISOString(),
    changeKey,
    categories: [],
    ...(event.transactionId ? { transactionId: event.transactionId } : { transactionId: null }),
    originalStartTimeZone: windowsZone(event.timeZone),
    originalEndTimeZone: windowsZone(event.timeZone),
    iCalUId: occurrence ? `${event.iCalUID}${occurrence.id.slice(-16)}` : event.iCalUID,
    reminderMinutesBeforeStart: 15,
    isReminderOn: true,
    hasAttachments: false,
    subject: `${event.organizerCancelled ? 'Canceled: ' : ''}${event.summary ?? ''}`,
    bodyPreview: (event.description ?? '').slice(0, 255),
    importance: 'normal',
    sensitivity: 'normal',
    isAllDay: event.allDay,
    isCancelled: event.status === 'cancelled' || Boolean(event.organizerCancelled),
    isOrganizer,
    responseRequested: true,
    seriesMasterId:
      type === 'occurrence' || type === 'exception'
        ? (occurrence?.master?.id ?? event.recurringEventId ?? null)
        : null,
    showAs: showAsOf(event),
    type,
    webLink: `https://outlook.office365.com/owa/?itemid=${encodeURIComponent(id)}&exvsurl=1&path=/calendar/item`,
    onlineMeetingUrl: null,
    isOnlineMeeting: Boolean(event.teamsJoinUrl),
    onlineMeetingProvider: event.teamsJoinUrl ? 'teamsForBusiness' : 'unknown',
    onlineMeeting: event.teamsJoinUrl ? { joinUrl: event.teamsJoinUrl } : null,
    responseStatus: isOrganizer
      ? { response: 'organizer', time: '0001-01-01T00:00:00Z' }
      : {
          response: graphStatus[self?.responseStatus ?? 'needsAction'] ?? 'none',
          time: '0001-01-01T00:00:00Z',
        },
    body: { contentType: 'html', content: event.description ?? '' },
    start: renderTime(startMs, startDate, options),
    end: renderTime(endMs, endDate, options),
    ...(occurrence?.originalStartMs !== undefined || event.originalStartMs !== undefined
      ? {
          originalStart: new Date(occurrence?.originalStartMs ?? event.originalStartMs ?? startMs)
            .toISOString()
            .replace('.000Z', 'Z'),
        }
      : {}),
    location: { displayName: event.location ?? '', locationType: 'default', uniqueIdType: 'unknown' },
    locations: event.location ? [{ displayName: event.location }] : [],
    recurrence: type === 'seriesMaster' ? (event.graphRecurrence ?? null) : null,
    ...(type === 'seriesMaster' ? { cancelledOccurrences: options.cancelledOccurrences ?? [] } : {}),
    attendees: event.attendees.map((a) => ({
      type: a.optional ? 'optional' : 'required',
      status: { response: graphStatus[a.responseStatus] ?? 'none', time: '0001-01-01T00:00:00Z' },
      emailAddress: { name: a.displayName ?? a.email, address: a.email },
    })),
    organizer: {
      emailAddress: {
        name: event.organizer.displayName ?? event.organizer.email,
        address: event.organizer.email,
      },
    },
    ...(properties ? { singleValueExtendedProperties: properties } : {}),
  };
}

/** An occurrence in calendarView/delta: only a stub; the rest is read from the master (providers.md §8). */
export function renderOccurrenceStub(
  occurrence: Occurrence,
  options: RenderOptions,
): Record<string, unknown> {
  const master = occurrence.master ?? occurrence.event;
  return {
    '@odata.type': '#microsoft.graph.event',
    '@odata.etag': `W/"${changeKeyOf(master)}"`,
    id: toGraphId(occurrence.id),
    seriesMasterId: master.id,
    type: 'occurrence',
    start: renderTime(occurrence.startMs, occurrence.startDate, options),
    end: renderTime(occurrence.endMs, occurrence.endDate, options),
  };
}
