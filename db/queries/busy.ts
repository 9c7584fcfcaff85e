/**
 * Reads behind free/busy, availability and the events list (issue 14), inside a tenant transaction.
 *
 * Free/busy and availability read everyone's time, the caller's own included, through one call of
 * the SECURITY DEFINER function `ce_free_busy_read()` (db/functions/free-busy.sql): its columns are
 * user, sync state, zone, instants and dates, so no title, attendee, location, account email or
 * event id can reach a free/busy answer whatever the caller does with the rows. Live mode finds its
 * calendars through `ce_calendar_live_targets()` (the mailbox address stays server-side). The events
 * list reads mirror rows under RLS (owner or view-all).
 */
import { and, asc, eq, gt, inArray, lt, ne, or, sql } from 'drizzle-orm';
import { ceCalendarConnections, ceCalendarEvents, type ProviderName } from '../schema.ts';
import type { TenantTx } from '../tenant.ts';

export type BusyKindRow = 'busy' | 'tentative' | 'out_of_office' | 'focus_time';

/** A busy block: instants for timed occurrences, dates (end exclusive) for all-day ones. */
export type BusyBlockRow =
  | { userId: string; allDay: false; startMs: number; endMs: number; busyKind: BusyKindRow }
  | { userId: string; allDay: true; startDate: string; endDate: string; busyKind: BusyKindRow };

/** A `uuid[]` parameter list (ids are validated UUIDs before they get here). */
const uuidArray = (ids: readonly string[]) =>
  ids.length === 0
    ? sql`array[]::uuid[]`
    : sql`array[${sql.join(
        ids.map((id) => sql`${id}`),
        sql`, `,
      )}]::uuid[]`;

/** `date` columns arrive as `YYYY-MM-DD` strings (or Dates with some drivers): keep the calendar date. */
const toDate = (value: unknown): string =>
  value instanceof Date ? value.toISOString().slice(0, 10) : String(value).slice(0, 10);

/** One calendar of a user, as a free/busy answer shows it (no account email, no cursor). */
export interface CalendarFreshnessRow {
  userId: string;
  connectionId: string;
  provider: ProviderName;
  syncEnabled: boolean;
  syncStatus: 'syncing' | 'paused' | 'error' | 'reconnect_required';
  lastSyncAt: Date | null;
  calendarTimeZone: string | null;
}

export type EventRow = typeof ceCalendarEvents.$inferSelect;
export type VisibleConnection = Pick<
  typeof ceCalendarConnections.$inferSelect,
  'id' | 'userId' | 'provider' | 'calendarTimeZone'
>;

/** The connections of `userId` the caller can read (RLS: owner or view-all in the organization). */
export async function listUserConnections(tx: TenantTx, userId: string): Promise<VisibleConnection[]> {
  return tx
    .select({
      id: ceCalendarConnections.id,
      userId: ceCalendarConnections.userId,
      provider: ceCalendarConnections.provider,
      calendarTimeZone: ceCalendarConnections.calendarTimeZone,
    })
    .from(ceCalendarConnections)
    .where(eq(ceCalendarConnections.userId, userId))
    .orderBy(asc(ceCalendarConnections.createdAt), asc(ceCalendarConnections.id));
}

/**
 * Mirror rows of `connectionIds` that can show in `[startMs, endMs)`: non-master rows overlapping
 * the window (all-day rows are stored with UTC-midnight instants, so a day of slack covers any
 * owner zone), plus every series master that started before the window's end together with all
 * rows of its series (the caller expands Google masters; Graph lists occurrences as rows).
 * Cancelled rows are kept: a Google cancelled instance is a marker the expansion needs.
 */
export async function readEventRowsForWindow(
  tx: TenantTx,
  connectionIds: readonly string[],
  startMs: number,
  endMs: number,
): Promise<EventRow[]> {
  if (connectionIds.length === 0) return [];
  const slack = 24 * 60 * 60 * 1000;
  const inConnections = inArray(ceCalendarEvents.connectionId, [...connectionIds]);
  const overlapping = await tx
    .select()
    .from(ceCalendarEvents)
    .where(
      and(
        inConnections,
        ne(ceCalendarEvents.seriesRole, 'master'),
        lt(ceCalendarEvents.startAt, new Date(endMs + slack)),
        or(
          gt(ceCalendarEvents.endAt, new Date(startMs - slack)),
          // A zero-length row still shows at its instant.
          eq(ceCalendarEvents.startAt, ceCalendarEvents.endAt),
        ),
      ),
    );
  const masters = await tx
    .select()
    .from(ceCalendarEvents)
    .where(
      and(
        inConnections,
        eq(ceCalendarEvents.seriesRole, 'master'),
        lt(ceCalendarEvents.startAt, new Date(endMs + slack)),
      ),
    );
  if (masters.length === 0) return overlapping;
  const seriesKeys = [...new Set(masters.map((m) => m.seriesKey ?? m.providerEventId))];
  const seriesRows = await tx
    .select()
    .from(ceCalendarEvents)
    .where(
      and(
        inConnections,
        inArray(ceCalendarEvents.seriesKey, seriesKeys),
        ne(ceCalendarEvents.seriesRole, 'master'),
      ),
    );
  const byId = new Map<string, EventRow>();
  for (const row of [...overlapping, ...masters, ...seriesRows]) byId.set(row.id, row);
  return [...byId.values()];
}

