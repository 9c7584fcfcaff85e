/**
 * Pre-meeting reminders in `pf_notifications` (PF-10; issue 15). A reminder row exists from the moment
 * a meeting is planned; it is delivered by setting `sent_at`, in one conditional UPDATE, so duplicate
 * alarm runs and restarts cannot deliver it twice. Its dedupe key carries the meeting's version, so a
 * rescheduled meeting gets a new reminder and the withdrawn one can never come back. A reminder belongs
 * to a start: a start that already had its reminder delivered never gets a second one (issue 20 §2).
 */
import { and, asc, eq, inArray, isNotNull, isNull, lte, sql } from 'drizzle-orm';
import { pfNotifications } from '../schema.ts';
import type { TenantTx } from '../tenant.ts';

export const MEETING_REMINDER_KIND = 'meeting_reminder';

export interface ReminderPlan {
  organizationId: string;
  userId: string;
  activityId: string;
  connectionId: string;
  version: number;
  startsAt: Date;
  scheduledFor: Date;
  subject: string;
}

export const reminderDedupeKey = (activityId: string, version: number, startsAt: Date) =>
  `meeting-reminder:${activityId}:v${version}:${startsAt.toISOString()}`;

/** Deletes unsent meeting reminders whose payload names `id` under `key` (a delivered one stays: it happened). */
async function withdrawUnsent(
  tx: TenantTx,
  key: 'activity_id' | 'connection_id',
  id: string,
): Promise<number> {
  const removed = await tx
    .delete(pfNotifications)
    .where(
      and(
        eq(pfNotifications.kind, MEETING_REMINDER_KIND),
        isNull(pfNotifications.sentAt),
        sql`${pfNotifications.payload} ->> ${key} = ${id}`,
      ),
    )
    .returning({ id: pfNotifications.id });
  return removed.length;
}

/** A disconnected calendar's meetings are no longer followed: its unsent reminders go. */
export const withdrawConnectionReminders = (tx: TenantTx, connectionId: string) =>
  withdrawUnsent(tx, 'connection_id', connectionId);

/** Withdraws the meeting's unsent reminders. */
export const withdrawReminders = (tx: TenantTx, activityId: string) =>
  withdrawUnsent(tx, 'activity_id', activityId);

/**
 * Replaces the meeting's unsent reminder with one for its current start (idempotent per version). When
 * a reminder for this very start was already delivered (moved away and back, or planned again for any
 * other reason), none is planned: the user was reminded of this start once.
 */
export async function planReminder(tx: TenantTx, plan: ReminderPlan): Promise<void> {
  await withdrawReminders(tx, plan.activityId);
  if (await deliveredFor(tx, plan.activityId, plan.startsAt)) return;
  await tx
    .insert(pfNotifications)
    .values({
      organizationId: plan.organizationId,
      userId: plan.userId,
      kind: MEETING_REMINDER_KIND,
      dedupeKey: reminderDedupeKey(plan.activityId, plan.version, plan.startsAt),
      scheduledFor: plan.scheduledFor,
      // No attendee addresses: the notification points at the activity.
      payload: {
        activity_id: plan.activityId,
        connection_id: plan.connectionId,
        subject: plan.subject,
        starts_at: plan.startsAt.toISOString(),
      },
    })
    .onConflictDoNothing();
}

/** Whether a reminder for this start of the meeting was already delivered. */
async function deliveredFor(tx: TenantTx, activityId: string, startsAt: Date): Promise<boolean> {
  const rows = await tx
    .select({ id: pfNotifications.id })
    .from(pfNotifications)
    .where(
      and(
        eq(pfNotifications.kind, MEETING_REMINDER_KIND),
        isNotNull(pfNotifications.sentAt),
        sql`${pfNotifications.payload} ->> 'activity_id' = ${activityId}`,
        sql`${pfNotifications.payload} ->> 'starts_at' = ${startsAt.toISOString()}`,
      ),
    )
    .limit(1);
  return rows.length > 0;
}

/** Delivers every due, unsent reminder of the connection's meetings; returns how many. */
export async function deliverDueReminders(tx: TenantTx, connectionId: string, now: Date): Promise<number> {
  const sent = await tx
    .update(pfNotifications)
    .set({ sentAt: sql`now()` })
    .where(
      and(
        eq(pfNotifications.kind, MEETING_REMINDER_KIND),
        isNull(pfNotifications.sentAt),
        lte(pfNotifications.scheduledFor, now),
        sql`${pfNotifications.payload} ->> 'connection_id' = ${connectionId}`,
      ),
    )
    .returning({ id: pfNotifications.id });
  return sent.length;
}

/** When the connection's next unsent reminder is due (epoch ms), or null. */
export async function nextReminderAt(tx: TenantTx, connectionId: string): Promise<number | null> {
  const [row] = await tx
    .select({ at: pfNotifications.scheduledFor })
    .from(pfNotifications)
    .where(
      and(
        eq(pfNotifications.kind, MEETING_REMINDER_KIND),
        isNull(pfNotifications.sentAt),
        sql`${pfNotifications.payload} ->> 'connection_id' = ${connectionId}`,
      ),
    )
    .orderBy(asc(pfNotifications.scheduledFor))
    .limit(1);
  return row ? row.at.getTime() : null;
}

/** When the meeting's unsent reminder is due, or null (none planned, or already delivered). */
export async function reminderFor(tx: TenantTx, activityId: string): Promise<Date | null> {
  const [row] = await tx
    .select({ at: pfNotifications.scheduledFor })
    .from(pfNotifications)
    .where(
      and(
        eq(pfNotifications.kind, MEETING_REMINDER_KIND),
        isNull(pfNotifications.sentAt),
        sql`${pfNotifications.payload} ->> 'activity_id' = ${activityId}`,
      ),
    )
    .limit(1);
  return row?.at ?? null;
}

/** The unsent reminders of these meetings (RLS: the caller's own only), by activity id. */
export async function remindersOf(tx: TenantTx, activityIds: readonly string[]): Promise<Map<string, Date>> {
  if (activityIds.length === 0) return new Map();
  const rows = await tx
    .select({
      activityId: sql<string>`${pfNotifications.payload} ->> 'activity_id'`,
      at: pfNotifications.scheduledFor,
    })
    .from(pfNotifications)
    .where(
      and(
        eq(pfNotifications.kind, MEETING_REMINDER_KIND),
        isNull(pfNotifications.sentAt),
        inArray(sql`${pfNotifications.payload} ->> 'activity_id'`, [...activityIds]),
      ),
    );
  return new Map(rows.map((row) => [row.activityId, row.at]));
}
