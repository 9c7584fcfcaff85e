/**
 * Microsoft Graph event JSON (calendarView/delta) → mirror changes (providers.md §8). Occurrences in
 * delta are stubs `{id, seriesMasterId, type, start, end}`: their title, showAs, attendees… come from
 * the series master, which the page may or may not carry. A stub whose master is neither on the page
 * nor passed in `knownMasters` is reported as `needsMaster` — never stored as an untitled row. Ids are
 * opaque and never parsed. Times must come in UTC (`Prefer: outlook.timezone="UTC"`, Graph's default)
 * or an IANA zone; all-day events keep their dates.
 */

import type {
  EventKind,
  EventStatus,
  MirrorEvent,
  NormalizedChange,
  ResponseStatus,
  SeriesRole,
  Timing,
  Transparency,
} from '../../sync/types.ts';
import { instantOfWall, isKnownTimeZone } from '../../time/zone.ts';
import { tagFromGraph } from './app-tag.ts';
import { ianaZoneOf } from './windows-zones.ts';

/** Graph's recurrence, kept as the provider gave it (the mirror stores it; Graph expands it for us). */
export interface GraphRecurrence {
  pattern: Record<string, unknown>;
  range: Record<string, unknown>;
}

export interface GraphDateTime {
  dateTime?: string;
  timeZone?: string;
}

export interface GraphEventJson {
  id: string;
  '@removed'?: { reason?: string };
  '@odata.etag'?: string;
  type?: string;
  seriesMasterId?: string | null;
  subject?: string | null;
  body?: { contentType?: string; content?: string };
  bodyPreview?: string;
  location?: { displayName?: string } | null;
  start?: GraphDateTime;
  end?: GraphDateTime;
  originalStart?: string | null;
  originalStartTimeZone?: string | null;
  isAllDay?: boolean;
  showAs?: string;
  isCancelled?: boolean;
  isOrganizer?: boolean;
  responseStatus?: { response?: string; time?: string };
  attendees?: unknown[];
  organizer?: unknown;
  recurrence?: GraphRecurrence | null;
  cancelledOccurrences?: string[];
  iCalUId?: string;
  changeKey?: string;
  lastModifiedDateTime?: string;
  transactionId?: string | null;
  singleValueExtendedProperties?: Array<{ id?: string; value?: string }>;
}

export class GraphEventShapeError extends Error {
  constructor(
    readonly eventId: string,
    readonly field: string,
  ) {
    super(`Graph event ${eventId}: missing or malformed ${field}`);
    this.name = 'GraphEventShapeError';
  }
}

const ROLE: Record<string, SeriesRole> = {
  singleInstance: 'single',
  seriesMaster: 'master',
  exception: 'exception',
  occurrence: 'occurrence',
};

const RESPONSE: Record<string, ResponseStatus> = {
  none: 'needsAction',
  notResponded: 'needsAction',
  tentativelyAccepted: 'tentative',
  accepted: 'accepted',
  declined: 'declined',
};

/** Graph `dateTime` (7 fractional digits, no offset) read as a wall time of `timeZone`. */
function instantOf(time: GraphDateTime | undefined, id: string, field: string): number {
  const m = time?.dateTime?.match(/^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d+)?$/);
  const zone = time?.timeZone ?? 'UTC';
  if (!m || !isKnownTimeZone(zone)) throw new GraphEventShapeError(id, field);
  const n = (i: number) => Number(m[i]);
  return instantOfWall(Date.UTC(n(1), n(2) - 1, n(3), n(4), n(5), n(6)), zone);
}

function dateOf(time: GraphDateTime | undefined, id: string, field: string): string {
  const date = time?.dateTime?.match(/^(\d{4}-\d{2}-\d{2})T/)?.[1];
  if (!date) throw new GraphEventShapeError(id, field);
  return date;
}