/** What a live free/busy call needs per calendar (server-side only: the email never leaves). */
export interface LiveTargetRow {
  userId: string;
  connectionId: string;
  provider: ProviderName;
  providerCalendarId: string;
  accountEmail: string;
}

export async function readLiveTargets(tx: TenantTx, userIds: readonly string[]): Promise<LiveTargetRow[]> {
  const ids = uuidArray(userIds);
  const result = await tx.execute(
    sql`select user_id, connection_id, provider, provider_calendar_id, account_email from ce_calendar_live_targets(${ids})`,
  );
  return (result.rows as Array<Record<string, unknown>>).map((row) => ({
    userId: String(row.user_id),
    connectionId: String(row.connection_id),
    provider: row.provider as LiveTargetRow['provider'],
    providerCalendarId: String(row.provider_calendar_id),
    accountEmail: String(row.account_email),
  }));
}

/** A JSON `[[a, b, …], …]` column as tuples (the driver parses `json`; anything else is no tuple). */
const tuplesOf = (value: unknown): unknown[][] =>
  Array.isArray(value) ? value.filter((tuple): tuple is unknown[] => Array.isArray(tuple)) : [];

const BUSY_KINDS: readonly BusyKindRow[] = ['busy', 'tentative', 'out_of_office', 'focus_time'];
const busyKindOf = (value: unknown): BusyKindRow => BUSY_KINDS.find((kind) => kind === value) ?? 'busy';

/**
 * Calendars and busy blocks of `userIds` in one call of `ce_free_busy_read()`: a row per calendar
 * (sync state, zone) and a row per user carrying that user's timed blocks already merged in SQL as
 * JSON `[[start_ms, end_ms], …]` and their all-day blocks as `[[start_date, end_date, busy_kind], …]`. Every
 * request opens a fresh database session, which pays for each catalog entry, buffer and page of
 * work memory it touches first; one index-only read shaped into a few array rows touches far less
 * than row-per-block output (db/functions/free-busy.sql).
 */
export async function readCalendarsAndBusy(
  tx: TenantTx,
  userIds: readonly string[],
  startMs: number,
  endMs: number,
): Promise<{ calendars: CalendarFreshnessRow[]; blocks: BusyBlockRow[] }> {
  const ids = uuidArray(userIds);
  const from = new Date(startMs).toISOString();
  const to = new Date(endMs).toISOString();
  const result = await tx.execute(
    sql`select user_id, connection_id, provider, sync_enabled, sync_status, last_sync_ms,
               calendar_time_zone, timed_ms, all_day_dates
          from ce_free_busy_read(${ids}, ${from}::timestamptz, ${to}::timestamptz)`,
  );
  const calendars: CalendarFreshnessRow[] = [];
  const blocks: BusyBlockRow[] = [];
  for (const row of result.rows as Array<Record<string, unknown>>) {
    const userId = String(row.user_id);
    if (row.connection_id !== null) {
      calendars.push({
        userId,
        connectionId: String(row.connection_id),
        provider: row.provider as CalendarFreshnessRow['provider'],
        syncEnabled: Boolean(row.sync_enabled),
        syncStatus: row.sync_status as CalendarFreshnessRow['syncStatus'],
        lastSyncAt: row.last_sync_ms === null ? null : new Date(Number(row.last_sync_ms)),
        calendarTimeZone: (row.calendar_time_zone as string | null) ?? null,
      });
      continue;
    }
    // Merged timed blocks have no single kind: they are all busy time.
    for (const [start, end] of tuplesOf(row.timed_ms)) {
      blocks.push({ userId, allDay: false, startMs: Number(start), endMs: Number(end), busyKind: 'busy' });
    }
    for (const [start, end, kind] of tuplesOf(row.all_day_dates)) {
      blocks.push({
        userId,
        allDay: true,
        startDate: toDate(start),
        endDate: toDate(end),
        busyKind: busyKindOf(kind),
      });
    }
  }
  // The function orders by user, calendars first (by creation), so the answer keeps that order.
  return { calendars, blocks };
}
