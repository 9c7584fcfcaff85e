/**
 * Slot finding: "find 30 minutes for these five people next week".
 *
 * A candidate start `s` gives the slot `[s, s + duration)`. It is offered when at least `required`
 * users are free for it, where a user is free when
 * - the slot lies inside one of their working windows (the buffer need not: a 09:00 slot is fine
 *   after a free 08:45), and
 * - no busy block comes within `buffer` of it: `[s - buffer, s + duration + buffer)` meets no busy
 *   instant. Equivalently every busy block is widened by the buffer on both sides.
 *
 * Candidate starts are aligned to the step *in the requested zone*: the local clock reads a whole
 * multiple of the step after local midnight (step 30 → :00 and :30 local, also in Kolkata or
 * Kathmandu, whose offsets are not whole hours). A step that does not divide the day restarts at
 * each local midnight. Clock times skipped by spring-forward give no candidate; repeated ones
 * after fall-back give two. Slots are sorted by start, at most `maxSlots` of them, with
 * `truncated` saying whether more existed.
 */

import { segmentsForWallRange, wallDayStart, wallTimeToInstants } from '../time/zone.ts';
import { DAY_MS, type Interval, MINUTE_MS, mergeIntervals, padIntervals } from './intervals.ts';

/** The slots returned by default; a page of "next week" in a scheduling UI needs far fewer. */
export const DEFAULT_MAX_SLOTS = 500;

export interface SlotUser {
  readonly id: string;
  /** Busy intervals (merged or not); fetch them over the range widened by the buffer. */
  readonly busy: readonly Interval[];
  /** This user's own working windows; when absent, the query's `sharedWorking` applies. */
  readonly working?: readonly Interval[];
}

export interface SlotQuery {
  /** Slots lie wholly inside `[range.start, range.end)`. */
  readonly range: Interval;
  /** The requested IANA zone: candidate starts are aligned to the step on its clock. */
  readonly timeZone: string;
  readonly durationMinutes: number;
  readonly bufferMinutes?: number;
  readonly slotStepMinutes: number;
  /** `'all'` or the least number of free users (any N of the panel). */
  readonly required: 'all' | number;
  readonly users: readonly SlotUser[];
  /** Working windows for users without their own; absent = no working-hours restriction. */
  readonly sharedWorking?: readonly Interval[];
  readonly maxSlots?: number;
}

export interface Slot {
  readonly start: number;
  readonly end: number;
  /** Ids of every free user, in the order of `users`. */
  readonly free_user_ids: string[];
}

export interface SlotResult {
  readonly slots: Slot[];
  /** True when more slots existed than `maxSlots`. */
  readonly truncated: boolean;
}

/** The default step: the meeting's length up to 30 minutes (15-minute meetings every 15). */
export function defaultSlotStep(durationMinutes: number): number {
  return Math.min(durationMinutes, 30);
}

/** Instants in `[from, to]` whose local clock in `timeZone` is a multiple of `stepMinutes` after midnight. */
export function alignedStarts(timeZone: string, from: number, to: number, stepMinutes: number): number[] {
  if (!Number.isInteger(stepMinutes) || stepMinutes < 1) throw new RangeError('step must be whole minutes');
  if (to < from) return [];
  const stepMs = stepMinutes * MINUTE_MS;
  const firstDay = wallDayStart(from - DAY_MS);
  const lastDay = wallDayStart(to + DAY_MS);
  const segments = segmentsForWallRange(timeZone, firstDay, lastDay + DAY_MS);
  const starts: number[] = [];
  for (let day = firstDay; day <= lastDay; day += DAY_MS) {
    for (let wall = day; wall < day + DAY_MS; wall += stepMs) {
      for (const instant of wallTimeToInstants(segments, wall)) {
        if (instant >= from && instant <= to) starts.push(instant);
      }
    }
  }
  // Each instant has one wall time, so there are no duplicates; fall-back repeats need sorting.
  return starts.sort((a, b) => a - b);
}

/** Walks one user's sorted windows and busy blocks along non-decreasing candidate starts. */
class FreeCursor {
  private workingIndex = 0;
  private busyIndex = 0;

  constructor(
    private readonly working: readonly Interval[] | null,
    private readonly busy: readonly Interval[],
  ) {}

  isFree(start: number, end: number): boolean {
    if (this.working) {
      // Windows are merged, so only the first one ending at or after `end` can contain the slot.
      while (this.workingIndex < this.working.length && this.working[this.workingIndex]!.end < end) {
        this.workingIndex++;
      }
      const window = this.working[this.workingIndex];
      if (!window || window.start > start) return false;
    }
    while (this.busyIndex < this.busy.length && this.busy[this.busyIndex]!.end <= start) this.busyIndex++;
    const block = this.busy[this.busyIndex];
    return !block || block.start >= end;
  }
}

/**
 * Slots of `query` (see the module comment); pure and deterministic. Throws RangeError for an
 * unknown zone or a step that is not whole minutes (requests are checked before this).
 */
export function findSlots(query: SlotQuery): SlotResult {
  const durationMs = query.durationMinutes * MINUTE_MS;
  const bufferMs = (query.bufferMinutes ?? 0) * MINUTE_MS;
  const maxSlots = query.maxSlots ?? DEFAULT_MAX_SLOTS;
  const needed = query.required === 'all' ? query.users.length : query.required;
  if (needed < 1 || needed > query.users.length || durationMs <= 0 || maxSlots < 1) {
    return { slots: [], truncated: false };
  }
  const shared = query.sharedWorking ? mergeIntervals(query.sharedWorking) : null;
  const cursors = query.users.map(
    (user) =>
      new FreeCursor(user.working ? mergeIntervals(user.working) : shared, padIntervals(user.busy, bufferMs)),
  );
  const starts = alignedStarts(
    query.timeZone,
    query.range.start,
    query.range.end - durationMs,
    query.slotStepMinutes,
  );
  const slots: Slot[] = [];
  for (const start of starts) {
    const end = start + durationMs;
    const free: string[] = [];
    for (let index = 0; index < query.users.length; index++) {
      // Stop as soon as the rest cannot make up the number needed; cursors only need starts that
      // never decrease, so one skipping a start is fine.
      if (free.length + (query.users.length - index) < needed) break;
      if (cursors[index]!.isFree(start, end)) free.push(query.users[index]!.id);
    }
    if (free.length < needed) continue;
    if (slots.length === maxSlots) return { slots, truncated: true };
    slots.push({ start, end, free_user_ids: free });
  }
  return { slots, truncated: false };
}
