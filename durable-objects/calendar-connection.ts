/**
 * One Durable Object per calendar connection (SPEC §5). It is the lock: token refresh and sync for a
 * connection happen here and nowhere else, one at a time.
 *
 * - Identity: `attach()` stores the connection id, organization, user and provider once (connect and
 *   reconnect). No later RPC carries identity; the RLS claims come from what the object stored.
 * - Schedule: one table of future work (schedule.ts) and one `#armNextAlarm()` after every change,
 *   so the single alarm always points at the earliest due row; `alarm()` runs every due row through
 *   its kind's handler and re-arms.
 * - Machine state (stage, consecutive failures, last run, last error) lives here; Postgres keeps the
 *   user-facing projection (`sync_status`, `last_sync_at`, `last_error_code`).
 *
 * Public methods are exactly the RPC surface, and each takes the caller's correlationId so one
 * request's log lines join with the object's. Helpers stay in modules or #private members.
 */
import { DurableObject } from 'cloudflare:workers';
import { recordSyncOutcome } from '../db/queries/connections.ts';
import { DEFAULT_MODULE_SETTINGS, readModuleSettings } from '../db/queries/settings.ts';
import { Database } from '../db/tenant.ts';
import { describeError, log } from '../worker/log.ts';
import { providerFor } from '../worker/providers/index.ts';
import type { PushNotice } from '../worker/providers/types.ts';
import { HORIZON_DAYS_BACK, horizonAt, needsRebaseline } from '../worker/sync/horizon.ts';
import { type ConnectionIdentity, claimsOf, type ObjectEnv } from './identity.ts';
import { MeetingDesk } from './meetings/desk.ts';
import type { MeetingInput, MeetingPatch, MeetingRpcResult } from './meetings/types.ts';
import { WriteLock } from './meetings/write-lock.ts';
import { type NoticeVerdict, PushChannels } from './push/channels.ts';
import { Schedule, type ScheduleKind, type ScheduleRow } from './schedule.ts';
import { recomputeHorizon } from './sync/horizon-advance.ts';
import { type RunResult, runSync } from './sync/round.ts';
import { nextPollAt, retryDelayMs, SYNC_DEBOUNCE_MS } from './timing.ts';
import { type AccessTokenResult, TokenRefresher } from './token-refresher.ts';

export type { ConnectionIdentity } from './identity.ts';
export type { AccessTokenResult } from './token-refresher.ts';

/** Where the connection's sync stands (the object's machine state, not the user-facing badge). */
export type SyncStage = 'waiting_first_run' | 'idle' | 'backoff' | 'reconnect_required';

export interface MachineState {
  syncEnabled: boolean;
  stage: SyncStage;
  consecutiveFailures: number;
  lastRunAt: string | null;
  lastErrorCode: string | null;
  /** Times the provider said the sync cursor expired (filled by the sync engine). */
  cursorResets: number;
}

/** `attached: false`: the object does not know its connection yet; the caller attaches it and retries. */
export interface Attachment {
  attached: boolean;
}

export interface SyncRequestReceipt extends Attachment {
  /** When the next sync runs (a pending earlier poll is kept); null when not attached. */
  dueAt: string | null;
  requestedAt: string;
}

export interface ConnectionObjectStatus extends MachineState {
  attached: boolean;
  connectionId: string | null;
  nextAlarmAt: string | null;
  schedule: Array<{ kind: ScheduleKind; dueAt: string }>;
}

type RunOutcome = RunResult['outcome'];

const IDENTITY_KEY = 'identity';
/** Start of the horizon the busy table was last derived for (epoch ms). */
const HORIZON_KEY = 'busyHorizonStart';
/** Start and window end of the full round that founded the current cursor. */
const BASELINE_KEY = 'cursorBaseline';
/** When Graph said notifications were lost (`missed`): a full round is owed until one starts after it. */
const FULL_ROUND_OWED_KEY = 'fullRoundOwedAt';
const DAY_MS = 86_400_000;
/** Consecutive retryable failures after which the card says "error" (retries go on underneath). */
const FAILING_AFTER = 3;
const STATE_KEY = 'state';
/** Operational counters, read by tests through runInDurableObject; not part of the RPC surface. */
export const COUNTERS_KEY = 'counters';
export interface ObjectCounters {
  alarmRuns: number;
  syncRequests: number;
  /** The last 20 handled rows, oldest first. */
  handled: Array<{ kind: ScheduleKind; at: number; outcome: string }>;
}

