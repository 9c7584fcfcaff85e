/**
 * The alarm's work: every due schedule row through its kind's handler, one after another. A row
 * stays in the table while its handler runs and goes when the handler finished (schedule.ts `claim` /
 * `finish`), so a process that dies mid-handler loses no work. A handler that throws is logged, not
 * rethrown (a rethrow would make the runtime retry the whole alarm), and its row comes due again
 * after the first retry delay: a poll that failed unexpectedly must still be followed by a poll.
 */
import { describeError, log } from '../worker/log.ts';
import type { Counters } from './counters.ts';
import {
  CLAIM_WATCHDOG_MS,
  correlationOf,
  type Schedule,
  type ScheduleKind,
  type ScheduleRow,
} from './schedule.ts';
import { retryDelayMs, SYNC_DEBOUNCE_MS } from './timing.ts';

export type Handler = (row: ScheduleRow) => Promise<string>;

export interface ScheduledWorkDeps {
  schedule: Schedule;
  counters: Counters;
  handlers: Record<ScheduleKind, Handler>;
  /** The connection the object is attached to; null once a handler found it gone (storage cleared). */
  connectionId(): string | null;
  /** Keeps an alarm at most CLAIM_WATCHDOG_MS ahead while a handler runs (armWatchdog below). */
  armWatchdog(): Promise<void>;
}

export async function runDueWork(deps: ScheduledWorkDeps, now: number): Promise<void> {
  const { schedule, counters, handlers } = deps;
  await counters.alarmRan();
  // Rows due within the debounce window join this run instead of arming another alarm a moment later.
  const horizon = now + SYNC_DEBOUNCE_MS;
  for (const row of schedule.due(horizon)) {
    if (!schedule.claim(row, horizon)) continue;
    // The claimed row's watchdog: if this process dies mid-handler, the alarm still wakes the object.
    await deps.armWatchdog();
    let outcome: string;
    try {
      outcome = await handlers[row.kind](row);
      schedule.finish(row);
    } catch (error) {
      outcome = 'failed';
      schedule.retryLater(row, Date.now() + retryDelayMs(1, Math.random()));
      log('error', 'scheduled work failed', {
        correlationId: correlationOf(row),
        connection_id: deps.connectionId(),
        kind: row.kind,
        ...describeError(error),
      });
    }
    // A handler that found the connection gone cleared storage: writing counters would put a key back.
    if (deps.connectionId() === null) continue;
    await counters.handled(row.kind, outcome);
  }
}

/**
 * While a handler runs, the alarm points at most CLAIM_WATCHDOG_MS ahead — never into the past: an
 * overdue alarm would start another alarm run beside this one (the rows it finds due are this run's
 * anyway). The re-arm after the run points it at the earliest row again.
 */
export async function armWatchdog(storage: DurableObjectStorage, now: number): Promise<void> {
  const current = await storage.getAlarm();
  const watchdog = now + CLAIM_WATCHDOG_MS;
  if (current === null || current <= now || current > watchdog) await storage.setAlarm(watchdog);
}

/** The single alarm points at the earliest schedule row (or a claimed row's watchdog, or nowhere). */
export async function armNextAlarm(storage: DurableObjectStorage, schedule: Schedule): Promise<void> {
  const next = schedule.earliestDueAt(Date.now());
  const current = await storage.getAlarm();
  if (next === null) {
    if (current !== null) await storage.deleteAlarm();
  } else if (current !== next) {
    await storage.setAlarm(next);
  }
}
