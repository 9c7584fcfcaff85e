/**
 * The mirror's writes and reads (issue 13): rows only. The sync engine decides what to write
 * (worker/sync + durable-objects/sync); these functions run its statements inside one tenant
 * transaction, multi-row and keyed on (connection_id, provider_event_id).
 */
import { and, asc, count, eq, gte, inArray, isNull, lt, ne, or, type SQL, sql } from 'drizzle-orm';
import { ceCalendarBusyOccurrences, ceCalendarConnections, ceCalendarEvents } from '../schema.ts';
import type { TenantTx } from '../tenant.ts';

export type EventInsert = typeof ceCalendarEvents.$inferInsert;
export type EventSelect = typeof ceCalendarEvents.$inferSelect;
export type BusyInsert = typeof ceCalendarBusyOccurrences.$inferInsert;

/** Columns an inbound upsert overwrites (drizzle property names); everything else is CE's own. */
export const PROVIDER_OWNED_COLUMNS = [
  'icalUid',
  'title',
  'description',
  'location',
  'startAt',
  'endAt',
  'allDay',
  'startDate',
  'endDate',
  'timeZone',
  'status',
  'transparency',
  'attendees',
  'organizer',
  'recurrence',
  'recurringEventId',
  'originalStartAt',
  'seriesRole',
  'seriesKey',
  'eventKind',
  'responseStatus',
  'isOrganizer',
  'appTag',
  'providerEtag',
  'providerUpdatedAt',
] as const satisfies ReadonlyArray<keyof EventInsert>;

/** `ON CONFLICT DO UPDATE SET` of the inbound upsert: provider-owned columns from `excluded`, plus `updated_at`. */
export function inboundConflictSet(): Record<string, SQL> {
  const set: Record<string, SQL> = {};
  for (const key of PROVIDER_OWNED_COLUMNS) {
    set[key] = sql.raw(`excluded.${quoteIdentifier(ceCalendarEvents[key].name)}`);
  }
  set.updatedAt = sql`now()`;
  return set;
}

function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** Rows per statement: far below Postgres' 65,535 bind parameters for either table. */
const CHUNK = 500;