const INITIAL_STATE: MachineState = {
  syncEnabled: true,
  stage: 'waiting_first_run',
  consecutiveFailures: 0,
  lastRunAt: null,
  lastErrorCode: null,
  cursorResets: 0,
};

/** Outcomes that back off and retry; everything else waits for the next poll or the user. */
const RETRYABLE: ReadonlySet<RunOutcome> = new Set([
  'temporary',
  'rate_limited',
  'quota_exceeded',
  'unauthorized',
  'unknown',
]);

export class CalendarConnection extends DurableObject<ObjectEnv> {
  readonly #tokens: TokenRefresher;
  readonly #schedule: Schedule;
  /** Push channels (durable-objects/push/): open, renew, stop, verify notifications. */
  readonly #push: PushChannels;
  #identity: ConnectionIdentity | undefined;
  #state: MachineState = INITIAL_STATE;
  /** A sync run is in flight (runs never overlap; see #sync). */
  #running = false;
  /** Aborts the in-flight run's provider calls on disconnect or pause (else they hold the object to their timeout). */
  #runAbort: AbortController | undefined;

  /** One small handler per schedule kind; the sync, push and reminder issues fill in theirs. */
  readonly #handlers: Record<ScheduleKind, (row: ScheduleRow) => Promise<string>> = {
    poll: (row) => this.#poll(row),
    retry: (row) => this.#poll(row),
    renew_channel: (row) => this.#maintainChannel(row),
    reminder: (row) =>
      this.#meetingWork(row, (identity, id) => this.#meetings.deliverReminders(identity, id)),
    meeting_outbox: (row) => this.#meetingWork(row, (identity, id) => this.#meetings.runOutbox(identity, id)),
  };
  /** Meetings (issue 15, durable-objects/meetings/): creates, changes, cancels, reminders, the outbox. */
  readonly #meetings: MeetingDesk;
  /** Single writer of the calendar: sync runs and meeting writes never interleave. */
  readonly #writer = new WriteLock();

  constructor(ctx: DurableObjectState, env: ObjectEnv) {
    super(ctx, env);
    this.#tokens = new TokenRefresher(env, ctx.storage);
    this.#schedule = new Schedule(ctx.storage.sql);
    this.#meetings = new MeetingDesk({
      env,
      storage: ctx.storage,
      schedule: this.#schedule,
      armAlarm: () => this.#armNextAlarm(),
      accessToken: (identity, correlationId, force) => this.#tokens.get(identity, correlationId, force),
      provider: (identity) => providerFor(this.env, identity.provider),
    });
    this.#push = new PushChannels({
      env,
      storage: ctx.storage,
      schedule: this.#schedule,
      accessToken: (identity, correlationId, force) => this.#tokens.get(identity, correlationId, force),
    });
    void ctx.blockConcurrencyWhile(async () => {
      this.#identity = await ctx.storage.get<ConnectionIdentity>(IDENTITY_KEY);
      this.#state = { ...INITIAL_STATE, ...(await ctx.storage.get<MachineState>(STATE_KEY)) };
      // A restart keeps the alarm, but re-arming from the table is cheap and self-healing.
      await this.#armNextAlarm();
    });
  }

  /**
   * Binds this object to its connection (connect and reconnect). Reconnecting replaced the tokens,
   * so cached ones are dropped; sync is enabled and the first sync is queued.
   */
  async attach(identity: ConnectionIdentity, correlationId: string): Promise<Attachment> {
    const current = this.#identity;
    if (current && current.connectionId !== identity.connectionId) {
      // Objects are named by connection id, so this is a bug upstream; never take another identity.
      log('error', 'connection object refused a foreign identity', {
        correlationId,
        connection_id: current.connectionId,
      });
      return { attached: false };
    }
    this.#identity = { ...identity };
    this.#tokens.forget();
    await this.ctx.storage.delete('pendingRefreshToken');
    await this.ctx.storage.put(IDENTITY_KEY, this.#identity);
    const reconnected = current !== undefined;
    await this.#saveState({
      ...this.#state,
      syncEnabled: true,
      stage: this.#state.lastRunAt ? 'idle' : 'waiting_first_run',
      consecutiveFailures: 0,
      lastErrorCode: null,
    });
    this.#schedule.removeKinds(['retry']);
    this.#schedule.schedule('poll', Date.now() + SYNC_DEBOUNCE_MS, { correlationId }, 'earliest');
    await this.#armNextAlarm();
    log('info', 'connection object attached', {
      correlationId,
      connection_id: identity.connectionId,
      provider: identity.provider,
      reconnected,
    });
    return { attached: true };
  }

  /** A valid access token (refreshed single-flight when needed). */
  async getAccessToken(correlationId: string): Promise<AccessTokenResult> {
    const identity = this.#identity;
    if (!identity) return { ok: false, code: 'not_attached', message: 'connection object not attached' };
    return this.#tokens.get(identity, correlationId);
  }

  /** "Sync now" (or a webhook): pulls the next poll forward to within the debounce window. */
  async requestSync(reason: 'manual' | 'webhook', correlationId: string): Promise<SyncRequestReceipt> {
    const now = Date.now();
    if (!this.#identity) return { attached: false, dueAt: null, requestedAt: new Date(now).toISOString() };
    const row = this.#schedule.schedule(
      'poll',
      now + SYNC_DEBOUNCE_MS,
      { correlationId, reason },
      'earliest',
    );
    await this.#count((c) => ({ ...c, syncRequests: c.syncRequests + 1 }));
    await this.#armNextAlarm();
    return {
      attached: true,
      dueAt: new Date(row.dueAt).toISOString(),
      requestedAt: new Date(now).toISOString(),
    };
  }

  /** Auto-sync toggle: disabling drops pending polls and retries; enabling queues a sync. */
  async setSyncEnabled(enabled: boolean, correlationId: string): Promise<Attachment> {
    if (!this.#identity) return { attached: false };
    await this.#saveState({ ...this.#state, syncEnabled: enabled });
    if (!enabled) this.#runAbort?.abort();
    if (enabled)
      this.#schedule.schedule('poll', Date.now() + SYNC_DEBOUNCE_MS, { correlationId }, 'earliest');
    else {
      this.#schedule.removeKinds(['poll', 'retry']);
      // Paused: no notifications either (the first good run after re-enabling opens a channel).
      await this.#push.stopAll(this.#identity, correlationId);
    }
    await this.#armNextAlarm();
    return { attached: true };
  }

  /** Disconnect: stop alarms and drop everything this object holds. */
  async disconnect(correlationId: string): Promise<void> {
    // Detach before anything awaits: the run aborted below must find itself unwanted and write
    // nothing back (it resumes while the cleanup awaits the provider and the database).
    const identity = this.#identity;
    this.#identity = undefined;
    this.#runAbort?.abort();
    if (identity) {
      // Stop push channels while the tokens still work (best effort: they would expire by themselves).
      await this.#push.stopAll(identity, correlationId).catch(() => undefined);
      // Only this object delivers the connection's reminders: the unsent ones go with it (best effort).
      await this.#meetings.disconnected(identity).catch(() => undefined);
    }
    this.#tokens.forget();
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
    this.#schedule.dropped();
    log('info', 'connection object cleared', {
      correlationId,
      connection_id: identity?.connectionId ?? null,
    });
    this.#state = INITIAL_STATE;
  }

  /**
   * A provider notification the webhook route parsed (issue 16). The object verifies it before
   * anything happens (durable-objects/push/channels.ts); the caller learns nothing it can show.
   */
  async pushNotification(notice: PushNotice, correlationId: string): Promise<NoticeVerdict> {
    const identity = this.#identity;
    // Not attached (a forged ref names any id, or a disconnected one): write nothing, not even a counter.
    if (!identity) return { outcome: 'unknown', action: 'none' };
    const verdict = await this.#push.receive(identity, notice, this.#pushActive(), correlationId);
    if (verdict.action === 'renew' || verdict.action === 'recreate') {
      this.#schedule.schedule('renew_channel', Date.now(), {
        correlationId,
        ...(verdict.action === 'recreate' ? { recreate: true } : {}),
      });
      await this.#armNextAlarm();
    }
    // Lost notifications: the next run lists the whole window again, so what vanished is removed too.
    if (verdict.action === 'full_sync') await this.ctx.storage.put(FULL_ROUND_OWED_KEY, Date.now());
    // A removed subscription may have missed changes too: catch up with a run.
    if (verdict.action === 'sync' || verdict.action === 'full_sync' || verdict.action === 'recreate')
      await this.requestSync('webhook', correlationId);
    return verdict;
  }

  /** Schedules a meeting on this calendar (issue 15); `attached: false` → attach and call again. */
  async createMeeting(input: MeetingInput, correlationId: string): Promise<MeetingRpcResult> {
    const identity = this.#identity;
    if (!identity) return { attached: false };
    const outcome = await this.#writer.run(() => this.#meetings.create(identity, input, correlationId));
    return { attached: true, ...outcome };
  }

  /** Reschedules / retitles / re-invites a meeting of this calendar. */
  async updateMeeting(
    activityId: string,
    patch: MeetingPatch,
    correlationId: string,
  ): Promise<MeetingRpcResult> {
    const identity = this.#identity;
    if (!identity) return { attached: false };
    const outcome = await this.#writer.run(() =>
      this.#meetings.update(identity, activityId, patch, correlationId),
    );
    return { attached: true, ...outcome };
  }

  /** Cancels a meeting of this calendar on the provider; its reminder is withdrawn. */
  async cancelMeeting(activityId: string, correlationId: string): Promise<MeetingRpcResult> {
    const identity = this.#identity;
    if (!identity) return { attached: false };
    const outcome = await this.#writer.run(() => this.#meetings.cancel(identity, activityId, correlationId));
    return { attached: true, ...outcome };
  }

  /**
   * The object's machine state. `correlationId` like every RPC (a status read logs nothing today; the
   * parameter keeps the surface uniform, so a future log line joins its request).
   */
  async status(_correlationId: string): Promise<ConnectionObjectStatus> {
    const alarm = await this.ctx.storage.getAlarm();
    return {
      ...this.#state,
      attached: this.#identity !== undefined,
      connectionId: this.#identity?.connectionId ?? null,
      nextAlarmAt: alarm === null ? null : new Date(alarm).toISOString(),
      schedule: this.#schedule
        .pending()
        .map((row) => ({ kind: row.kind, dueAt: new Date(row.dueAt).toISOString() })),
    };
  }

  override async alarm(): Promise<void> {
    await this.#count((c) => ({ ...c, alarmRuns: c.alarmRuns + 1 }));
    // Rows due within the debounce window join this run instead of arming another alarm a moment later.
    for (const row of this.#schedule.due(Date.now() + SYNC_DEBOUNCE_MS)) {
      this.#schedule.remove(row.id);
      let outcome: string;
      try {
        outcome = await this.#handlers[row.kind](row);
      } catch (error) {
        // Logged, not rethrown: a rethrow would make the runtime retry the whole alarm.
        outcome = 'failed';
        log('error', 'scheduled work failed', {
          correlationId: correlationOf(row),
          connection_id: this.#identity?.connectionId ?? null,
          kind: row.kind,
          ...describeError(error),
        });
      }
      // A handler that found the connection gone cleared storage: writing counters would put a key back.
      if (!this.#identity) continue;
      await this.#count((c) => ({
        ...c,
        handled: [...c.handled, { kind: row.kind, at: Date.now(), outcome }].slice(-20),
      }));
    }
    await this.#armNextAlarm();
  }

  /** Channels are kept only while the connection syncs (not paused, not waiting for a reconnect). */
  #pushActive(): boolean {
    return this.#state.syncEnabled && this.#state.stage !== 'reconnect_required';
  }

  /** The renew_channel row: open, renew or recreate the push channel (durable-objects/push/). */
  async #maintainChannel(row: ScheduleRow): Promise<string> {
    const identity = this.#identity;
    if (!identity) return 'not_attached';
    if (!this.#pushActive()) return 'inactive';
    return this.#push.maintain(identity, correlationOf(row), row.payload.recreate === true);
  }

  /** A meeting schedule row, under the write lock (never between a sync page's calls). */
  async #meetingWork(
    row: ScheduleRow,
    work: (identity: ConnectionIdentity, correlationId: string) => Promise<string>,
  ): Promise<string> {
    const identity = this.#identity;
    if (!identity) return 'not_attached';
    return this.#writer.run(() => work(identity, correlationOf(row)));
  }

  /** The single alarm points at the earliest schedule row (or nowhere). */
  async #armNextAlarm(): Promise<void> {
    const next = this.#schedule.earliestDueAt();
    const current = await this.ctx.storage.getAlarm();
    if (next === null) {
      if (current !== null) await this.ctx.storage.deleteAlarm();
    } else if (current !== next) {
      await this.ctx.storage.setAlarm(next);
    }
  }

  /**
   * The periodic poll: one sync, then the next poll at the organization's interval (read now, so a
   * settings change takes effect at the next run) plus jitter. A "sync now" that arrived during the
   * run already queued an earlier poll, which wins ('earliest'): exactly one more run follows.
   * Not re-armed when the user must act.
   */
  async #poll(row: ScheduleRow): Promise<string> {
    const correlationId = correlationOf(row);
    return this.#sync(correlationId, async (identity) => {
      // Inbound changes to CE's meetings may have moved or withdrawn reminders.
      await this.#meetings
        .afterSync(identity)
        .catch((error: unknown) =>
          log('warn', 'meeting reminders not re-planned', { correlationId, ...describeError(error) }),
        );
      // While backing off, the retry is the next run (it schedules the poll when it succeeds).
      const backingOff = this.#schedule.pending('retry').length > 0;
      if (this.#state.syncEnabled && this.#state.stage !== 'reconnect_required' && !backingOff) {
        const interval = await this.#pollIntervalMinutes(identity, correlationId);
        this.#schedule.schedule('poll', nextPollAt(Date.now(), interval, Math.random()), {}, 'earliest');
      }
    });
  }

  /**
   * One sync run (durable-objects/sync/round.ts). Runs never overlap: a run requested while one is in
   * flight becomes one queued poll after it. `afterRun` schedules follow-up work before the outcome,
   * with the next planned time, is written for the card.
   */
  async #sync(
    correlationId: string,
    afterRun: (identity: ConnectionIdentity) => Promise<void> = async () => undefined,
  ): Promise<string> {
    const identity = this.#identity;
    if (!identity) return 'not_attached';
    if (!this.#state.syncEnabled) return 'paused';
    if (this.#running) {
      this.#schedule.schedule('poll', Date.now() + SYNC_DEBOUNCE_MS, { correlationId }, 'earliest');
      return 'coalesced';
    }
    this.#running = true;
    const abort = new AbortController();
    this.#runAbort = abort;
    const started = Date.now();
    const database = new Database(this.env);
    let result: RunResult;
    try {
      const forceFull = await this.#needsRebaseline();
      result = await this.#writer.run(async () => {
        const run = await runSync({
          identity,
          provider: providerFor(this.env, identity.provider),
          database,
          accessToken: (force) => this.#tokens.get(identity, correlationId, force),
          stillWanted: () =>
            this.#identity?.connectionId === identity.connectionId && this.#state.syncEnabled,
          now: () => Date.now(),
          forceFull,
          signal: abort.signal,
          correlationId,
          namedEvents: this.#push.named,
        });
        // Under the same lock: a meeting write never lands between a run and the series re-derivation.
        if (run.outcome === 'ok' && this.#identity?.connectionId === identity.connectionId)
          await this.#advanceHorizon(identity, correlationId);
        return run;
      });
      if (result.outcome === 'ok' && result.baseline) {
        await this.ctx.storage.put(BASELINE_KEY, result.baseline);
        const owedAt = await this.ctx.storage.get<number>(FULL_ROUND_OWED_KEY);
        if (owedAt !== undefined && owedAt <= result.baseline.startedAtMs)
          await this.ctx.storage.delete(FULL_ROUND_OWED_KEY);
      }
    } catch (error) {
      // A database or mapping failure: retried with backoff like a provider outage.
      log('error', 'sync run failed', {
        correlationId,
        connection_id: identity.connectionId,
        ...describeError(error),
      });
      result = { outcome: 'unknown', cursorResets: 0, message: 'sync run failed' };
    } finally {
      this.#running = false;
      this.#runAbort = undefined;
      await database.close();
    }
    // Disconnected meanwhile: the object was cleared; write nothing back.
    if (this.#identity?.connectionId !== identity.connectionId) return 'disconnected';
    await this.#recordOutcome(result, correlationId);
    if (!this.#identity) return result.outcome; // the connection is gone: the object cleared itself
    await afterRun(identity);
    if (result.outcome === 'ok' && this.#pushActive()) {
      const run = { startedAt: started, full: result.full, changes: result.changes };
      await this.#push
        .afterRun(identity, run, correlationId)
        .catch((error: unknown) =>
          log('warn', 'push bookkeeping failed', { correlationId, ...describeError(error) }),
        );
    }
    await this.#publishStatus(identity, result, correlationId);
    log(result.outcome === 'ok' ? 'info' : 'warn', 'sync run', {
      correlationId,
      connection_id: identity.connectionId,
      provider: identity.provider,
      outcome: result.outcome,
      duration_ms: Date.now() - started,
      ...(result.outcome === 'ok'
        ? { full: result.full, pages: result.pages, changes: result.changes, skipped: result.skipped }
        : { error_code: result.outcome }),
      ...(result.cursorResets ? { cursor_resets: result.cursorResets } : {}),
    });
    return result.outcome;
  }

  async #recordOutcome(result: RunResult, correlationId: string): Promise<void> {
    const lastRunAt = new Date().toISOString();
    const outcome = result.outcome;
    const cursorResets = this.#state.cursorResets + result.cursorResets;
    if (outcome === 'ok') {
      this.#schedule.removeKinds(['retry']);
      await this.#saveState({
        ...this.#state,
        stage: 'idle',
        consecutiveFailures: 0,
        lastRunAt,
        lastErrorCode: null,
        cursorResets,
      });
      return;
    }
    if (outcome === 'gone') {
      // The row was deleted without reaching this object (a failed cleanup): clear as disconnect does.
      await this.disconnect(correlationId);
      return;
    }
    if (outcome === 'paused') {
      await this.#saveState({ ...this.#state, cursorResets });
      return;
    }
    const failures = this.#state.consecutiveFailures + 1;
    if (outcome === 'invalid_grant') {
      // The refresher re-read the vault and retried with a rotated token before saying so.
      this.#schedule.removeKinds(['poll', 'retry']);
      await this.#saveState({
        ...this.#state,
        stage: 'reconnect_required',
        lastRunAt,
        lastErrorCode: outcome,
        cursorResets,
      });
      return;
    }
    const retry = RETRYABLE.has(outcome);
    if (retry) {
      // No poll before the retry: Retry-After and a spent daily quota hold every run back.
      this.#schedule.removeKinds(['poll']);
      const retryAfter = 'retryAfterSeconds' in result ? result.retryAfterSeconds : undefined;
      const delay = retryDelayMs(failures, Math.random(), retryAfter, outcome === 'quota_exceeded');
      this.#schedule.schedule('retry', Date.now() + delay, { correlationId });
    }
    await this.#saveState({
      ...this.#state,
      stage: retry ? 'backoff' : this.#state.stage,
      consecutiveFailures: failures,
      lastRunAt,
      lastErrorCode: outcome,
      cursorResets,
    });
  }

  /**
   * The busy table covers horizonAt(now); when the day moves on, the series that reach into the new
   * days (masters, and rows ending beyond the old horizon) are derived again.
   */
  async #advanceHorizon(identity: ConnectionIdentity, correlationId: string): Promise<void> {
    const horizon = horizonAt(Date.now());
    const stored = await this.ctx.storage.get<number>(HORIZON_KEY);
    if (stored === horizon.startMs) return;
    if (stored !== undefined) {
      const previousEnd = horizonAt(stored + HORIZON_DAYS_BACK * DAY_MS).endMs;
      const recomputed = await this.#withDatabase(
        (db) =>
          recomputeHorizon(
            db,
            identity,
            providerFor(this.env, identity.provider).seriesExpansion,
            horizon,
            new Date(previousEnd),
          ),
        correlationId,
      );
      if (recomputed === undefined) return; // failed (logged): the next good run tries again
    }
    await this.ctx.storage.put(HORIZON_KEY, horizon.startMs);
  }

  /**
   * A windowed cursor (Graph's delta window, fixed at the round's first call; its token ages out) is
   * re-baselined by a full round before it runs out (worker/sync/horizon.ts). Applied to every
   * provider: for Google it is a weekly full listing that also removes anything a missed change left.
   */
  async #needsRebaseline(): Promise<boolean> {
    if ((await this.ctx.storage.get<number>(FULL_ROUND_OWED_KEY)) !== undefined) return true;
    const baseline = await this.ctx.storage.get<{ startedAtMs: number; windowEndMs: number }>(BASELINE_KEY);
    if (!baseline) return false; // no full round recorded by this object yet: the stored cursor decides
    return needsRebaseline(baseline.startedAtMs, baseline.windowEndMs, Date.now());
  }

  /** The card's projection of this run: status, error, next planned run, lag. */
  async #publishStatus(
    identity: ConnectionIdentity,
    result: RunResult,
    correlationId: string,
  ): Promise<void> {
    if (result.outcome === 'paused' || result.outcome === 'gone' || result.outcome === 'invalid_grant')
      return;
    const next = this.#schedule.pending().find((row) => row.kind === 'poll' || row.kind === 'retry');
    const ok = result.outcome === 'ok';
    await this.#withDatabase(
      (db) =>
        db.asTenant(claimsOf(identity), (tx) =>
          recordSyncOutcome(tx, identity.connectionId, {
            ok,
            errorCode: ok ? null : result.outcome,
            failing:
              !ok && (!RETRYABLE.has(result.outcome) || this.#state.consecutiveFailures >= FAILING_AFTER),
            nextSyncAt: next ? new Date(next.dueAt) : null,
            ...(ok ? { lagMs: result.lagMs } : {}),
          }),
        ),
      correlationId,
    );
  }

  async #pollIntervalMinutes(identity: ConnectionIdentity, correlationId: string): Promise<number> {
    const settings = await this.#withDatabase(
      (db) => db.asTenant(claimsOf(identity), (tx) => readModuleSettings(tx)),
      correlationId,
    );
    return (settings ?? DEFAULT_MODULE_SETTINGS).calendar_sync_poll_interval_minutes;
  }

  /** A short-lived pool for one step; a database failure is logged and yields undefined. */
  async #withDatabase<T>(work: (db: Database) => Promise<T>, correlationId: string): Promise<T | undefined> {
    const database = new Database(this.env);
    try {
      return await work(database);
    } catch (error) {
      log('warn', 'connection object database step failed', {
        correlationId,
        connection_id: this.#identity?.connectionId ?? null,
        ...describeError(error),
      });
      return undefined;
    } finally {
      await database.close();
    }
  }

  async #saveState(state: MachineState): Promise<void> {
    this.#state = state;
    await this.ctx.storage.put(STATE_KEY, state);
  }

  async #count(update: (counters: ObjectCounters) => ObjectCounters): Promise<void> {
    const current = (await this.ctx.storage.get<ObjectCounters>(COUNTERS_KEY)) ?? {
      alarmRuns: 0,
      syncRequests: 0,
      handled: [],
    };
    await this.ctx.storage.put(COUNTERS_KEY, update(current));
  }
}

/** The correlationId a row was scheduled with (a request's), or a fresh one for periodic work. */
function correlationOf(row: ScheduleRow): string {
  const id = row.payload.correlationId;
  return typeof id === 'string' ? id : crypto.randomUUID();
}
