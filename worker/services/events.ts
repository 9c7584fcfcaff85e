/**
 * GET /v1/calendar/events: a user's events in a window, recurring series as their occurrences.
 *
 * Occurrences are computed from the mirror rows at read time, with each connection's adapter's
 * `seriesExpansion` (the same one that derives busy occurrences), rather than read from the
 * busy-occurrence table: that table holds only the occurrences that block time, and a calendar view
 * must also show free (transparent), declined and working-location events. A master whose provider
 * states a rule (`expand_master_rule`) is expanded by the adapter; with `listed_occurrences` every
 * occurrence is its own row, so masters are not shown. Cancelled rows never show.
 *
 * Paging: items are ordered by (start, id); the opaque cursor holds the last item's position and a
 * fingerprint of the query, so a cursor from another window or user is refused (400 `cursor`).
 */
import { type EventRow, listUserConnections, readEventRowsForWindow } from '../../db/queries/busy.ts';
import { allDayToInterval, type Interval } from '../availability/index.ts';
import type { RequestScope } from '../env.ts';
import { forbidden, notFound, validationFailed } from '../errors.ts';
import { providerFor } from '../providers/index.ts';
import { busyKindOf } from '../sync/busy.ts';
import { mirrorFromRow } from '../sync/rows.ts';
import { originalKey } from '../sync/series.ts';
import type { MirrorEvent, SeriesExpansion, Timing } from '../sync/types.ts';

export const DEFAULT_PAGE_SIZE = 100;
export const MAX_PAGE_SIZE = 500;

export interface EventsQuery {
  userId: string | undefined;
  range: { start: number; end: number };
  limit: number;
  cursor: string | undefined;
}

export interface EventItem {
  /** Stable per occurrence: the row's provider id, or `<master id>_<original start>` for expanded ones. */
  id: string;
  event_id: string;
  connection_id: string;
  user_id: string;
  series_id: string | null;
  title: string | null;
  location: string | null;
  description: string | null;
  all_day: boolean;
  start: string;
  end: string;
  start_date: string | null;
  end_date: string | null;
  time_zone: string | null;
  status: 'confirmed' | 'tentative' | 'cancelled';
  transparency: 'opaque' | 'transparent';
  event_kind: MirrorEvent['eventKind'];
  response_status: MirrorEvent['responseStatus'];
  is_organizer: boolean;
  busy: boolean;
  attendee_count: number;
  activity_id: string | null;
  sync_direction: 'inbound' | 'outbound';
}

export interface EventsPage {
  user_id: string;
  time_min: string;
  time_max: string;
  events: EventItem[];
  next_cursor: string | null;
}

export interface Positioned {
  sortMs: number;
  item: EventItem;
}

/** Own events with view (or view-all); anyone's in the organization with view-all (SPEC §2). */
function requireEventsAccess(scope: RequestScope, userId: string): void {
  const has = (permission: string) => scope.claims.permissions.includes(permission);
  if (userId !== scope.claims.sub) {
    if (!has('ce.calendar.view-all'))
      throw forbidden("Requires the ce.calendar.view-all permission for other users' events");
  } else if (!has('ce.calendar.view') && !has('ce.calendar.view-all')) {
    throw forbidden('Requires the ce.calendar.view permission');
  }
}

export async function listEvents(scope: RequestScope, query: EventsQuery): Promise<EventsPage> {
  const userId = query.userId ?? scope.claims.sub;
  requireEventsAccess(scope, userId);
  const fingerprint = await fingerprintOf(userId, query.range);
  const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor, fingerprint);
  const { connections, rows } = await scope.db.asTenant(scope.claims, async (tx) => {
    const connections = await listUserConnections(tx, userId);
    const ids = connections.map((c) => c.id);
    return { connections, rows: await readEventRowsForWindow(tx, ids, query.range.start, query.range.end) };
  });
  // RLS shows another user's calendars only within the organization: none looks like "no such user".
  if (userId !== scope.claims.sub && connections.length === 0) throw notFound('User');

  const byId = new Map(connections.map((c) => [c.id, c]));
  const all = eventOccurrences(rows, query.range, userId, {
    zoneOf: (connectionId) => byId.get(connectionId)?.calendarTimeZone ?? 'UTC',
    expansionOf: (connectionId) => {
      const connection = byId.get(connectionId);
      // A row outlives no connection (cascade); should one anyway, its masters are not expanded.
      return connection
        ? providerFor(scope.env, connection.provider).seriesExpansion
        : { kind: 'listed_occurrences' };
    },
  });
  all.sort((a, b) => a.sortMs - b.sortMs || (a.item.id < b.item.id ? -1 : a.item.id > b.item.id ? 1 : 0));
  const remaining = after
    ? all.filter((p) => p.sortMs > after.ms || (p.sortMs === after.ms && p.item.id > after.id))
    : all;
  const page = remaining.slice(0, query.limit);
  const last = page[page.length - 1];
  return {
    user_id: userId,
    time_min: new Date(query.range.start).toISOString(),
    time_max: new Date(query.range.end).toISOString(),
    events: page.map((p) => p.item),
    next_cursor:
      remaining.length > query.limit && last
        ? encodeCursor({ ms: last.sortMs, id: last.item.id, f: fingerprint })
        : null,
  };
}

