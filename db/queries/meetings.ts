/**
 * Meetings CE schedules (issue 15): the activity (CE's wanted state of the meeting), its outbound
 * mirror row (which doubles as the outbox: `outbox_operation` names the provider write still owed),
 * and idempotency keys. Rows only; the connection object decides what to write.
 */
import { and, asc, eq, gt, inArray, isNotNull, like, lt, ne, or, sql } from 'drizzle-orm';
import {
  ceActivities,
  ceCalendarConnections,
  ceCalendarEvents,
  ceMeetingIdempotencyKeys,
} from '../schema.ts';
import type { SystemTx, TenantTx } from '../tenant.ts';

export type ActivityRow = typeof ceActivities.$inferSelect;
export type ActivityInsert = typeof ceActivities.$inferInsert;
export type OutboundEventRow = typeof ceCalendarEvents.$inferSelect;
export type OutboxOperation = 'create' | 'update' | 'delete';

/** Idempotency keys are kept this long (issue 15: at least 24 hours). */
export const IDEMPOTENCY_KEY_TTL_HOURS = 24;

/** Provider id of an outbound row before the provider confirmed the create (its tag follows). */
export const PENDING_EVENT_PREFIX = 'ce-pending:';

export interface StoredKey {
  requestHash: string;
  activityId: string;
}

/**
 * The caller's live key, or undefined. An expired key of the caller is removed first, so it can be
 * used again. Another user's key of the organization is invisible here (RLS) and conflicts on insert.
 */
export async function findIdempotencyKey(tx: TenantTx, key: string): Promise<StoredKey | undefined> {
  await tx
    .delete(ceMeetingIdempotencyKeys)
    .where(
      and(
        eq(ceMeetingIdempotencyKeys.idempotencyKey, key),
        lt(
          ceMeetingIdempotencyKeys.createdAt,
          sql`now() - make_interval(hours => ${IDEMPOTENCY_KEY_TTL_HOURS})`,
        ),
      ),
    );
  const [row] = await tx
    .select({
      requestHash: ceMeetingIdempotencyKeys.requestHash,
      activityId: ceMeetingIdempotencyKeys.activityId,
    })
    .from(ceMeetingIdempotencyKeys)
    .where(eq(ceMeetingIdempotencyKeys.idempotencyKey, key))
    .limit(1);
  return row;
}

export async function insertIdempotencyKey(
  tx: TenantTx,
  row: { organizationId: string; userId: string; key: string; requestHash: string; activityId: string },
): Promise<void> {
  await tx.insert(ceMeetingIdempotencyKeys).values({
    organizationId: row.organizationId,
    userId: row.userId,
    idempotencyKey: row.key,
    requestHash: row.requestHash,
    activityId: row.activityId,
  });
}

export async function insertActivity(tx: TenantTx, row: ActivityInsert): Promise<ActivityRow> {
  const [inserted] = await tx.insert(ceActivities).values(row).returning();
  if (!inserted) throw new Error('activity insert returned no row');
  return inserted;
}

export async function insertOutboundEvent(
  tx: TenantTx,
  row: typeof ceCalendarEvents.$inferInsert,
): Promise<OutboundEventRow> {
  const [inserted] = await tx.insert(ceCalendarEvents).values(row).returning();
  if (!inserted) throw new Error('event insert returned no row');
  return inserted;
}

export interface MeetingRows {
  activity: ActivityRow;
  /** The outbound mirror row; undefined once the meeting was cancelled on the provider. */
  event: OutboundEventRow | undefined;
}

/** A meeting by activity id (RLS: owner or view-all), with its outbound row. */
export async function findMeeting(tx: TenantTx, activityId: string): Promise<MeetingRows | undefined> {
  const [activity] = await tx
    .select()
    .from(ceActivities)
    .where(and(eq(ceActivities.id, activityId), eq(ceActivities.type, 'meeting')))
    .limit(1);
  if (!activity) return undefined;
  const [event] = await tx
    .select()
    .from(ceCalendarEvents)
    .where(and(eq(ceCalendarEvents.activityId, activityId), eq(ceCalendarEvents.syncDirection, 'outbound')))
    .limit(1);
  return { activity, event };
}

/** One page of meetings, ordered by start then id (keyset: strictly after `after`). */
export interface MeetingListFilter {
  /** Only this organizer's; undefined: every meeting RLS shows (own, or the organization's with view-all). */
  ownerUserId?: string;
  activityId?: string;
  /** Meetings overlapping [startMs, endMs). */
  window?: { startMs: number; endMs: number };
  after?: { startMs: number; id: string };
  limit: number;
}

