/**
 * The meeting outbox worker inside the connection object (issue 15). A meeting's outbound mirror row
 * names the provider write it still owes (`outbox_operation`); `send` makes that write with CE's own
 * id for the event (Google event id / Graph transactionId), so repeating it never creates a second
 * event, and records the answer. Before each call it plans a `meeting_outbox` schedule row in the
 * object's own storage: an eviction, a lost answer or a failing confirm ends with the same idempotent
 * write sent again. Failures are classified here: retried with back-off, refused for good (`error`),
 * gone on the provider (cancelled here too), or refused on a create's first answered call (nothing kept).
 */
import { lockSyncTarget } from '../../db/queries/events.ts';
import {
  confirmOutbound,
  deleteOutboundEvent,
  deleteUnsentMeeting,
  findMeeting,
  type MeetingRows,
  type OutboxOperation,
  PENDING_EVENT_PREFIX,
  pendingOutbox,
  recordOutboxFailure,
  setOutboundMirror,
  updateActivity,
} from '../../db/queries/meetings.ts';
import { withdrawReminders } from '../../db/queries/notifications.ts';
import type { Database, TenantTx } from '../../db/tenant.ts';
import { describeError, log } from '../../worker/log.ts';
import { isRetryableCode, ProviderError, type ProviderErrorCode } from '../../worker/providers/errors.ts';
import type { MeetingDraft, WrittenMeeting } from '../../worker/providers/types.ts';
import { horizonAt } from '../../worker/sync/horizon.ts';
import { type ConnectionIdentity, claimsOf } from '../identity.ts';
import { recomputeSeries } from '../sync/page-writer.ts';
import { withAccessToken } from '../token-call.ts';
import type { DeskContext } from './context.ts';
import { OUTBOX_MAX_ATTEMPTS, outboxRetryDelayMs } from './timing.ts';
import type { MeetingAttendeeState } from './types.ts';

/**
 * How long after a provider call starts the outbox checks that it was answered. Planned before the
 * call, in the object's own storage: an eviction or a failing confirm after the provider accepted still
 * ends with the same idempotent write sent again.
 */
const OUTBOX_GUARD_MS = 60_000;

/** A meeting's rows with the provider calendar they go to. */
export interface Loaded {
  calendarId: string;
  rows: MeetingRows;
}

export type SendResult =
  | { kind: 'synced' | 'nothing' | 'failed' }
  | { kind: 'retry'; retryAfterSeconds?: number }
  | { kind: 'rejected'; code: string };

/** A provider write that failed, with what deciding its consequence needs. */
interface SendFailure {
  identity: ConnectionIdentity;
  activityId: string;
  /** The outbound mirror row that owes the write. */
  eventId: string;
  operation: OutboxOperation;
  error: unknown;
  correlationId: string;
  /** The create prepared in this very call: no earlier call of it went unanswered. */
  firstCall: boolean;
}

export class MeetingOutbox {
  constructor(private readonly context: DeskContext) {}

