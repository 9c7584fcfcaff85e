/**
 * The free/busy benchmarks' calendars (issue 14): per user 2,000 events, 100 weekly series over a
 * year and 1,900 singles (30 or 60 minutes, every hundredth all-day), seeded per user so every run
 * writes the same mirror; and the sampling loop. Shared by freebusy.bench.test.ts and the profile.
 */
import { emptyMirrorEvent } from '../../worker/sync/mirror-event.ts';
import type { MirrorEvent, NormalizedChange } from '../../worker/sync/types.ts';

export const EVENTS_PER_USER = 2_000;
export const SERIES_PER_USER = 100;
export const SAMPLES = 150;
export const DAY = 86_400_000;
// Next Monday 00:00 UTC, so windows start on a working week.
export const FROM = (() => {
  const now = new Date();
  const monday =
    Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()) +
    DAY * ((8 - now.getUTCDay()) % 7 || 7);
  return monday;
})();

function mirrorEvent(id: string, timing: MirrorEvent['timing'], recurrence: string[] | null): MirrorEvent {
  return {
    ...emptyMirrorEvent(id, id),
    seriesRole: recurrence ? 'master' : 'single',
    icalUid: `${id}@bench`,
    title: `Bench ${id}`,
    timing,
    timeZone: 'Europe/Berlin',
    recurrence,
  };
}

/** 100 weekly series (a year) and 1,900 singles over the year, 30 or 60 minutes, some all-day. */
export function calendarOf(userIndex: number): NormalizedChange[] {
  const changes: NormalizedChange[] = [];
  let seed = userIndex * 7919 + 17;
  const random = () => {
    seed = (seed * 48271) % 2147483647;
    return seed / 2147483647;
  };
  for (let i = 0; i < SERIES_PER_USER; i++) {
    const start =
      FROM - 30 * DAY + Math.floor(random() * 7) * DAY + (7 + Math.floor(random() * 10)) * 3_600_000;
    changes.push({
      kind: 'upsert',
      event: mirrorEvent(
        `s${userIndex}x${i}`,
        { allDay: false, startMs: start, endMs: start + 30 * 60_000 },
        ['RRULE:FREQ=WEEKLY;COUNT=52'],
      ),
    });
  }
  for (let i = 0; i < EVENTS_PER_USER - SERIES_PER_USER; i++) {
    const day = Math.floor(random() * 365) - 30;
    if (i % 100 === 0) {
      const date = new Date(FROM + day * DAY).toISOString().slice(0, 10);
      const next = new Date(FROM + (day + 1) * DAY).toISOString().slice(0, 10);
      changes.push({
        kind: 'upsert',
        event: mirrorEvent(`d${userIndex}x${i}`, { allDay: true, startDate: date, endDate: next }, null),
      });
      continue;
    }
    const start =
      FROM + day * DAY + (6 + Math.floor(random() * 14)) * 3_600_000 + (random() < 0.5 ? 0 : 1_800_000);
    const length = (random() < 0.5 ? 30 : 60) * 60_000;
    changes.push({
      kind: 'upsert',
      event: mirrorEvent(
        `e${userIndex}x${i}`,
        { allDay: false, startMs: start, endMs: start + length },
        null,
      ),
    });
  }
  return changes;
}

export async function timed(samples: number, run: () => Promise<unknown>): Promise<number[]> {
  await run(); // warm
  const out: number[] = [];
  for (let i = 0; i < samples; i++) {
    const t = performance.now();
    await run();
    out.push(performance.now() - t);
  }
  return out;
}

/**
 * Samples two operations alternately (A B, then B A, …), so both see the same machine: on a shared
 * box, timing all of A and then all of B lets a burst of load land on one side of a ratio only.
 */
export async function timedInterleaved(
  samples: number,
  first: () => Promise<unknown>,
  second: () => Promise<unknown>,
): Promise<[number[], number[]]> {
  await first(); // warm
  await second();
  const a: number[] = [];
  const b: number[] = [];
  const sample = async (run: () => Promise<unknown>, into: number[]) => {
    const t = performance.now();
    await run();
    into.push(performance.now() - t);
  };
  for (let i = 0; i < samples; i++) {
    if (i % 2 === 0) {
      await sample(first, a);
      await sample(second, b);
    } else {
      await sample(second, b);
      await sample(first, a);
    }
  }
  return [a, b];
}
