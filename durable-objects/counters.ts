/** The object's operational counters (alarm runs, sync requests, the last handled rows): for tests and operators. */
import type { ScheduleKind } from './schedule.ts';
import { EMPTY_COUNTERS, type ObjectCounters, type ObjectStorage } from './storage.ts';

const HANDLED_KEPT = 20;

export class Counters {
  constructor(private readonly store: ObjectStorage) {}

  async read(): Promise<ObjectCounters> {
    return (await this.store.read('counters')) ?? EMPTY_COUNTERS;
  }

  alarmRan(): Promise<void> {
    return this.#update((c) => ({ ...c, alarmRuns: c.alarmRuns + 1 }));
  }

  syncRequested(): Promise<void> {
    return this.#update((c) => ({ ...c, syncRequests: c.syncRequests + 1 }));
  }

  handled(kind: ScheduleKind, outcome: string): Promise<void> {
    return this.#update((c) => ({
      ...c,
      handled: [...c.handled, { kind, at: Date.now(), outcome }].slice(-HANDLED_KEPT),
    }));
  }

  async #update(change: (counters: ObjectCounters) => ObjectCounters): Promise<void> {
    await this.store.write('counters', change(await this.read()));
  }
}