  /**
   * Sends the provider write the meeting's outbound row owes, and records the answer. A create just
   * prepared passes its rows (`justPrepared`): one transaction less on the hot path, and it marks the
   * create's first call.
   */
  async send(
    db: Database,
    identity: ConnectionIdentity,
    activityId: string,
    correlationId: string,
    justPrepared?: Loaded,
  ): Promise<SendResult> {
    const claims = claimsOf(identity);
    const loaded =
      justPrepared ??
      (await db.asTenant(claims, async (tx): Promise<Loaded | undefined> => {
        const target = await lockSyncTarget(tx, identity.connectionId);
        const rows = await findMeeting(tx, activityId);
        return target && rows ? { calendarId: target.providerCalendarId, rows } : undefined;
      }));
    const event = loaded?.rows.event;
    if (!loaded || !event?.outboxOperation) return { kind: 'nothing' };
    const { activity } = loaded.rows;
    const operation = event.outboxOperation;
    const provider = this.context.provider(identity);
    const draft: MeetingDraft = {
      tag: activity.id,
      calendarId: loaded.calendarId,
      title: activity.subject,
      startMs: activity.startsAt.getTime(),
      endMs: activity.endsAt.getTime(),
      timeZone: activity.timeZone ?? 'UTC',
      attendees: activity.attendees as MeetingAttendeeState[],
      description: activity.description,
      location: activity.location,
      conference: activity.conference,
    };
    const confirmed = event.providerEventId.startsWith(PENDING_EVENT_PREFIX) ? null : event.providerEventId;
    this.context.schedule.schedule(
      'meeting_outbox',
      Date.now() + OUTBOX_GUARD_MS,
      { correlationId },
      'earliest',
    );
    await this.context.armAlarm();
    let written: WrittenMeeting | 'deleted';
    try {
      written = await this.#withToken(identity, correlationId, async (token) => {
        if (operation === 'delete') {
          // A create whose answer was lost: the idempotent create finds the event to delete.
          const id = confirmed ?? (await provider.createEvent(token, draft)).providerEventId;
          await provider.deleteEvent(token, loaded.calendarId, id);
          return 'deleted' as const;
        }
        if (operation === 'create' || !confirmed) return provider.createEvent(token, draft);
        const { tag: _tag, calendarId: _calendar, conference: _conference, ...change } = draft;
        return provider.updateEvent(token, loaded.calendarId, confirmed, change);
      });
    } catch (error) {
      return this.#failed(db, {
        identity,
        activityId,
        eventId: event.id,
        operation,
        error,
        correlationId,
        firstCall: justPrepared !== undefined,
      });
    }
    const stillOwed = await db.asTenant(claims, async (tx) => {
      if (written === 'deleted') {
        await deleteOutboundEvent(tx, event.id);
        return pendingOutbox(tx, identity.connectionId);
      }
      await confirmOutbound(tx, event, written);
      await mirrorActivity(tx, event.id, draft);
      // What only the provider's answer knows: the video link and the event's own page.
      const learnt = {
        ...(written.conferenceUrl ? { conferenceUrl: written.conferenceUrl } : {}),
        ...(written.link ? { providerLink: written.link } : {}),
      };
      if (Object.keys(learnt).length > 0) await updateActivity(tx, activity.id, learnt);
      await recomputeSeries(
        tx,
        identity,
        provider.seriesExpansion,
        [written.providerEventId],
        horizonAt(Date.now()),
      );
      return pendingOutbox(tx, identity.connectionId);
    });
    // Nothing else owed: the guard planned before the call has no work left.
    if (stillOwed.length === 0) this.context.schedule.removeKinds(['meeting_outbox']);
    return { kind: 'synced' };
  }

  /** Schedule kind `meeting_outbox`: every provider write still owed, sent again; how many got through. */
  async sendAllOwed(
    db: Database,
    identity: ConnectionIdentity,
    correlationId: string,
  ): Promise<{ synced: number; owed: number }> {
    const owed = await db.asTenant(claimsOf(identity), (tx) => pendingOutbox(tx, identity.connectionId));
    let synced = 0;
    for (const activityId of owed) {
      const result = await this.send(db, identity, activityId, correlationId);
      if (result.kind === 'synced') synced += 1;
    }
    return { synced, owed: owed.length };
  }

  /** After a sync run: follow-back skips rows with an owed write, so each must have a retry planned. */
  async guardOwed(db: Database, identity: ConnectionIdentity): Promise<void> {
    const owed = await db.asTenant(claimsOf(identity), (tx) => pendingOutbox(tx, identity.connectionId));
    if (owed.length > 0)
      this.context.schedule.schedule('meeting_outbox', Date.now() + OUTBOX_GUARD_MS, {}, 'earliest');
  }

  async #failed(db: Database, failure: SendFailure): Promise<SendResult> {
    const { identity, activityId, eventId, operation, error, correlationId, firstCall } = failure;
    const code: string = error instanceof ProviderError ? error.code : 'unknown';
    const retryable = isRetryableCode(code);
    log('warn', 'meeting provider write failed', {
      correlationId,
      connection_id: identity.connectionId,
      activity_id: activityId,
      operation,
      error_code: code,
      retryable,
      ...(error instanceof ProviderError ? {} : describeError(error)),
    });
    const claims = claimsOf(identity);
    if (code === 'not_found' && !(operation === 'create' && firstCall)) {
      // The event is gone on the provider (deleted while CE's write was owed, 404/410 on update, or a
      // repeated create finding it cancelled): the meeting is cancelled there, so it is here too.
      await db.asTenant(claims, async (tx) => {
        if (operation !== 'delete') {
          await updateActivity(tx, activityId, { status: 'cancelled', cancelledAt: new Date() });
          await withdrawReminders(tx, activityId);
        }
        await deleteOutboundEvent(tx, eventId);
      });
      return { kind: 'failed' };
    }
    if (!retryable && operation === 'create' && firstCall) {
      // Refused on the first call, answered: nothing exists on the provider, so nothing stays here either
      // (the key goes with it). A refusal after an unanswered call keeps the rows (below, `error`): the
      // provider may hold the event from that earlier call.
      await db.asTenant(claims, async (tx) => {
        await withdrawReminders(tx, activityId);
        await deleteUnsentMeeting(tx, activityId);
      });
      return { kind: 'rejected', code };
    }
    const attempts = await db.asTenant(claims, (tx) =>
      recordOutboxFailure(tx, eventId, retryable ? OUTBOX_MAX_ATTEMPTS : 0),
    );
    // Changes CE already holds stay; the meeting shows `sync_status: error` and a later change retries.
    if (!retryable || attempts >= OUTBOX_MAX_ATTEMPTS) return { kind: 'failed' };
    const retryAfter = error instanceof ProviderError ? error.retryAfterSeconds : undefined;
    const dueAt = Date.now() + outboxRetryDelayMs(attempts, Math.random(), retryAfter);
    this.context.schedule.schedule('meeting_outbox', dueAt, { correlationId }, 'earliest');
    await this.context.armAlarm();
    return retryAfter === undefined ? { kind: 'retry' } : { kind: 'retry', retryAfterSeconds: retryAfter };
  }

  /** A provider call with the connection's token; a rejected token is refreshed once (token-call.ts). */
  #withToken<T>(
    identity: ConnectionIdentity,
    correlationId: string,
    call: (token: string) => Promise<T>,
  ): Promise<T> {
    return withAccessToken(
      (force) => this.context.accessToken(identity, correlationId, force),
      (failure) => new ProviderError(asProviderCode(failure.code), failure.message),
      call,
    );
  }
}

/** The mirror row shows what CE asked for until the provider's own copy syncs back. */
async function mirrorActivity(tx: TenantTx, eventId: string, draft: MeetingDraft): Promise<void> {
  await setOutboundMirror(tx, eventId, {
    title: draft.title,
    description: draft.description,
    location: draft.location,
    startAt: new Date(draft.startMs),
    endAt: new Date(draft.endMs),
    timeZone: draft.timeZone,
  });
}

function asProviderCode(code: string): ProviderErrorCode {
  return code === 'not_attached' || code === 'not_found' ? 'unknown' : (code as ProviderErrorCode);
}
