/**
 * The connection object's test seam (durable-objects/test-seam.ts), reached in-process through
 * runInDurableObject: time travel for its schedule, its counters and its typed stored values. Tests
 * use these instead of editing the object's SQLite table or storage keys by hand.
 */
import { runInDurableObject } from 'cloudflare:test';
import type { env } from 'cloudflare:workers';
import type { ScheduleKind } from '../../durable-objects/schedule.ts';
import type { StorageKey, Stored } from '../../durable-objects/storage.ts';
import { TEST_SEAM, type TestSeam } from '../../durable-objects/test-seam.ts';

type Stub = ReturnType<typeof env.CALENDAR_CONNECTION.get>;

const hasSeam = (object: object): object is { [TEST_SEAM](): TestSeam } => TEST_SEAM in object;

export const seam = <T>(stub: Stub, use: (seam: TestSeam) => T | Promise<T>): Promise<T> =>
  runInDurableObject(stub, (object) => {
    if (!hasSeam(object)) throw new Error('not a CalendarConnection');
    return use(object[TEST_SEAM]());
  });

/** Operational counters (not on the RPC surface). */
export const counters = (stub: Stub) => seam(stub, (s) => s.counters());
export const handled = async (stub: Stub) => (await counters(stub)).handled;
export const handledKinds = async (stub: Stub) => (await handled(stub)).map((h) => h.kind);

/** Every row becomes due `ms` earlier (what waiting `ms` would do). */
export const shiftSchedule = (stub: Stub, ms: number) => seam(stub, (s) => s.shiftSchedule(ms));

/** The pending row of `kind` replaced by one due at `dueAt`. */
export const putRow = (stub: Stub, kind: ScheduleKind, dueAt: number) =>
  seam(stub, (s) => s.putRow(kind, dueAt));

/** Another row of `kind` (a singleton kind's row is moved instead). */
export const addRow = (stub: Stub, kind: ScheduleKind, dueAt: number) =>
  seam(stub, (s) => s.addRow(kind, dueAt));

/** Pending rows of these kinds due now (an alarm armed for runDurableObjectAlarm); `queue` adds one when none. */
export const makeDue = (
  stub: Stub,
  kinds: readonly ScheduleKind[],
  options?: { queue?: ScheduleKind; at?: number },
) => seam(stub, (s) => s.makeDue(kinds, options));

/** The runtime's own alarm fires at once. */
export const fireAlarmNow = (stub: Stub) => seam(stub, (s) => s.fireAlarmNow());

export const scheduleRows = (stub: Stub) => seam(stub, (s) => s.rows());

export const readStored = <K extends StorageKey>(stub: Stub, key: K) => seam(stub, (s) => s.read(key));
export const writeStored = <K extends StorageKey>(stub: Stub, key: K, value: Stored<K>) =>
  seam(stub, (s) => s.write(key, value));

/** Kills the object (ctx.abort) wherever it is; resolves once the runtime reset it. */
export const die = (stub: Stub) => seam(stub, (s) => s.die()).catch(() => undefined);

export const footprint = (stub: Stub) => seam(stub, (s) => s.footprint());