export async function listMeetings(tx: TenantTx, filter: MeetingListFilter): Promise<MeetingRows[]> {
  const { window, after } = filter;
  const rows = await tx
    .select({ activity: ceActivities, event: ceCalendarEvents })
    .from(ceActivities)
    .leftJoin(
      ceCalendarEvents,
      and(eq(ceCalendarEvents.activityId, ceActivities.id), eq(ceCalendarEvents.syncDirection, 'outbound')),
    )
    .where(
      and(
        eq(ceActivities.type, 'meeting'),
        filter.ownerUserId === undefined ? undefined : eq(ceActivities.ownerUserId, filter.ownerUserId),
        filter.activityId === undefined ? undefined : eq(ceActivities.id, filter.activityId),
        window ? lt(ceActivities.startsAt, new Date(window.endMs)) : undefined,
        window ? gt(ceActivities.endsAt, new Date(window.startMs)) : undefined,
        after
          ? or(
              gt(ceActivities.startsAt, new Date(after.startMs)),
              and(eq(ceActivities.startsAt, new Date(after.startMs)), gt(ceActivities.id, after.id)),
            )
          : undefined,
      ),
    )
    .orderBy(asc(ceActivities.startsAt), asc(ceActivities.id))
    .limit(filter.limit);
  return rows.map((row) => ({ activity: row.activity, event: row.event ?? undefined }));
}

export async function updateActivity(
  tx: TenantTx,
  activityId: string,
  values: Partial<ActivityInsert>,
): Promise<void> {
  await tx
    .update(ceActivities)
    .set({ ...values, updatedAt: sql`now()` })
    .where(eq(ceActivities.id, activityId));
}

/** Marks the outbound row as owing `operation` to the provider. */
export async function queueOutbox(tx: TenantTx, eventId: string, operation: OutboxOperation): Promise<void> {
  await tx
    .update(ceCalendarEvents)
    .set({ outboxOperation: operation, outboxAttempts: 0, syncStatus: 'pending', updatedAt: sql`now()` })
    .where(eq(ceCalendarEvents.id, eventId));
}

/**
 * A provider write failed: count it; the row shows `error` once `maxAttempts` are spent (0: at once,
 * the provider refused for good), `pending` while the object keeps retrying.
 */
export async function recordOutboxFailure(
  tx: TenantTx,
  eventId: string,
  maxAttempts: number,
): Promise<number> {
  const [row] = await tx
    .update(ceCalendarEvents)
    .set({
      outboxAttempts: sql`${ceCalendarEvents.outboxAttempts} + 1`,
      syncStatus: sql`case when ${ceCalendarEvents.outboxAttempts} + 1 >= ${maxAttempts} then 'error' else 'pending' end`,
      updatedAt: sql`now()`,
    })
    // A row confirmed meanwhile (an outbox run answered first) owes nothing: a late failure leaves it.
    .where(and(eq(ceCalendarEvents.id, eventId), isNotNull(ceCalendarEvents.outboxOperation)))
    .returning({ attempts: ceCalendarEvents.outboxAttempts });
  return row?.attempts ?? 0;
}

/**
 * The provider confirmed the write: the row takes the provider's id (an inbound duplicate that a
 * sync round stored meanwhile under that id gives way to it), etag and iCalUID; the outbox is empty.
 */
export async function confirmOutbound(
  tx: TenantTx,
  event: Pick<OutboundEventRow, 'id' | 'connectionId'>,
  written: { providerEventId: string; etag: string | null; icalUid: string | null },
): Promise<void> {
  await tx
    .delete(ceCalendarEvents)
    .where(
      and(
        eq(ceCalendarEvents.connectionId, event.connectionId),
        eq(ceCalendarEvents.providerEventId, written.providerEventId),
        ne(ceCalendarEvents.id, event.id),
      ),
    );
  await tx
    .update(ceCalendarEvents)
    .set({
      providerEventId: written.providerEventId,
      seriesKey: written.providerEventId,
      providerEtag: written.etag,
      ...(written.icalUid ? { icalUid: written.icalUid } : {}),
      syncStatus: 'synced',
      outboxOperation: null,
      outboxAttempts: 0,
      updatedAt: sql`now()`,
    })
    .where(eq(ceCalendarEvents.id, event.id));
}

/** The mirror columns of an outbound row, as CE asked the provider for them. */
export async function setOutboundMirror(
  tx: TenantTx,
  eventId: string,
  values: Pick<
    typeof ceCalendarEvents.$inferInsert,
    'title' | 'description' | 'location' | 'startAt' | 'endAt' | 'timeZone'
  >,
): Promise<void> {
  await tx.update(ceCalendarEvents).set(values).where(eq(ceCalendarEvents.id, eventId));
}

