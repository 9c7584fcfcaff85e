/**
 * Meetings of one connection, run inside its Durable Object (issue 15). Strategy (docs/decisions.md,
 * "Meetings"): an outbox. One transaction writes everything CE owns — the activity, the outbound
 * mirror row marked `pending` with the provider write it owes, the reminder, the idempotency key —
 * then the provider is called with CE's own id for the event (Google event id / Graph transactionId),
 * and a second transaction confirms. A provider that refuses a create on its first, answered call leaves
 * nothing behind (nothing exists on the provider); a refusal after an unanswered call keeps the rows as
 * `error`. Before each call the object plans its `meeting_outbox` row, so a meeting left `pending` (no
 * answer, an eviction, a failed confirm) is retried with the same idempotent call until the provider
 * confirms: a retry never creates a second event.
 *
 * Every method runs under the object's write lock (the caller holds it).
 */
import { lockSyncTarget } from '../../db/queries/events.ts';
import {
  confirmOutbound,
  deleteOutboundEvent,
  deleteUnsentMeeting,
  findIdempotencyKey,
  findMeeting,
  insertActivity,
  insertIdempotencyKey,
  insertOutboundEvent,
  type MeetingRows,
  PENDING_EVENT_PREFIX,
  pendingOutbox,
  queueOutbox,
  recordOutboxFailure,
  setOutboundMirror,
  updateActivity,
} from '../../db/queries/meetings.ts';
import {
  deliverDueReminders,
  nextReminderAt,
  planReminder,
  reminderFor,
  withdrawConnectionReminders,
  withdrawReminders,
} from '../../db/queries/notifications.ts';
import { readModuleSettings } from '../../db/queries/settings.ts';
import { Database, type TenantTx } from '../../db/tenant.ts';
import { describeError, log } from '../../worker/log.ts';
import { ProviderError, type ProviderErrorCode } from '../../worker/providers/errors.ts';
import type { CalendarProvider, MeetingDraft, WrittenMeeting } from '../../worker/providers/types.ts';
import { horizonAt } from '../../worker/sync/horizon.ts';
import { type ConnectionIdentity, claimsOf, type ObjectEnv } from '../identity.ts';
import type { Schedule } from '../schedule.ts';
import { recomputeSeries } from '../sync/page-writer.ts';
import type { AccessTokenResult } from '../token-refresher.ts';
import { OUTBOX_MAX_ATTEMPTS, outboxRetryDelayMs, reminderDueAt } from './timing.ts';
import type {
  MeetingAttendeeState,
  MeetingInput,
  MeetingOutcome,
  MeetingPatch,
  MeetingView,
} from './types.ts';
import { meetingView } from './view.ts';

/** Storage flag: this connection has meetings, so a sync run re-plans reminders afterwards. */
const HAS_MEETINGS_KEY = 'hasMeetings';
const MINUTE_MS = 60_000;
/**
 * How long after a provider call starts the outbox checks that it was answered. Planned before the
 * call, in the object's own storage: an eviction or a failing confirm after the provider accepted still
 * ends with the same idempotent write sent again.
 */
const OUTBOX_GUARD_MS = 60_000;

/** Provider answers worth retrying: the write may still succeed later. */
const RETRYABLE: ReadonlySet<ProviderErrorCode | 'not_found' | 'not_attached'> = new Set([
  'temporary',
  'rate_limited',
  'quota_exceeded',
  'unauthorized',
  'unknown',
]);

export interface DeskContext {
  env: ObjectEnv;
  storage: DurableObjectStorage;
  schedule: Schedule;
  armAlarm(): Promise<void>;
  accessToken(
    identity: ConnectionIdentity,
    correlationId: string,
    force: boolean,
  ): Promise<AccessTokenResult>;
  provider(identity: ConnectionIdentity): CalendarProvider;
}

interface Loaded {
  calendarId: string;
  rows: MeetingRows;
}

