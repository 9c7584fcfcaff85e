/**
 * Meetings of one connection, run inside its Durable Object (issue 15): the object's meeting RPCs.
 * Strategy (docs/decisions.md, "Meetings"): an outbox. One transaction writes everything CE owns
 * (writes.ts: the activity, the outbound mirror row marked `pending` with the provider write it owes,
 * the reminder, the idempotency key), then the outbox worker (outbox.ts) calls the provider with CE's
 * own id for the event and a second transaction confirms. A provider that refuses a create on its
 * first, answered call leaves nothing behind; a meeting left `pending` (no answer, an eviction, a
 * failed confirm) is retried with the same idempotent call until the provider confirms, so a retry
 * never creates a second event. Reminders (reminders.ts) belong to a start; answers are made by the
 * view (view.ts).
 *
 * Every method runs under the object's write lock (the caller holds it).
 */
import { findMeeting, queueOutbox, updateActivity } from '../../db/queries/meetings.ts';
import { nextReminderAt, reminderFor, withdrawReminders } from '../../db/queries/notifications.ts';
import type { Database } from '../../db/tenant.ts';
import { findSqlState } from '../../worker/errors.ts';
import { log } from '../../worker/log.ts';
import { providerSentence } from '../../worker/providers/sentences.ts';
import { type ConnectionIdentity, claimsOf } from '../identity.ts';
import type { StorageKey } from '../storage.ts';
import { usingDatabase } from '../with-database.ts';
import type { DeskContext } from './context.ts';
import { MeetingOutbox } from './outbox.ts';
import { MeetingReminders } from './reminders.ts';
import type { MeetingInput, MeetingOutcome, MeetingPatch, MeetingView } from './types.ts';
import { meetingView } from './view.ts';
import { applyPatch, type Prepared, prepareCreate } from './writes.ts';

export type { DeskContext } from './context.ts';

/** Storage flag: this connection has meetings, so a sync run re-plans reminders afterwards. */
const HAS_MEETINGS_KEY = 'hasMeetings' as const satisfies StorageKey;

export class MeetingDesk {
  readonly #outbox: MeetingOutbox;
  readonly #reminders: MeetingReminders;

  constructor(private readonly context: DeskContext) {
    this.#outbox = new MeetingOutbox(context);
    this.#reminders = new MeetingReminders(context);
  }

  async create(
    identity: ConnectionIdentity,
    input: MeetingInput,
    correlationId: string,
  ): Promise<MeetingOutcome> {
    return this.#withDatabase(async (db) => {
      let prepared: Prepared;
      try {
        prepared = await db.asTenant(claimsOf(identity), (tx) => prepareCreate(tx, identity, input));
      } catch (error) {
        // Another user's key of the organization, or the same key racing on another connection.
        if (findSqlState(error) === '23505') prepared = { conflict: true };
        else throw error;
      }
      if ('conflict' in prepared)
        return fail('idempotency_conflict', 'This Idempotency-Key was used with a different request');
      if ('gone' in prepared) return fail('not_found', 'Connection not found');
      await this.context.storage.write(HAS_MEETINGS_KEY, true);
      // A replay of a meeting whose provider write is still owed drives it now (the client retried).
      const sent = await this.#outbox.send(db, identity, prepared.activityId, correlationId, prepared.loaded);
      const view = await this.#finish(db, identity, prepared.activityId);
      if (sent.kind === 'rejected') return rejected(sent.code);
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
        await applyPatch(tx, identity, rows, patch, nowMs);
        return 'queued' as const;
      });
      if (outcome === 'not_found') return fail('not_found', 'Meeting not found');
      if (outcome === 'cancelled') return fail('cancelled', 'The meeting is cancelled');
      return this.#sendAndAnswer(db, identity, activityId, correlationId);
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
      return this.#sendAndAnswer(db, identity, activityId, correlationId);
    });
  }

  /** Schedule kind `meeting_outbox`: every provider write still owed, retried. */
  async runOutbox(identity: ConnectionIdentity, correlationId: string): Promise<string> {
    return this.#withDatabase(async (db) => {
      const { synced, owed } = await this.#outbox.sendAllOwed(db, identity, correlationId);
      await this.#reminders.replan(db, identity);
      return `outbox ${synced}/${owed}`;
    });
  }

  /** Schedule kind `reminder`: delivers the due reminders (once: a conditional UPDATE), plans the next. */
  async deliverReminders(identity: ConnectionIdentity, correlationId: string): Promise<string> {
    return this.#withDatabase((db) => this.#reminders.deliver(db, identity, correlationId));
  }

  /**
   * The calendar was disconnected (its rows are gone with the connection): nothing will deliver its
   * unsent reminders any more, so they are withdrawn. Returns how many.
   */
  async disconnected(identity: ConnectionIdentity): Promise<number> {
    return this.#withDatabase((db) => this.#reminders.withdrawAll(db, identity));
  }

  /** After a sync run: inbound changes may have moved or withdrawn reminders. */
  async afterSync(identity: ConnectionIdentity): Promise<void> {
    if (!(await this.context.storage.read(HAS_MEETINGS_KEY))) return;
    await this.#withDatabase(async (db) => {
      await this.#outbox.guardOwed(db, identity);
      await this.#reminders.replan(db, identity);
    });
  }

  /** After an update or cancel was written: the provider write it owes, then the answer. */
  async #sendAndAnswer(
    db: Database,
    identity: ConnectionIdentity,
    activityId: string,
    correlationId: string,
  ): Promise<MeetingOutcome> {
    const sent = await this.#outbox.send(db, identity, activityId, correlationId);
    const view = await this.#finish(db, identity, activityId);
    if (sent.kind === 'rejected') return rejected(sent.code);
    return view ? { ok: true, meeting: view, replayed: false } : fail('not_found', 'Meeting not found');
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
    await this.#reminders.schedule(next);
    return view;
  }

  #withDatabase<T>(work: (db: Database) => Promise<T>): Promise<T> {
    return usingDatabase(this.context.env, work);
  }
}

function rejected(code: string): MeetingOutcome {
  return code === 'invalid_grant' || code === 'missing_refresh_token'
    ? fail('reconnect_required', providerSentence('invalid_grant', 'request'))
    : fail('provider_rejected', `The calendar provider refused the meeting (${code})`);
}

const fail = (reason: Exclude<MeetingOutcome, { ok: true }>['reason'], message: string): MeetingOutcome => ({
  ok: false,
  reason,
  message,
});
