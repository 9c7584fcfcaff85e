/**
 * One Durable Object per calendar connection (SPEC §5). It is the lock: token refresh and sync for a
 * connection happen here and nowhere else, one at a time. This class is the RPC surface and the
 * wiring; each job lives in its own module:
 *
 * - Identity and machine state: machine.ts, stored through the typed, versioned storage.ts
 *   (docs/object-storage.md lists every key and table). No later RPC carries identity; the RLS
 *   claims come from what `attach()` stored.
 * - Schedule: one table of future work (schedule.ts); the alarm runs every due row through its
 *   kind's handler (scheduled-work.ts) and re-arms at the earliest row. A row stays until its
 *   handler finished, so a process that dies mid-handler loses no poll.
 * - Sync runs: sync/driver.ts applies what the pure state machine (sync/transitions.ts) decides.
 * - Push channels (push/), meetings and reminders (meetings/), tokens (token-refresher.ts).
 *
 * Public methods are exactly the RPC surface, and each takes the caller's correlationId so one
 * request's log lines join with the object's. The test seam (`TEST_SEAM`, a symbol: not callable
 * over RPC) is reached only in-process, through cloudflare:test's runInDurableObject.
 */
import { DurableObject } from 'cloudflare:workers';
import { log } from '../worker/log.ts';
import type { PushNotice } from '../worker/providers/types.ts';
import type { ConnectionIdentity, ObjectEnv } from './identity.ts';
import type { MeetingInput, MeetingOutcome, MeetingPatch, MeetingRpcResult } from './meetings/types.ts';
import { assembleParts, type ObjectParts } from './parts.ts';
import type { NoticeVerdict } from './push/channels.ts';
import type { Attachment, ConnectionObjectStatus, SyncRequestReceipt } from './rpc-types.ts';
import { correlationOf, type ScheduleKind, type ScheduleRow } from './schedule.ts';
import { armNextAlarm, armWatchdog, type Handler, runDueWork } from './scheduled-work.ts';
import { TEST_SEAM, type TestSeam, testSeam } from './test-seam.ts';
import { SYNC_DEBOUNCE_MS } from './timing.ts';
import type { AccessTokenResult } from './token-refresher.ts';

export type { ConnectionIdentity } from './identity.ts';
export type { Attachment, ConnectionObjectStatus, SyncRequestReceipt } from './rpc-types.ts';
export type { MachineState, ObjectCounters, SyncStage } from './storage.ts';
export type { AccessTokenResult } from './token-refresher.ts';

export class CalendarConnection extends DurableObject<ObjectEnv> {
  readonly #p: ObjectParts;
  /** One small handler per schedule kind. */
  readonly #handlers: Record<ScheduleKind, Handler>;