export async function deleteOutboundEvent(tx: TenantTx, eventId: string): Promise<void> {
  await tx.delete(ceCalendarEvents).where(eq(ceCalendarEvents.id, eventId));
}

/** Removes a meeting that never reached the provider (its create was refused): no half meeting stays. */
export async function deleteUnsentMeeting(tx: TenantTx, activityId: string): Promise<void> {
  await tx.delete(ceCalendarEvents).where(eq(ceCalendarEvents.activityId, activityId));
  await tx.delete(ceActivities).where(eq(ceActivities.id, activityId));
}

/** Activity ids whose outbound row still owes the provider a write, oldest first. */
export async function pendingOutbox(tx: TenantTx, connectionId: string): Promise<string[]> {
  const rows = await tx
    .select({ activityId: ceCalendarEvents.activityId })
    .from(ceCalendarEvents)
    .where(
      and(
        eq(ceCalendarEvents.connectionId, connectionId),
        isNotNull(ceCalendarEvents.outboxOperation),
        eq(ceCalendarEvents.syncStatus, 'pending'),
      ),
    )
    .orderBy(ceCalendarEvents.createdAt);
  return rows.map((row) => row.activityId).filter((id): id is string => id !== null);
}

/** Outbound rows (with their activities) among these provider ids or pending tags: inbound sync's view. */
export async function outboundRowsFor(
  tx: TenantTx,
  connectionId: string,
  providerEventIds: readonly string[],
): Promise<Array<{ event: OutboundEventRow; activity: ActivityRow }>> {
  if (providerEventIds.length === 0) return [];
  const rows = await tx
    .select({ event: ceCalendarEvents, activity: ceActivities })
    .from(ceCalendarEvents)
    .innerJoin(ceActivities, eq(ceActivities.id, ceCalendarEvents.activityId))
    .where(
      and(
        eq(ceCalendarEvents.connectionId, connectionId),
        eq(ceCalendarEvents.syncDirection, 'outbound'),
        inArray(ceCalendarEvents.providerEventId, [...providerEventIds]),
      ),
    );
  return rows;
}

/**
 * Outbound rows still waiting for their provider id whose tag arrived from the provider: they take
 * the provider's id, so the inbound upsert updates them instead of adding a duplicate.
 */
export async function adoptPendingRows(
  tx: TenantTx,
  connectionId: string,
  tagged: ReadonlyArray<{ tag: string; providerEventId: string }>,
): Promise<number> {
  let adopted = 0;
  for (const { tag, providerEventId } of tagged) {
    const existing = await tx
      .select({ id: ceCalendarEvents.id })
      .from(ceCalendarEvents)
      .where(
        and(
          eq(ceCalendarEvents.connectionId, connectionId),
          eq(ceCalendarEvents.providerEventId, providerEventId),
        ),
      )
      .limit(1);
    if (existing.length > 0) continue;
    const moved = await tx
      .update(ceCalendarEvents)
      .set({ providerEventId, seriesKey: providerEventId })
      .where(
        and(
          eq(ceCalendarEvents.connectionId, connectionId),
          eq(ceCalendarEvents.appTag, tag),
          eq(ceCalendarEvents.syncDirection, 'outbound'),
          like(ceCalendarEvents.providerEventId, `${PENDING_EVENT_PREFIX}%`),
        ),
      )
      .returning({ id: ceCalendarEvents.id });
    adopted += moved.length;
  }
  return adopted;
}

/**
 * The calendar a meeting goes to when the request names none: the user's own oldest connection that
 * can still write (not waiting for a reconnect), else undefined.
 */
export async function defaultMeetingConnection(
  tx: TenantTx,
  userId: string,
): Promise<typeof ceCalendarConnections.$inferSelect | undefined> {
  const [row] = await tx
    .select()
    .from(ceCalendarConnections)
    .where(
      and(
        eq(ceCalendarConnections.userId, userId),
        ne(ceCalendarConnections.syncStatus, 'reconnect_required'),
      ),
    )
    .orderBy(asc(ceCalendarConnections.createdAt), asc(ceCalendarConnections.id))
    .limit(1);
  return row;
}

/** Cron: removes every organization's keys past their 24 h (SECURITY DEFINER, migration 0016). */
export async function purgeExpiredMeetingKeys(tx: SystemTx): Promise<number> {
  const result = await tx.execute(sql`select ce_purge_expired_meeting_keys() as removed`);
  return Number(result.rows[0]?.removed ?? 0);
}