/** What `eventOccurrences` needs to know about a row's connection. */
export interface ConnectionFacts {
  /** The calendar's zone (all-day events are resolved in it). */
  zoneOf(connectionId: string): string;
  /** How the connection's provider describes series (its adapter's `seriesExpansion`). */
  expansionOf(connectionId: string): SeriesExpansion;
}

/** Every occurrence of `rows` overlapping `range` (all-day ones in their calendar's zone). */
export function eventOccurrences(
  rows: readonly EventRow[],
  range: Interval,
  userId: string,
  { zoneOf, expansionOf }: ConnectionFacts,
): Positioned[] {
  const byRowKey = new Map(rows.map((row) => [`${row.connectionId}|${row.providerEventId}`, row]));
  const mirrorOf = new Map(rows.map((row) => [row, mirrorFromRow(row)]));
  const window = { startMs: range.start, endMs: range.end };
  const out: Positioned[] = [];
  const expandedMasters = new Set<string>();

  for (const row of rows) {
    if (row.seriesRole !== 'master') continue;
    const expansion = expansionOf(row.connectionId);
    if (expansion.kind !== 'expand_master_rule') continue;
    const mirror = mirrorOf.get(row)!;
    const key = `${row.connectionId}|${row.providerEventId}`;
    expandedMasters.add(key);
    const exceptions = rows
      .filter(
        (r) => r.connectionId === row.connectionId && r.recurringEventId === row.providerEventId && r !== row,
      )
      .map((r) => mirrorOf.get(r)!);
    for (const instance of expansion.expand(mirror, exceptions, window)) {
      const source =
        instance.source === mirror
          ? row
          : byRowKey.get(`${row.connectionId}|${instance.source.providerEventId}`);
      if (!source) continue;
      const id =
        instance.source === mirror
          ? `${row.providerEventId}_${originalKey(instance.originalStart)}`
          : instance.source.providerEventId;
      pushItem(out, id, source, instance.source, instance.timing, range, zoneOf(row.connectionId), userId);
    }
  }
  for (const row of rows) {
    if (row.seriesRole === 'master') continue;
    const parent = row.recurringEventId ? `${row.connectionId}|${row.recurringEventId}` : null;
    // Exceptions of an expanded series came out of the expansion already.
    if (parent && expandedMasters.has(parent)) continue;
    const mirror = mirrorOf.get(row)!;
    if (mirror.status === 'cancelled') continue;
    pushItem(out, row.providerEventId, row, mirror, mirror.timing, range, zoneOf(row.connectionId), userId);
  }
  return out;
}

function pushItem(
  out: Positioned[],
  id: string,
  row: EventRow,
  mirror: MirrorEvent,
  timing: Timing,
  range: Interval,
  zone: string,
  userId: string,
): void {
  if (mirror.status === 'cancelled') return;
  const span = timing.allDay
    ? allDayToInterval({ startDate: timing.startDate, endDate: timing.endDate }, zone)
    : { start: timing.startMs, end: timing.endMs };
  const overlaps =
    span.end > span.start
      ? span.start < range.end && span.end > range.start
      : span.start >= range.start && span.start < range.end;
  if (!overlaps) return;
  out.push({
    sortMs: span.start,
    item: {
      id,
      event_id: row.id,
      connection_id: row.connectionId,
      user_id: userId,
      series_id: mirror.seriesRole === 'single' ? null : mirror.seriesKey,
      title: mirror.title,
      location: mirror.location,
      description: mirror.description,
      all_day: timing.allDay,
      start: new Date(span.start).toISOString(),
      end: new Date(span.end).toISOString(),
      start_date: timing.allDay ? timing.startDate : null,
      end_date: timing.allDay ? timing.endDate : null,
      time_zone: mirror.timeZone,
      status: mirror.status,
      transparency: mirror.transparency,
      event_kind: mirror.eventKind,
      response_status: mirror.responseStatus,
      is_organizer: mirror.isOrganizer,
      busy: busyKindOf(mirror) !== null,
      attendee_count: Array.isArray(mirror.attendees) ? mirror.attendees.length : 0,
      activity_id: row.activityId,
      sync_direction: row.syncDirection,
    },
  });
}

interface CursorState {
  ms: number;
  id: string;
  f: string;
}

function encodeCursor(state: CursorState): string {
  return btoa(JSON.stringify(state)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function decodeCursor(cursor: string, fingerprint: string): CursorState {
  const invalid = () => validationFailed([{ field: 'cursor', message: 'is not a cursor of this query' }]);
  let state: unknown;
  try {
    state = JSON.parse(atob(cursor.replace(/-/g, '+').replace(/_/g, '/')));
  } catch {
    throw invalid();
  }
  const s = state as Partial<CursorState> | null;
  if (!s || typeof s.ms !== 'number' || typeof s.id !== 'string' || s.f !== fingerprint) throw invalid();
  return { ms: s.ms, id: s.id, f: s.f };
}

async function fingerprintOf(userId: string, range: Interval): Promise<string> {
  const digest = await crypto.subtle.digest(
    'SHA-256',
    new TextEncoder().encode(`${userId}|${range.start}|${range.end}`),
  );
  return btoa(String.fromCharCode(...new Uint8Array(digest).slice(0, 9)));
}
