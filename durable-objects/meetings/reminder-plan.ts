/**
 * Planning a meeting's reminder in the caller's transaction (issue 15; issue 20 §2): a reminder
 * belongs to a start, so it is planned when a meeting is created and when its start moves (by CE or
 * on the provider), never for an end-only change; a start that already had its reminder delivered
 * gets none (db/queries/notifications.ts `planReminder`).
 */
import { planReminder } from '../../db/queries/notifications.ts';
import type { TenantTx } from '../../db/tenant.ts';
import { reminderDueAt } from './timing.ts';

/** The reminder of one meeting's start, to plan in the caller's transaction. */
export interface StartReminder {
  organizationId: string;
  /** The organizer: the reminder is theirs. */
  userId: string;
  activityId: string;
  connectionId: string;
  /** The meeting's start version (bumped only when the start moves). */
  version: number;
  startMs: number;
  subject: string;
  /** The organization's `calendar_pre_meeting_notification_minutes`. */
  minutesBefore: number;
  nowMs: number;
}

/** Plans the reminder of the meeting's current start (none when that start already had one delivered). */
export async function planStartReminder(tx: TenantTx, reminder: StartReminder): Promise<void> {
  await planReminder(tx, {
    organizationId: reminder.organizationId,
    userId: reminder.userId,
    activityId: reminder.activityId,
    connectionId: reminder.connectionId,
    version: reminder.version,
    startsAt: new Date(reminder.startMs),
    scheduledFor: new Date(reminderDueAt(reminder.startMs, reminder.minutesBefore, reminder.nowMs)),
    subject: reminder.subject,
  });
}
