/**
 * The connection object's test seam: a typed way for tests to move its clock and read its counters
 * and stored values, instead of editing its SQLite table and storage keys by hand. Reached only
 * in-process — `runInDurableObject(stub, (object) => object[TEST_SEAM]().…)` from cloudflare:test —
 * because a symbol-named method is not callable over RPC, so production callers cannot reach it.
 *
 * Time travel moves the schedule's due times, never the alarm to the past: the test then triggers the
 * alarm itself (runDurableObjectAlarm), so the runtime's own alarm does not race it.
 */

import type { Counters } from './counters.ts';
import type { Schedule, ScheduleKind, ScheduleRow } from './schedule.ts';
import type { ObjectCounters, ObjectStorage, StorageKey, Stored } from './storage.ts';

export const TEST_SEAM: unique symbol = Symbol('CalendarConnection test seam');

/** How far ahead the seam arms an alarm when none is set, so runDurableObjectAlarm has one to run. */
const TEST_ALARM_AHEAD_MS = 60_000;

export interface TestSeam {
  /** Every row becomes due `ms` earlier (what waiting `ms` would do). */
  shiftSchedule(ms: number): Promise<void>;
  /** The pending row of `kind` is replaced by one due at `dueAt`; the alarm re-armed from the table. */
  putRow(kind: ScheduleKind, dueAt: number): Promise<void>;
  /** Another row of `kind` due at `dueAt` (a singleton kind's row is moved instead). */
  addRow(kind: ScheduleKind, dueAt: number): Promise<void>;
  /**
   * Pending rows of these kinds become due by `at` (default: now); `queue`: a row of that kind is
   * added when there is none. An alarm is armed if none is (for runDurableObjectAlarm to run).
   */
  makeDue(kinds: readonly ScheduleKind[], options?: { queue?: ScheduleKind; at?: number }): Promise<void>;
  /** The runtime's own alarm fires at once (what a restart with overdue rows does). */
  fireAlarmNow(): Promise<void>;
  /** Pending rows, earliest first. */
  rows(): ScheduleRow[];
  counters(): Promise<ObjectCounters>;
  read<K extends StorageKey>(key: K): Promise<Stored<K> | undefined>;
  write<K extends StorageKey>(key: K, value: Stored<K>): Promise<void>;
  /**
   * The process dies: the runtime resets the object (ctx.abort), so the run in flight never writes
   * again and the next request meets a fresh instance over the same storage. Throws, like a crash.
   */
  die(): void;
  /** Everything the object keeps: its key names, its SQLite tables, its alarm. */
  footprint(): Promise<{ keys: string[]; tables: string[]; alarm: number | null }>;
}

export interface TestSeamDeps {
  schedule: Schedule;
  store: ObjectStorage;
  counters: Counters;
  storage: DurableObjectStorage;
  armAlarm(): Promise<void>;
  abort(reason: string): void;
}

export function testSeam({ schedule, store, counters, storage, armAlarm, abort }: TestSeamDeps): TestSeam {
  const ensureAlarm = async () => {
    if ((await storage.getAlarm()) === null) await storage.setAlarm(Date.now() + TEST_ALARM_AHEAD_MS);
  };
  return {
    async shiftSchedule(ms) {
      schedule.shift(ms);
      await ensureAlarm();
    },
    async putRow(kind, dueAt) {
      schedule.removeKinds([kind]);
      schedule.schedule(kind, dueAt);
      await armAlarm();
    },
    async addRow(kind, dueAt) {
      schedule.schedule(kind, dueAt);
      await armAlarm();
    },
    async makeDue(kinds, { queue, at = Date.now() - 1 } = {}) {
      if (queue && schedule.pending(queue).length === 0) schedule.schedule(queue, at);
      schedule.dueBy(kinds, at);
      await ensureAlarm();
    },
    async fireAlarmNow() {
      await storage.setAlarm(Date.now());
    },
    rows: () => schedule.pending(),
    counters: () => counters.read(),
    read: (key) => store.read(key),
    write: (key, value) => store.write(key, value),
    die: () => abort('test seam: the process died mid-run'),
    async footprint() {
      const tables = storage.sql
        .exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'")
        .toArray()
        .map((row) => row.name);
      return { keys: [...(await storage.list()).keys()], tables, alarm: await storage.getAlarm() };
    },
  };
}
