/**
 * The sync engine's hook for meetings (issue 15), run inside each page's transaction before its
 * writes: an outbound row still waiting for its provider id takes the id its tag arrived with (so the
 * upsert updates it instead of adding a duplicate), and changes made on the provider to a meeting CE
 * created flow back to its activity and reminder. A meeting with a provider write still owed is left
 * alone: CE's change is on its way and wins.
 */
import { adoptPendingRows, outboundRowsFor, updateActivity } from '../../db/queries/meetings.ts';
import { withdrawReminders } from '../../db/queries/notifications.ts';
import { readModuleSettings } from '../../db/queries/settings.ts';
import type { TenantTx } from '../../db/tenant.ts';
import type { PagePlan } from '../../worker/sync/page-plan.ts';
import type { ConnectionIdentity } from '../identity.ts';
import { followChange } from './follow-plan.ts';
import { planStartReminder } from './reminder-plan.ts';
import type { MeetingAttendeeState } from './types.ts';

export async function followOutboundMeetings(
  tx: TenantTx,
  identity: ConnectionIdentity,
  plan: PagePlan,
  nowMs: number,
): Promise<void> {
  const connectionId = identity.connectionId;
  const tagged = plan.upserts.flatMap((event) =>
    event.appTag ? [{ tag: event.appTag, providerEventId: event.providerEventId }] : [],
  );
  if (tagged.length > 0) await adoptPendingRows(tx, connectionId, tagged);
  const deleted = new Set([...plan.deletions, ...plan.rowDeletions]);
  const incoming = new Map(plan.upserts.map((event) => [event.providerEventId, event]));
  const rows = await outboundRowsFor(tx, connectionId, [...deleted, ...incoming.keys()]);
  let preMinutes: number | undefined;
  for (const { event, activity } of rows) {
    if (event.outboxOperation !== null || activity.status === 'cancelled') continue;
    const change = followChange(
      {
        subject: activity.subject,
        startsAtMs: activity.startsAt.getTime(),
        endsAtMs: activity.endsAt.getTime(),
        attendees: activity.attendees as MeetingAttendeeState[],
      },
      deleted.has(event.providerEventId) ? 'deleted' : (incoming.get(event.providerEventId) ?? 'deleted'),
    );
    if (change.kind === 'none') continue;
    if (change.kind === 'cancel') {
      await updateActivity(tx, activity.id, { status: 'cancelled', cancelledAt: new Date(nowMs) });
      await withdrawReminders(tx, activity.id);
      continue;
    }
    // The version names the start a reminder belongs to: an end-only change keeps both (issue 20 §2).
    const startChanged = change.moved?.startChanged === true;
    const version = startChanged ? activity.version + 1 : activity.version;
    await updateActivity(tx, activity.id, {
      ...(change.subject === undefined ? {} : { subject: change.subject }),
      ...(change.attendees ? { attendees: change.attendees } : {}),
      ...(change.moved
        ? { startsAt: new Date(change.moved.startsAtMs), endsAt: new Date(change.moved.endsAtMs), version }
        : {}),
    });
    if (change.moved && startChanged) {
      preMinutes ??= (await readModuleSettings(tx)).calendar_pre_meeting_notification_minutes;
      await planStartReminder(tx, {
        organizationId: identity.organizationId,
        userId: activity.ownerUserId,
        activityId: activity.id,
        connectionId: identity.connectionId,
        version,
        startMs: change.moved.startsAtMs,
        subject: activity.subject,
        minutesBefore: preMinutes,
        nowMs,
      });
    }
  }
}