  constructor(ctx: DurableObjectState, env: ObjectEnv) {
    super(ctx, env);
    this.#p = assembleParts(ctx.storage, env, {
      armAlarm: () => this.#armNextAlarm(),
      disconnect: (correlationId) => this.disconnect(correlationId),
    });
    const { sync, meetings } = this.#p;
    this.#handlers = {
      poll: (row) => sync.poll(row),
      retry: (row) => sync.poll(row),
      renew_channel: (row) => this.#maintainChannel(row),
      reminder: (row) => this.#meetingWork(row, (identity, id) => meetings.deliverReminders(identity, id)),
      meeting_outbox: (row) => this.#meetingWork(row, (identity, id) => meetings.runOutbox(identity, id)),
    };
    void ctx.blockConcurrencyWhile(async () => {
      await this.#p.store.migrate();
      await this.#p.machine.load();
      // A restart keeps the alarm, but re-arming from the table is cheap and self-healing; it also
      // brings back a row whose handler died with the previous process.
      await this.#armNextAlarm();
    });
  }

  /**
   * Binds this object to its connection (connect and reconnect). Reconnecting replaced the tokens,
   * so cached ones are dropped; sync is enabled and the first sync is queued.
   */
  async attach(identity: ConnectionIdentity, correlationId: string): Promise<Attachment> {
    const current = this.#p.machine.identity;
    if (current && current.connectionId !== identity.connectionId) {
      // Objects are named by connection id, so this is a bug upstream; never take another identity.
      log('error', 'connection object refused a foreign identity', {
        correlationId,
        connection_id: current.connectionId,
      });
      return { attached: false };
    }
    await this.#p.tokens.forget({ pending: true });
    await this.#p.machine.attach(identity);
    const state = this.#p.machine.state;
    await this.#p.machine.save({
      ...state,
      syncEnabled: true,
      stage: state.lastRunAt ? 'idle' : 'waiting_first_run',
      consecutiveFailures: 0,
      lastErrorCode: null,
    });
    this.#p.schedule.removeKinds(['retry']);
    this.#p.schedule.schedule('poll', Date.now() + SYNC_DEBOUNCE_MS, { correlationId }, 'earliest');
    await this.#armNextAlarm();
    log('info', 'connection object attached', {
      correlationId,
      connection_id: identity.connectionId,
      provider: identity.provider,
      reconnected: current !== undefined,
    });
    return { attached: true };
  }

  /** A valid access token (refreshed single-flight when needed). */
  async getAccessToken(correlationId: string): Promise<AccessTokenResult> {
    const identity = this.#p.machine.identity;
    if (!identity) return { ok: false, code: 'not_attached', message: 'connection object not attached' };
    return this.#p.tokens.get(identity, correlationId);
  }

  /** "Sync now" (or a webhook): pulls the next poll forward to within the debounce window. */
  async requestSync(reason: 'manual' | 'webhook', correlationId: string): Promise<SyncRequestReceipt> {
    const now = Date.now();
    const requestedAt = new Date(now).toISOString();
    if (!this.#p.machine.identity) return { attached: false, dueAt: null, requestedAt };
    const payload = { correlationId, reason };
    const row = this.#p.schedule.schedule('poll', now + SYNC_DEBOUNCE_MS, payload, 'earliest');
    await this.#p.counters.syncRequested();
    await this.#armNextAlarm();
    return { attached: true, dueAt: new Date(row.dueAt).toISOString(), requestedAt };
  }

  /** Auto-sync toggle: disabling drops pending polls and retries; enabling queues a sync. */
  async setSyncEnabled(enabled: boolean, correlationId: string): Promise<Attachment> {
    const identity = this.#p.machine.identity;
    if (!identity) return { attached: false };
    await this.#p.machine.save({ ...this.#p.machine.state, syncEnabled: enabled });
    if (enabled) {
      this.#p.schedule.schedule('poll', Date.now() + SYNC_DEBOUNCE_MS, { correlationId }, 'earliest');
    } else {
      this.#p.sync.abortRun();
      this.#p.schedule.removeKinds(['poll', 'retry']);
      // Paused: no notifications either (the first good run after re-enabling opens a channel).
      await this.#p.push.stopAll(identity, correlationId);
    }
    await this.#armNextAlarm();
    return { attached: true };
  }

  /** Disconnect: stop alarms and drop everything this object holds. */
  async disconnect(correlationId: string): Promise<void> {
    // Detach before anything awaits: the run aborted below must find itself unwanted and write
    // nothing back (it resumes while the cleanup awaits the provider and the database).
    const identity = this.#p.machine.identity;
    this.#p.machine.detach();
    this.#p.sync.abortRun();
    if (identity) {
      // Stop push channels while the tokens still work (best effort: they would expire by themselves).
      await this.#p.push.stopAll(identity, correlationId).catch(() => undefined);
      // Only this object delivers the connection's reminders: the unsent ones go with it (best effort).
      await this.#p.meetings.disconnected(identity).catch(() => undefined);
    }
    await this.#p.tokens.forget({ pending: false });
    await this.ctx.storage.deleteAlarm();
    await this.#p.store.clear();
    this.#p.schedule.dropped();
    this.#p.machine.reset();
    log('info', 'connection object cleared', {
      correlationId,
      connection_id: identity?.connectionId ?? null,
    });
  }

  /**
   * A provider notification the webhook route parsed (issue 16). The object verifies it before
   * anything happens (durable-objects/push/receive.ts); the caller learns nothing it can show.
   */
  async pushNotification(notice: PushNotice, correlationId: string): Promise<NoticeVerdict> {
    const identity = this.#p.machine.identity;
    // Not attached (a forged ref names any id, or a disconnected one): write nothing, not even a counter.
    if (!identity) return { outcome: 'unknown', action: 'none' };
    const verdict = await this.#p.push.receive(identity, notice, this.#p.machine.syncing, correlationId);
    if (verdict.action === 'renew' || verdict.action === 'recreate') {
      const recreate = verdict.action === 'recreate' ? { recreate: true } : {};
      this.#p.schedule.schedule('renew_channel', Date.now(), { correlationId, ...recreate });
      await this.#armNextAlarm();
    }
    // Lost notifications: the next run lists the whole window again, so what vanished is removed too.
    if (verdict.action === 'full_sync') await this.#p.baseline.oweFullRound(Date.now());
    // A removed subscription may have missed changes too: catch up with a run.
    if (verdict.action === 'sync' || verdict.action === 'full_sync' || verdict.action === 'recreate')
      await this.requestSync('webhook', correlationId);
    return verdict;
  }

  /** Schedules a meeting on this calendar (issue 15); `attached: false` → attach and call again. */
  async createMeeting(input: MeetingInput, correlationId: string): Promise<MeetingRpcResult> {
    return this.#meetingCall((identity) => this.#p.meetings.create(identity, input, correlationId));
  }

  /** Reschedules / retitles / re-invites a meeting of this calendar. */
  async updateMeeting(
    activityId: string,
    patch: MeetingPatch,
    correlationId: string,
  ): Promise<MeetingRpcResult> {
    return this.#meetingCall((identity) =>
      this.#p.meetings.update(identity, activityId, patch, correlationId),
    );
  }

  /** Cancels a meeting of this calendar on the provider; its reminder is withdrawn. */
  async cancelMeeting(activityId: string, correlationId: string): Promise<MeetingRpcResult> {
    return this.#meetingCall((identity) => this.#p.meetings.cancel(identity, activityId, correlationId));
  }

  /**
   * The object's machine state. `correlationId` like every RPC (a status read logs nothing today; the
   * parameter keeps the surface uniform, so a future log line joins its request).
   */
  async status(_correlationId: string): Promise<ConnectionObjectStatus> {
    const alarm = await this.ctx.storage.getAlarm();
    const identity = this.#p.machine.identity;
    return {
      ...this.#p.machine.state,
      attached: identity !== undefined,
      connectionId: identity?.connectionId ?? null,
      nextAlarmAt: alarm === null ? null : new Date(alarm).toISOString(),
      schedule: this.#p.schedule
        .pending()
        .map((row) => ({ kind: row.kind, dueAt: new Date(row.dueAt).toISOString() })),
    };
  }

  override async alarm(): Promise<void> {
    await runDueWork(
      {
        schedule: this.#p.schedule,
        counters: this.#p.counters,
        handlers: this.#handlers,
        connectionId: () => this.#p.machine.identity?.connectionId ?? null,
        armWatchdog: () => armWatchdog(this.ctx.storage, Date.now()),
      },
      Date.now(),
    );
    await this.#armNextAlarm();
  }

  /** In-process only (a symbol is not callable over RPC): tests reach it through runInDurableObject. */
  [TEST_SEAM](): TestSeam {
    return testSeam({
      schedule: this.#p.schedule,
      store: this.#p.store,
      counters: this.#p.counters,
      storage: this.ctx.storage,
      armAlarm: () => this.#armNextAlarm(),
      abort: (reason) => this.ctx.abort(reason),
    });
  }

  /** The renew_channel row: open, renew or recreate the push channel (durable-objects/push/). */
  async #maintainChannel(row: ScheduleRow): Promise<string> {
    const identity = this.#p.machine.identity;
    if (!identity) return 'not_attached';
    if (!this.#p.machine.syncing) return 'inactive';
    return this.#p.push.maintain(identity, correlationOf(row), row.payload.recreate === true);
  }

  /** A meeting schedule row, under the write lock (never between a sync page's calls). */
  async #meetingWork(
    row: ScheduleRow,
    work: (identity: ConnectionIdentity, correlationId: string) => Promise<string>,
  ): Promise<string> {
    const identity = this.#p.machine.identity;
    if (!identity) return 'not_attached';
    return this.#p.writer.run(() => work(identity, correlationOf(row)));
  }

  /** A meeting RPC, under the write lock; `attached: false` → the caller attaches and calls again. */
  async #meetingCall(
    work: (identity: ConnectionIdentity) => Promise<MeetingOutcome>,
  ): Promise<MeetingRpcResult> {
    const identity = this.#p.machine.identity;
    if (!identity) return { attached: false };
    return { attached: true, ...(await this.#p.writer.run(() => work(identity))) };
  }

  #armNextAlarm(): Promise<void> {
    return armNextAlarm(this.ctx.storage, this.#p.schedule);
  }
}
