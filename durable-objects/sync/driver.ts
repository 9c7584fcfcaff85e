/**
 * The connection's sync runs, wired: the poll and retry rows' handler runs one sync (round.ts) under
 * the write lock, hands its result to the pure state machine (transitions.ts) and applies what that
 * returns — machine state, schedule changes, the next poll, the card — plus the reminder and push
 * bookkeeping that follows a run. Runs never overlap: one requested while one is in flight becomes
 * one queued poll after it.
 */
import { recordSyncOutcome } from '../../db/queries/connections.ts';
import { DEFAULT_MODULE_SETTINGS, readModuleSettings } from '../../db/queries/settings.ts';
import { Database } from '../../db/tenant.ts';
import { describeError, log } from '../../worker/log.ts';
import { providerFor } from '../../worker/providers/index.ts';
import { type ConnectionIdentity, claimsOf, type ObjectEnv } from '../identity.ts';
import type { ConnectionMachine } from '../machine.ts';
import type { MeetingDesk } from '../meetings/desk.ts';
import type { WriteLock } from '../meetings/write-lock.ts';
import type { PushChannels } from '../push/channels.ts';
import { correlationOf, type Schedule, type ScheduleRow } from '../schedule.ts';
import { nextPollAt, SYNC_DEBOUNCE_MS } from '../timing.ts';
import type { TokenRefresher } from '../token-refresher.ts';
import { withDatabase } from '../with-database.ts';
import type { CursorBaseline } from './baseline.ts';
import { type RunResult, runSync } from './round.ts';
import { afterRun, type CardFacts } from './transitions.ts';

export interface SyncDriverDeps {
  env: ObjectEnv;
  machine: ConnectionMachine;
  schedule: Schedule;
  baseline: CursorBaseline;
  tokens: TokenRefresher;
  writer: WriteLock;
  push: PushChannels;
  meetings: MeetingDesk;
  /** The connection row is gone: clear the object as disconnect does. */
  disconnect(correlationId: string): Promise<void>;
}

export class SyncDriver {
  /** A sync run is in flight (runs never overlap). */
  #running = false;
  /** Aborts the in-flight run's provider calls on disconnect or pause (else they hold the object to their timeout). */
  #runAbort: AbortController | undefined;

  constructor(private readonly deps: SyncDriverDeps) {}

  abortRun(): void {
    this.#runAbort?.abort();
  }

  /**
   * The poll and retry rows: one sync, then (when the machine says so) the next poll at the
   * organization's interval (read now, so a settings change takes effect at the next run) plus
   * jitter. A "sync now" that arrived during the run already queued an earlier poll, which wins
   * ('earliest'): exactly one more run follows.
   */
  async poll(row: ScheduleRow): Promise<string> {
    const { machine, schedule } = this.deps;
    const correlationId = correlationOf(row);
    const identity = machine.identity;
    if (!identity) return 'not_attached';
    if (!machine.state.syncEnabled) return 'paused';
    if (this.#running) {
      schedule.schedule('poll', Date.now() + SYNC_DEBOUNCE_MS, { correlationId }, 'earliest');
      return 'coalesced';
    }
    const started = Date.now();
    const result = await this.#run(identity, correlationId);
    // Disconnected meanwhile: the object was cleared; write nothing back.
    if (!machine.isAttachedTo(identity.connectionId)) return 'disconnected';
    const transition = afterRun(
      {
        state: machine.state,
        retryPending: schedule.pending('retry').length > 0,
        now: Date.now(),
        random: Math.random(),
      },
      result,
    );
    if (transition.kind === 'disconnect') {
      await this.deps.disconnect(correlationId);
      return result.outcome;
    }
    for (const change of transition.schedule) {
      if (change.op === 'remove') schedule.removeKinds(change.kinds);
      else schedule.schedule(change.kind, change.dueAt, { correlationId });
    }
    await machine.save(transition.state);
    // Inbound changes to CE's meetings may have moved or withdrawn reminders.
    await this.deps.meetings
      .afterSync(identity)
      .catch((error: unknown) =>
        log('warn', 'meeting reminders not re-planned', { correlationId, ...describeError(error) }),
      );
    if (transition.armPoll && machine.syncing) {
      const interval = await this.#pollIntervalMinutes(identity, correlationId);
      schedule.schedule('poll', nextPollAt(Date.now(), interval, Math.random()), {}, 'earliest');
    }
    if (result.outcome === 'ok' && machine.syncing) {
      const run = { startedAt: started, full: result.full, changes: result.changes };
      await this.deps.push
        .afterRun(identity, run, correlationId)
        .catch((error: unknown) =>
          log('warn', 'push bookkeeping failed', { correlationId, ...describeError(error) }),
        );
    }
    if (transition.card) await this.#publishCard(identity, transition.card, correlationId);
    logRun(identity, result, started, correlationId);
    return result.outcome;
  }

  /** One run under the write lock; a database or mapping failure becomes 'unknown' (retried with backoff). */
  async #run(identity: ConnectionIdentity, correlationId: string): Promise<RunResult> {
    const { env, machine, baseline, tokens } = this.deps;
    this.#running = true;
    const abort = new AbortController();
    this.#runAbort = abort;
    const database = new Database(env);
    try {
      const forceFull = await baseline.needsFullRound(Date.now());
      const provider = providerFor(env, identity.provider);
      const result = await this.deps.writer.run(async () => {
        const run = await runSync({
          identity,
          provider,
          database,
          accessToken: (force) => tokens.get(identity, correlationId, force),
          stillWanted: () => machine.isAttachedTo(identity.connectionId) && machine.state.syncEnabled,
          now: () => Date.now(),
          forceFull,
          signal: abort.signal,
          correlationId,
          namedEvents: this.deps.push.named,
        });
        // Under the same lock: a meeting write never lands between a run and the series re-derivation.
        if (run.outcome === 'ok' && machine.isAttachedTo(identity.connectionId))
          await baseline.advanceHorizon(identity, provider.seriesExpansion, Date.now(), (work) =>
            this.#withDatabase(work, correlationId),
          );
        return run;
      });
      if (result.outcome === 'ok' && result.baseline) await baseline.founded(result.baseline);
      return result;
    } catch (error) {
      log('error', 'sync run failed', {
        correlationId,
        connection_id: identity.connectionId,
        ...describeError(error),
      });
      return { outcome: 'unknown', cursorResets: 0, message: 'sync run failed' };
    } finally {
      this.#running = false;
      this.#runAbort = undefined;
      await database.close();
    }
  }

  /** The card's projection of this run: status, error, next planned run, lag. */
  async #publishCard(identity: ConnectionIdentity, card: CardFacts, correlationId: string): Promise<void> {
    const next = this.deps.schedule.pending().find((row) => row.kind === 'poll' || row.kind === 'retry');
    await this.#withDatabase(
      (db) =>
        db.asTenant(claimsOf(identity), (tx) =>
          recordSyncOutcome(tx, identity.connectionId, {
            ok: card.ok,
            errorCode: card.errorCode,
            failing: card.failing,
            nextSyncAt: next ? new Date(next.dueAt) : null,
            ...(card.lagMs !== undefined ? { lagMs: card.lagMs } : {}),
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

  #withDatabase<T>(work: (db: Database) => Promise<T>, correlationId: string): Promise<T | undefined> {
    const connectionId = this.deps.machine.identity?.connectionId ?? null;
    return withDatabase(this.deps.env, work, { correlationId, connectionId });
  }
}

function logRun(
  identity: ConnectionIdentity,
  result: RunResult,
  started: number,
  correlationId: string,
): void {
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
}