interface Prepared {
  activityId: string;
  replayed: boolean;
  /** Set for a new meeting: its rows as inserted. */
  loaded?: Loaded;
}

type PushResult =
  | { kind: 'synced' | 'nothing' | 'failed' }
  | { kind: 'retry'; retryAfterSeconds?: number }
  | { kind: 'rejected'; code: string };

export class MeetingDesk {
  constructor(private readonly context: DeskContext) {}

  async create(
    identity: ConnectionIdentity,
    input: MeetingInput,
    correlationId: string,
  ): Promise<MeetingOutcome> {
    return this.#withDatabase(async (db) => {
      const claims = claimsOf(identity);
      let prepared: Prepared | { conflict: true } | { gone: true };
      try {
        prepared = await db.asTenant(claims, (tx) => this.#prepareCreate(tx, identity, input));
      } catch (error) {
        // Another user's key of the organization, or the same key racing on another connection.
        if (sqlStateOf(error) === '23505') prepared = { conflict: true };
        else throw error;
      }
      if ('conflict' in prepared)
        return fail('idempotency_conflict', 'This Idempotency-Key was used with a different request');
      if ('gone' in prepared) return fail('not_found', 'Connection not found');
      await this.context.storage.put(HAS_MEETINGS_KEY, true);
      // A replay of a meeting whose provider write is still owed drives it now (the client retried).
      const pushed = await this.#push(db, identity, prepared.activityId, correlationId, prepared.loaded);
      const view = await this.#finish(db, identity, prepared.activityId);
      if (pushed.kind === 'rejected') return this.#rejected(pushed.code);
      if (!view) return fail('not_found', 'Meeting not found');
      log('info', 'meeting created', {
        correlationId,
        connection_id: identity.connectionId,
        activity_id: prepared.activityId,
        replayed: prepared.replayed,
        sync_status: view.syncStatus,
        attendee_count: view.attendees.length,
      });
      return { ok: true, meeting: view, replayed: prepared.replayed };
    });
  }

  async update(
    identity: ConnectionIdentity,
    activityId: string,
    patch: MeetingPatch,
    correlationId: string,
  ): Promise<MeetingOutcome> {
    return this.#withDatabase(async (db) => {
      const nowMs = Date.now();
      const outcome = await db.asTenant(claimsOf(identity), async (tx) => {
        const rows = await findMeeting(tx, activityId);
        if (!rows || rows.activity.connectionId !== identity.connectionId) return 'not_found' as const;
        if (rows.activity.status === 'cancelled') return 'cancelled' as const;
        await this.#applyPatch(tx, identity, rows, patch, nowMs);
        return 'queued' as const;
      });
      if (outcome === 'not_found') return fail('not_found', 'Meeting not found');
      if (outcome === 'cancelled') return fail('cancelled', 'The meeting is cancelled');
      const pushed = await this.#push(db, identity, activityId, correlationId);
      const view = await this.#finish(db, identity, activityId);
      if (pushed.kind === 'rejected') return this.#rejected(pushed.code);
      return view ? { ok: true, meeting: view, replayed: false } : fail('not_found', 'Meeting not found');
    });
  }

  async cancel(
    identity: ConnectionIdentity,
    activityId: string,
    correlationId: string,
  ): Promise<MeetingOutcome> {
    return this.#withDatabase(async (db) => {
      const found = await db.asTenant(claimsOf(identity), async (tx) => {
        const rows = await findMeeting(tx, activityId);
        if (!rows || rows.activity.connectionId !== identity.connectionId) return false;
        if (rows.activity.status !== 'cancelled') {
          await updateActivity(tx, activityId, { status: 'cancelled', cancelledAt: new Date() });
          await withdrawReminders(tx, activityId);
          if (rows.event) await queueOutbox(tx, rows.event.id, 'delete');
        }
        return true;
      });
      if (!found) return fail('not_found', 'Meeting not found');
      const pushed = await this.#push(db, identity, activityId, correlationId);
      const view = await this.#finish(db, identity, activityId);
      if (pushed.kind === 'rejected') return this.#rejected(pushed.code);
      return view ? { ok: true, meeting: view, replayed: false } : fail('not_found', 'Meeting not found');
    });
  }

  /** Schedule kind `meeting_outbox`: every provider write still owed, retried. */
  async runOutbox(identity: ConnectionIdentity, correlationId: string): Promise<string> {
    return this.#withDatabase(async (db) => {
      const pending = await db.asTenant(claimsOf(identity), (tx) => pendingOutbox(tx, identity.connectionId));
      let synced = 0;
      for (const activityId of pending) {
        const result = await this.#push(db, identity, activityId, correlationId);
        if (result.kind === 'synced') synced += 1;
      }
      await this.#planReminders(db, identity);
      return `outbox ${synced}/${pending.length}`;
    });
  }

  /** Schedule kind `reminder`: delivers the due reminders (once: a conditional UPDATE), plans the next. */
  async deliverReminders(identity: ConnectionIdentity, correlationId: string): Promise<string> {
    return this.#withDatabase(async (db) => {
      const sent = await db.asTenant(claimsOf(identity), (tx) =>
        deliverDueReminders(tx, identity.connectionId, new Date()),
      );
      await this.#planReminders(db, identity);
      if (sent > 0)
        log('info', 'meeting reminders delivered', {
          correlationId,
          connection_id: identity.connectionId,
          sent,
        });
      return `reminders ${sent}`;
    });
  }

  /**
   * The calendar was disconnected (its rows are gone with the connection): nothing will deliver its
   * unsent reminders any more, so they are withdrawn. Returns how many.
   */
  async disconnected(identity: ConnectionIdentity): Promise<number> {
    return this.#withDatabase((db) =>
      db.asTenant(claimsOf(identity), (tx) => withdrawConnectionReminders(tx, identity.connectionId)),
    );
  }

  /** After a sync run: inbound changes may have moved or withdrawn reminders. */
  async afterSync(identity: ConnectionIdentity): Promise<void> {
    if (!(await this.context.storage.get<boolean>(HAS_MEETINGS_KEY))) return;
    await this.#withDatabase(async (db) => {
      const owed = await db.asTenant(claimsOf(identity), (tx) => pendingOutbox(tx, identity.connectionId));
      // Follow-back skips rows with an owed write: make sure each has a retry planned.
      if (owed.length > 0)
        this.context.schedule.schedule('meeting_outbox', Date.now() + OUTBOX_GUARD_MS, {}, 'earliest');
      await this.#planReminders(db, identity);
    });
  }

  async #prepareCreate(
    tx: TenantTx,
    identity: ConnectionIdentity,
    input: MeetingInput,
  ): Promise<Prepared | { conflict: true } | { gone: true }> {
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
    await planReminder(tx, {
      organizationId: identity.organizationId,
      userId: identity.userId,
      activityId,
      connectionId: identity.connectionId,
      version: 1,
      startsAt,
      scheduledFor: new Date(
        reminderDueAt(input.startMs, settings.calendar_pre_meeting_notification_minutes, Date.now()),
      ),
      subject: input.title,
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

  async #applyPatch(
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
      await planReminder(tx, {
        organizationId: identity.organizationId,
        userId: identity.userId,
        activityId: activity.id,
        connectionId: identity.connectionId,
        version,
        startsAt: new Date(startMs),
        scheduledFor: new Date(
          reminderDueAt(startMs, settings.calendar_pre_meeting_notification_minutes, nowMs),
        ),
        subject,
      });
    }
    // A create still owed sends the newest state anyway.
    if (event) await queueOutbox(tx, event.id, event.outboxOperation === 'create' ? 'create' : 'update');
  }

  /** Sends the provider write the meeting's outbound row owes, and records the answer. */
  async #push(
    db: Database,
    identity: ConnectionIdentity,
    activityId: string,
    correlationId: string,
    preloaded?: Loaded,
  ): Promise<PushResult> {
    const claims = claimsOf(identity);
    // A create just prepared passes its rows (one transaction less on the hot path).
    const loaded =
      preloaded ??
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
      // Only a create prepared in this very call is its first provider call: nothing earlier went unanswered.
      const firstCall = preloaded !== undefined;
      return this.#pushFailed(db, identity, activityId, event.id, operation, error, correlationId, firstCall);
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

  async #pushFailed(
    db: Database,
    identity: ConnectionIdentity,
    activityId: string,
    eventId: string,
    operation: 'create' | 'update' | 'delete',
    error: unknown,
    correlationId: string,
    firstCall: boolean,
  ): Promise<PushResult> {
    const code: string = error instanceof ProviderError ? error.code : 'unknown';
    const retryable = RETRYABLE.has(code as ProviderErrorCode);
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

  /** A provider call with the connection's token; a rejected token is refreshed once. */
  async #withToken<T>(
    identity: ConnectionIdentity,
    correlationId: string,
    call: (token: string) => Promise<T>,
  ): Promise<T> {
    let token = await this.context.accessToken(identity, correlationId, false);
    if (!token.ok) throw new ProviderError(asProviderCode(token.code), token.message);
    try {
      return await call(token.accessToken);
    } catch (error) {
      if (!(error instanceof ProviderError) || error.code !== 'unauthorized') throw error;
      token = await this.context.accessToken(identity, correlationId, true);
      if (!token.ok) throw new ProviderError(asProviderCode(token.code), token.message);
      return call(token.accessToken);
    }
  }

  /** The object's single `reminder` row points at the connection's next unsent reminder. */
  async #planReminders(db: Database, identity: ConnectionIdentity): Promise<void> {
    const next = await db.asTenant(claimsOf(identity), (tx) => nextReminderAt(tx, identity.connectionId));
    this.#scheduleReminder(next);
    await this.context.armAlarm();
  }

  /** One transaction after a write: the meeting as stored, and the reminder row re-planned. */
  async #finish(
    db: Database,
    identity: ConnectionIdentity,
    activityId: string,
  ): Promise<MeetingView | undefined> {
    const { next, view } = await db.asTenant(claimsOf(identity), async (tx) => {
      const next = await nextReminderAt(tx, identity.connectionId);
      const rows = await findMeeting(tx, activityId);
      return { next, view: rows ? meetingView(rows, await reminderFor(tx, activityId)) : undefined };
    });
    this.#scheduleReminder(next);
    await this.context.armAlarm();
    return view;
  }

  #scheduleReminder(next: number | null): void {
    this.context.schedule.removeKinds(['reminder']);
    if (next !== null) this.context.schedule.schedule('reminder', Math.max(next, Date.now()), {});
  }

  #rejected(code: string): MeetingOutcome {
    return code === 'invalid_grant' || code === 'missing_refresh_token'
      ? fail('reconnect_required', 'The calendar connection needs to be reconnected')
      : fail('provider_rejected', `The calendar provider refused the meeting (${code})`);
  }

  async #withDatabase<T>(work: (db: Database) => Promise<T>): Promise<T> {
    const db = new Database(this.context.env);
    try {
      return await work(db);
    } finally {
      await db.close();
    }
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

const fail = (reason: Exclude<MeetingOutcome, { ok: true }>['reason'], message: string): MeetingOutcome => ({
  ok: false,
  reason,
  message,
});

function asProviderCode(code: string): ProviderErrorCode {
  return code === 'not_attached' || code === 'not_found' ? 'unknown' : (code as ProviderErrorCode);
}

function sqlStateOf(error: unknown): string | undefined {
  for (let current: unknown = error, depth = 0; current && depth < 5; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}