function timingOf(item: GraphEventJson, allDay: boolean): Timing {
  if (allDay) {
    return {
      allDay: true,
      startDate: dateOf(item.start, item.id, 'start'),
      endDate: dateOf(item.end, item.id, 'end'),
    };
  }
  return {
    allDay: false,
    startMs: instantOf(item.start, item.id, 'start'),
    endMs: instantOf(item.end, item.id, 'end'),
  };
}

/** showAs → (kind, transparency, status): oof is out-of-office (busy), workingElsewhere is not busy. */
function showAsOf(showAs: string | undefined): {
  eventKind: EventKind;
  transparency: Transparency;
  tentative: boolean;
} {
  switch (showAs) {
    case 'free':
      return { eventKind: 'default', transparency: 'transparent', tentative: false };
    case 'tentative':
      return { eventKind: 'default', transparency: 'opaque', tentative: true };
    case 'oof':
      return { eventKind: 'outOfOffice', transparency: 'opaque', tentative: false };
    case 'workingElsewhere':
      return { eventKind: 'workingLocation', transparency: 'transparent', tentative: false };
    default:
      return { eventKind: 'default', transparency: 'opaque', tentative: false };
  }
}

function fullEvent(item: GraphEventJson, role: SeriesRole): MirrorEvent {
  const allDay = item.isAllDay === true;
  const show = showAsOf(item.showAs);
  const isOrganizer = item.isOrganizer ?? item.responseStatus?.response === 'organizer';
  const response = item.responseStatus?.response;
  const status: EventStatus = item.isCancelled ? 'cancelled' : show.tentative ? 'tentative' : 'confirmed';
  const masterId = item.seriesMasterId ?? null;
  const timing = timingOf(item, allDay);
  return {
    providerEventId: item.id,
    seriesRole: role,
    seriesKey: masterId ?? item.id,
    icalUid: item.iCalUId ?? null,
    title: item.subject ?? null,
    description: item.body?.content ?? null,
    location: item.location?.displayName || null,
    timing,
    // The event's own zone (Graph names it in Windows terms): IANA when known, else as given.
    timeZone:
      ianaZoneOf(item.originalStartTimeZone) ??
      item.originalStartTimeZone ??
      ianaZoneOf(item.start?.timeZone),
    status,
    transparency: show.transparency,
    eventKind: show.eventKind,
    responseStatus: !isOrganizer && response ? (RESPONSE[response] ?? null) : null,
    isOrganizer,
    attendees: item.attendees ?? [],
    organizer: item.organizer ?? null,
    recurrence: role === 'master' ? (item.recurrence ?? null) : null,
    recurringEventId: masterId,
    originalStart: originalStartOf(item, role, timing),
    appTag: tagFromGraph(item.transactionId, item.singleValueExtendedProperties),
    providerEtag: item['@odata.etag'] ?? item.changeKey ?? null,
    providerUpdatedMs: item.lastModifiedDateTime ? Date.parse(item.lastModifiedDateTime) : null,
  };
}

function originalStartOf(
  item: GraphEventJson,
  role: SeriesRole,
  timing: Timing,
): MirrorEvent['originalStart'] {
  if (role !== 'exception' && role !== 'occurrence') return null;
  if (item.originalStart) {
    const ms = Date.parse(item.originalStart);
    if (Number.isNaN(ms)) throw new GraphEventShapeError(item.id, 'originalStart');
    return timing.allDay ? { allDay: true, date: item.originalStart.slice(0, 10) } : { allDay: false, ms };
  }
  // An occurrence is by definition unmoved: its slot is its start.
  return timing.allDay ? { allDay: true, date: timing.startDate } : { allDay: false, ms: timing.startMs };
}

