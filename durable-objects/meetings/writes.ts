/**
 * What a meeting create or change writes in CE's own transaction, before any provider call (issue
 * 15): the activity (CE's wanted state), the outbound mirror row marked `pending` with the provider
 * write it owes (the outbox), the reminder of its start, and the idempotency key. The outbox worker
 * (outbox.ts) then sends what the row owes.
 */
import { lockSyncTarget } from '../../db/queries/events.ts';
import {
  findIdempotencyKey,
  insertActivity,
  insertIdempotencyKey,
  insertOutboundEvent,
  type MeetingRows,
  PENDING_EVENT_PREFIX,
  queueOutbox,
  updateActivity,
} from '../../db/queries/meetings.ts';
import { readModuleSettings } from '../../db/queries/settings.ts';
import type { TenantTx } from '../../db/tenant.ts';
import type { ConnectionIdentity } from '../identity.ts';
import type { Loaded } from './outbox.ts';
import { planStartReminder } from './reminder-plan.ts';
import type { MeetingAttendeeState, MeetingInput, MeetingPatch } from './types.ts';

const MINUTE_MS = 60_000;

export type Prepared =
  | {
      activityId: string;
      replayed: boolean;
      /** Set for a new meeting: its rows as inserted. */
      loaded?: Loaded;
    }
  | { conflict: true }
  | { gone: true };

/** A new meeting's rows, or the meeting an Idempotency-Key already holds (or a conflict with it). */
export async function prepareCreate(
  tx: TenantTx,
  identity: ConnectionIdentity,
  input: MeetingInput,
): Promise<Prepared> {
  const target = await lockSyncTarget(tx, identity.connectionId);
  if (!target) return { gone: true };
  if (input.idempotency) {
    const existing = await findIdempotencyKey(tx, input.idempotency.key);
    if (existing)
      return existing.requestHash === input.idempotency.requestHash
        ? { activityId: existing.activityId, replayed: true }
        : { conflict: true };
  }
  const settings = await readModuleSettings(tx);
  const duration = input.durationMinutes ?? settings.calendar_default_meeting_duration_minutes;
  const activityId = crypto.randomUUID();
  const startsAt = new Date(input.startMs);
  const endsAt = new Date(input.startMs + duration * MINUTE_MS);
  const attendees: MeetingAttendeeState[] = input.attendees.map((email) => ({
    email,
    responseStatus: 'needsAction',
  }));
  const activity = await insertActivity(tx, {
    id: activityId,
    organizationId: identity.organizationId,
    ownerUserId: identity.userId,
    type: 'meeting',
    subject: input.title,
    startsAt,
    endsAt,
    connectionId: identity.connectionId,
    status: 'scheduled',
    timeZone: input.timeZone,
    description: input.description,
    location: input.location,
    attendees,
    conference: input.conference,
  });
  const pendingId = `${PENDING_EVENT_PREFIX}${activityId}`;
  const event = await insertOutboundEvent(tx, {
    organizationId: identity.organizationId,
    connectionId: identity.connectionId,
    providerEventId: pendingId,
    seriesKey: pendingId,
    title: input.title,
    description: input.description,
    location: input.location,
    startAt: startsAt,
    endAt: endsAt,
    timeZone: input.timeZone,
    attendees: [],
    syncDirection: 'outbound',
    syncStatus: 'pending',
    activityId,
    appTag: activityId,
    outboxOperation: 'create',
  });
  await planStartReminder(tx, {
    organizationId: identity.organizationId,
    userId: identity.userId,
    activityId,
    connectionId: identity.connectionId,
    version: 1,
    startMs: input.startMs,
    subject: input.title,
    minutesBefore: settings.calendar_pre_meeting_notification_minutes,
    nowMs: Date.now(),
  });
  if (input.idempotency)
    await insertIdempotencyKey(tx, {
      organizationId: identity.organizationId,
      userId: identity.userId,
      key: input.idempotency.key,
      requestHash: input.idempotency.requestHash,
      activityId,
    });
  return {
    activityId,
    replayed: false,
    loaded: { calendarId: target.providerCalendarId, rows: { activity, event } },
  };
}

/** A change of the meeting: the activity takes it, the outbox owes it, a moved start gets its reminder. */
export async function applyPatch(
  tx: TenantTx,
  identity: ConnectionIdentity,
  rows: MeetingRows,
  patch: MeetingPatch,
  nowMs: number,
): Promise<void> {
  const { activity, event } = rows;
  const oldStart = activity.startsAt.getTime();
  const duration =
    patch.durationMinutes !== undefined
      ? patch.durationMinutes * MINUTE_MS
      : activity.endsAt.getTime() - oldStart;
  const startMs = patch.startMs ?? oldStart;
  const endMs = startMs + duration;
  // A reminder belongs to a start: only a new start re-plans it (an end-only change would otherwise
  // deliver a second reminder for a start that already had one, issue 20 §2).
  const startMoved = startMs !== oldStart;
  const version = startMoved ? activity.version + 1 : activity.version;
  const known = new Map(
    (activity.attendees as MeetingAttendeeState[]).map((a) => [a.email.toLowerCase(), a.responseStatus]),
  );
  const attendees = patch.attendees?.map((email) => ({
    email,
    responseStatus: known.get(email.toLowerCase()) ?? ('needsAction' as const),
  }));
  const subject = patch.title ?? activity.subject;
  await updateActivity(tx, activity.id, {
    subject,
    startsAt: new Date(startMs),
    endsAt: new Date(endMs),
    version,
    ...(patch.timeZone !== undefined ? { timeZone: patch.timeZone } : {}),
    ...(patch.description !== undefined ? { description: patch.description } : {}),
    ...(patch.location !== undefined ? { location: patch.location } : {}),
    ...(attendees ? { attendees } : {}),
  });
  if (startMoved) {
    const settings = await readModuleSettings(tx);
    await planStartReminder(tx, {
      organizationId: identity.organizationId,
      userId: identity.userId,
      activityId: activity.id,
      connectionId: identity.connectionId,
      version,
      startMs,
      subject,
      minutesBefore: settings.calendar_pre_meeting_notification_minutes,
      nowMs,
    });
  }
  // A create still owed sends the newest state anyway.
  if (event) await queueOutbox(tx, event.id, event.outboxOperation === 'create' ? 'create' : 'update');
}