function chunks<T>(items: readonly T[], size = CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export interface SyncTarget {
  syncEnabled: boolean;
  syncCursor: string | null;
  providerCalendarId: string;
}

/**
 * The connection, share-locked for the rest of the transaction: a disconnect (delete) waits for this
 * page to commit and then cascades, and a page never writes for a connection that is gone.
 */
export async function lockSyncTarget(tx: TenantTx, connectionId: string): Promise<SyncTarget | undefined> {
  const [row] = await tx
    .select({
      syncEnabled: ceCalendarConnections.syncEnabled,
      syncCursor: ceCalendarConnections.syncCursor,
      providerCalendarId: ceCalendarConnections.providerCalendarId,
    })
    .from(ceCalendarConnections)
    .where(eq(ceCalendarConnections.id, connectionId))
    .limit(1)
    .for('share');
  return row;
}

/**
 * Deletes rows by provider id (and, with `withSeries`, the rows of series they were the master of);
 * busy rows follow by cascade. Returns the series keys of what was deleted, to recompute survivors.
 */
export async function deleteEvents(
  tx: TenantTx,
  connectionId: string,
  providerEventIds: readonly string[],
  withSeries: boolean,
): Promise<string[]> {
  const keys = new Set<string>();
  for (const ids of chunks(providerEventIds)) {
    const match = withSeries
      ? or(inArray(ceCalendarEvents.providerEventId, ids), inArray(ceCalendarEvents.seriesKey, ids))
      : inArray(ceCalendarEvents.providerEventId, ids);
    const deleted = await tx
      .delete(ceCalendarEvents)
      .where(and(eq(ceCalendarEvents.connectionId, connectionId), match))
      .returning({ seriesKey: ceCalendarEvents.seriesKey });
    for (const row of deleted) if (row.seriesKey) keys.add(row.seriesKey);
  }
  return [...keys];
}

/**
 * One multi-row upsert per chunk. On conflict only provider-owned columns change, so an outbound row
 * (CE's own event echoed back) keeps `sync_direction` and `activity_id`.
 */
export async function upsertEvents(tx: TenantTx, rows: readonly EventInsert[]): Promise<void> {
  for (const part of chunks(rows)) {
    await tx
      .insert(ceCalendarEvents)
      .values(part)
      .onConflictDoUpdate({
        target: [ceCalendarEvents.connectionId, ceCalendarEvents.providerEventId],
        set: { ...inboundConflictSet(), syncRound: sql.raw('excluded."sync_round"') },
      });
  }
}

/** Series keys currently stored for these provider ids (a row may be moving to another series). */
export async function existingSeriesKeys(
  tx: TenantTx,
  connectionId: string,
  providerEventIds: readonly string[],
): Promise<string[]> {
  const keys = new Set<string>();
  for (const ids of chunks(providerEventIds)) {
    const rows = await tx
      .select({ seriesKey: ceCalendarEvents.seriesKey })
      .from(ceCalendarEvents)
      .where(
        and(eq(ceCalendarEvents.connectionId, connectionId), inArray(ceCalendarEvents.providerEventId, ids)),
      );
    for (const row of rows) if (row.seriesKey) keys.add(row.seriesKey);
  }
  return [...keys];
}

/** One stored row by provider id (a known series master for the adapter), or undefined. */
export async function findEvent(
  tx: TenantTx,
  connectionId: string,
  providerEventId: string,
): Promise<EventSelect | undefined> {
  const [row] = await tx
    .select()
    .from(ceCalendarEvents)
    .where(
      and(
        eq(ceCalendarEvents.connectionId, connectionId),
        eq(ceCalendarEvents.providerEventId, providerEventId),
      ),
    )
    .limit(1);
  return row;
}

/** Every stored row of the given series (the recompute unit). */
export async function seriesRows(
  tx: TenantTx,
  connectionId: string,
  seriesKeys: readonly string[],
): Promise<EventSelect[]> {
  const out: EventSelect[] = [];
  for (const keys of chunks(seriesKeys)) {
    out.push(
      ...(await tx
        .select()
        .from(ceCalendarEvents)
        .where(
          and(eq(ceCalendarEvents.connectionId, connectionId), inArray(ceCalendarEvents.seriesKey, keys)),
        )),
    );
  }
  return out;
}

/** Replaces the busy occurrences of `seriesKeys` with `rows` (which must belong to those series). */
export async function replaceBusy(
  tx: TenantTx,
  connectionId: string,
  seriesKeys: readonly string[],
  rows: readonly BusyInsert[],
): Promise<void> {
  for (const keys of chunks(seriesKeys)) {
    await tx
      .delete(ceCalendarBusyOccurrences)
      .where(
        and(
          eq(ceCalendarBusyOccurrences.connectionId, connectionId),
          inArray(ceCalendarBusyOccurrences.seriesKey, keys),
        ),
      );
  }
  for (const part of chunks(rows)) await tx.insert(ceCalendarBusyOccurrences).values(part);
}

/**
 * End of a full round: rows the round did not write are gone on the provider. Rows created after the
 * round began (an outbound event CE just wrote) are kept for the next round to judge.
 */
export async function deleteUnseenEvents(
  tx: TenantTx,
  connectionId: string,
  round: string,
  roundStartedAt: Date,
): Promise<string[]> {
  const deleted = await tx
    .delete(ceCalendarEvents)
    .where(
      and(
        eq(ceCalendarEvents.connectionId, connectionId),
        or(isNull(ceCalendarEvents.syncRound), ne(ceCalendarEvents.syncRound, round)),
        lt(ceCalendarEvents.createdAt, roundStartedAt),
        // A meeting whose provider write is still owed is the outbox's to settle (issue 15).
        isNull(ceCalendarEvents.outboxOperation),
      ),
    )
    .returning({ seriesKey: ceCalendarEvents.seriesKey });
  return [...new Set(deleted.map((row) => row.seriesKey).filter((key): key is string => key !== null))];
}

/**
 * Series that reach past `from`: masters (their rules may produce instances there) and rows ending
 * after it. Used when the busy horizon moves forward.
 */
export async function seriesKeysReaching(tx: TenantTx, connectionId: string, from: Date): Promise<string[]> {
  const rows = await tx
    .selectDistinct({ seriesKey: ceCalendarEvents.seriesKey })
    .from(ceCalendarEvents)
    .where(
      and(
        eq(ceCalendarEvents.connectionId, connectionId),
        or(eq(ceCalendarEvents.seriesRole, 'master'), gte(ceCalendarEvents.endAt, from)),
      ),
    );
  return rows.map((row) => row.seriesKey).filter((key): key is string => key !== null);
}

/** The round's cursor, committed with its last page. */
export async function saveSyncCursor(
  tx: TenantTx,
  connectionId: string,
  cursor: string | null,
): Promise<void> {
  await tx
    .update(ceCalendarConnections)
    .set({ syncCursor: cursor })
    .where(eq(ceCalendarConnections.id, connectionId));
}

/**
 * Events per connection as a person counts them: singles, series (one per master) and their changed
 * instances (exceptions). Not counted: Graph's plain occurrence rows (Google has none, so a series would
 * otherwise count once on Google and once per occurrence on Outlook) and cancellation markers.
 */
export async function countMirroredEvents(
  tx: TenantTx,
  connectionIds: readonly string[],
): Promise<Map<string, number>> {
  if (connectionIds.length === 0) return new Map();
  const rows = await tx
    .select({ connectionId: ceCalendarEvents.connectionId, n: count() })
    .from(ceCalendarEvents)
    .where(
      and(
        inArray(ceCalendarEvents.connectionId, [...connectionIds]),
        ne(ceCalendarEvents.status, 'cancelled'),
        ne(ceCalendarEvents.seriesRole, 'occurrence'),
      ),
    )
    .groupBy(ceCalendarEvents.connectionId);
  return new Map(rows.map((row) => [row.connectionId, Number(row.n)]));
}

/** Busy occurrences of a connection in [from, to) (timed by instant; all-day by date, with a day of slack). */
export async function busyInRange(tx: TenantTx, connectionId: string, from: Date, to: Date) {
  const fromDate = new Date(from.getTime() - 86_400_000).toISOString().slice(0, 10);
  const toDate = new Date(to.getTime() + 86_400_000).toISOString().slice(0, 10);
  return tx
    .select({
      eventId: ceCalendarBusyOccurrences.eventId,
      allDay: ceCalendarBusyOccurrences.allDay,
      startAt: ceCalendarBusyOccurrences.startAt,
      endAt: ceCalendarBusyOccurrences.endAt,
      startDate: ceCalendarBusyOccurrences.startDate,
      endDate: ceCalendarBusyOccurrences.endDate,
      busyKind: ceCalendarBusyOccurrences.busyKind,
    })
    .from(ceCalendarBusyOccurrences)
    .where(
      and(
        eq(ceCalendarBusyOccurrences.connectionId, connectionId),
        or(
          and(lt(ceCalendarBusyOccurrences.startAt, to), sql`${ceCalendarBusyOccurrences.endAt} > ${from}`),
          and(
            lt(ceCalendarBusyOccurrences.startDate, toDate),
            sql`${ceCalendarBusyOccurrences.endDate} > ${fromDate}`,
          ),
        ),
      ),
    )
    .orderBy(asc(ceCalendarBusyOccurrences.startAt), asc(ceCalendarBusyOccurrences.startDate));
}

/** Titles of the given mirror rows (RLS: only the owner and view-all holders see them). */
export async function eventTitles(
  tx: TenantTx,
  eventIds: readonly string[],
): Promise<Map<string, string | null>> {
  const out = new Map<string, string | null>();
  for (const ids of chunks(eventIds)) {
    const rows = await tx
      .select({ id: ceCalendarEvents.id, title: ceCalendarEvents.title })
      .from(ceCalendarEvents)
      .where(inArray(ceCalendarEvents.id, ids));
    for (const row of rows) out.set(row.id, row.title);
  }
  return out;
}