/** An occurrence stub gets its details from the master; only id, times and etag are its own. */
function occurrenceFromMaster(item: GraphEventJson, master: MirrorEvent): MirrorEvent {
  const timing = timingOf(item, master.timing.allDay);
  return {
    ...master,
    providerEventId: item.id,
    seriesRole: 'occurrence',
    seriesKey: master.providerEventId,
    timing,
    recurrence: null,
    recurringEventId: master.providerEventId,
    originalStart: timing.allDay
      ? { allDay: true, date: timing.startDate }
      : { allDay: false, ms: timing.startMs },
    providerEtag: item['@odata.etag'] ?? null,
    providerUpdatedMs: master.providerUpdatedMs,
  };
}

/** Dates (`yyyy-mm-dd`) of a master's `cancelledOccurrences` (`OID.<masterId>.<date>`). */
export function cancelledOccurrenceDates(values: readonly string[] | undefined): string[] {
  return (values ?? []).map((v) => v.match(/(\d{4}-\d{2}-\d{2})$/)?.[1]).filter((d): d is string => !!d);
}

const isStub = (item: GraphEventJson) => item.type === 'occurrence' && item.subject === undefined;

/**
 * Maps one delta page. `knownMasters`: masters already in the mirror (or fetched) by id, used for
 * stubs whose master is not on this page. An item the mapper cannot read (and the stubs of such a
 * master) becomes `unreadable`: skipped by the round, never the whole page.
 */
export function mapGraphPage(
  items: readonly GraphEventJson[],
  knownMasters: ReadonlyMap<string, MirrorEvent> = new Map(),
): NormalizedChange[] {
  const masters = new Map(knownMasters);
  /** Masters on the page our mapper cannot read, by id → the field: their stubs are skipped too. */
  const unreadableMasters = new Map<string, string>();
  for (const item of items) {
    if (item['@removed'] || item.type !== 'seriesMaster') continue;
    try {
      masters.set(item.id, fullEvent(item, 'master'));
    } catch (error) {
      if (!(error instanceof GraphEventShapeError)) throw error;
      unreadableMasters.set(item.id, error.field);
    }
  }
  const changes: NormalizedChange[] = [];
  // Each item on its own: one the mapper cannot read is skipped, the rest of the page is written.
  for (const item of items) {
    try {
      changes.push(...mapGraphItem(item, masters, unreadableMasters));
    } catch (error) {
      if (!(error instanceof GraphEventShapeError)) throw error;
      changes.push({ kind: 'unreadable', providerEventId: error.eventId, field: error.field });
    }
  }
  return changes;
}

function mapGraphItem(
  item: GraphEventJson,
  masters: ReadonlyMap<string, MirrorEvent>,
  unreadableMasters: ReadonlyMap<string, string>,
): NormalizedChange[] {
  if (!item.id) throw new GraphEventShapeError('(no id)', 'id');
  if (item['@removed']) return [{ kind: 'delete', providerEventId: item.id }];
  const role = ROLE[item.type ?? 'singleInstance'] ?? 'single';
  if (role === 'master') {
    const unreadable = unreadableMasters.get(item.id);
    if (unreadable) throw new GraphEventShapeError(item.id, unreadable);
    const master = masters.get(item.id);
    if (!master) throw new GraphEventShapeError(item.id, 'seriesMaster');
    const changes: NormalizedChange[] = [{ kind: 'upsert', event: master }];
    const dates = cancelledOccurrenceDates(item.cancelledOccurrences);
    if (dates.length) changes.push({ kind: 'cancelOccurrences', seriesKey: item.id, dates });
    return changes;
  }
  if (isStub(item)) {
    const masterId = item.seriesMasterId;
    if (!masterId) throw new GraphEventShapeError(item.id, 'seriesMasterId');
    if (unreadableMasters.has(masterId)) throw new GraphEventShapeError(item.id, 'seriesMaster');
    const master = masters.get(masterId);
    if (!master) return [{ kind: 'needsMaster', seriesMasterId: masterId, occurrenceId: item.id }];
    return [{ kind: 'upsert', event: occurrenceFromMaster(item, master) }];
  }
  return [{ kind: 'upsert', event: fullEvent(item, role) }];
}
