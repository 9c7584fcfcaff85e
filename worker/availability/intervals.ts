/**
 * Half-open time intervals `[start, end)` in epoch milliseconds, the currency of free/busy and
 * availability. Every function here returns a *normal form*: sorted by start, non-empty, and
 * neither overlapping nor touching (adjacent blocks are one block), so "busy at t" is a binary
 * search and two lists can be swept together.
 */

/** An instant: epoch milliseconds or a Date. */
export type Instant = number | Date;

/** A half-open interval `[start, end)` in epoch milliseconds. */
export interface Interval {
  readonly start: number;
  readonly end: number;
}

/** An interval as callers may hold it (Dates from the database, numbers from arithmetic). */
export interface IntervalInput {
  readonly start: Instant;
  readonly end: Instant;
}

export const MINUTE_MS = 60_000;
export const DAY_MS = 86_400_000;

export function toMs(instant: Instant): number {
  return typeof instant === 'number' ? instant : instant.getTime();
}

/**
 * Merges intervals into normal form. Overlapping and adjacent intervals (`a.end === b.start`)
 * become one; empty, zero-length, inverted or non-finite ones are dropped (a zero-length event
 * blocks nothing, and a malformed row must not poison a whole answer).
 */
export function mergeIntervals(intervals: Iterable<IntervalInput>): Interval[] {
  const valid: Interval[] = [];
  for (const interval of intervals) {
    const start = toMs(interval.start);
    const end = toMs(interval.end);
    if (Number.isFinite(start) && Number.isFinite(end) && end > start) valid.push({ start, end });
  }
  valid.sort((a, b) => a.start - b.start || a.end - b.end);
  const merged: Interval[] = [];
  for (const next of valid) {
    const last = merged[merged.length - 1];
    if (last && next.start <= last.end) {
      if (next.end > last.end) merged[merged.length - 1] = { start: last.start, end: next.end };
    } else {
      merged.push(next);
    }
  }
  return merged;
}

/** The parts of `intervals` inside `range`, in normal form. */
export function clipIntervals(intervals: Iterable<IntervalInput>, range: IntervalInput): Interval[] {
  const rangeStart = toMs(range.start);
  const rangeEnd = toMs(range.end);
  const clipped: Interval[] = [];
  for (const interval of intervals) {
    clipped.push({
      start: Math.max(toMs(interval.start), rangeStart),
      end: Math.min(toMs(interval.end), rangeEnd),
    });
  }
  return mergeIntervals(clipped);
}

/**
 * Widens every interval by `paddingMs` on both sides and merges the result: buffers around busy
 * blocks. Zero-length intervals stay ignored (they are dropped before padding), so a zero-length
 * reminder never grows a buffer.
 */
export function padIntervals(intervals: Iterable<IntervalInput>, paddingMs: number): Interval[] {
  return mergeIntervals(
    mergeIntervals(intervals).map((interval) => ({
      start: interval.start - paddingMs,
      end: interval.end + paddingMs,
    })),
  );
}

/** The instants in both lists, in normal form. */
export function intersectIntervals(a: Iterable<IntervalInput>, b: Iterable<IntervalInput>): Interval[] {
  const left = mergeIntervals(a);
  const right = mergeIntervals(b);
  const result: Interval[] = [];
  let i = 0;
  let j = 0;
  while (i < left.length && j < right.length) {
    const l = left[i]!;
    const r = right[j]!;
    const start = Math.max(l.start, r.start);
    const end = Math.min(l.end, r.end);
    if (end > start) result.push({ start, end });
    if (l.end < r.end) i++;
    else j++;
  }
  return result;
}

/** The instants of `from` not in `remove`, in normal form (free time = range minus busy). */
export function subtractIntervals(
  from: Iterable<IntervalInput>,
  remove: Iterable<IntervalInput>,
): Interval[] {
  const removed = mergeIntervals(remove);
  const result: Interval[] = [];
  let j = 0;
  for (const interval of mergeIntervals(from)) {
    let cursor = interval.start;
    while (j < removed.length && removed[j]!.end <= cursor) j++;
    let k = j;
    while (k < removed.length && removed[k]!.start < interval.end) {
      const block = removed[k]!;
      if (block.start > cursor) result.push({ start: cursor, end: block.start });
      cursor = Math.max(cursor, block.end);
      k++;
    }
    if (cursor < interval.end) result.push({ start: cursor, end: interval.end });
  }
  return result;
}
