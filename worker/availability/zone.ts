/**
 * Time-zone arithmetic for availability, on top of `@date-fns/tz`'s `tzOffset` (which reads the
 * runtime's IANA data through `Intl`, so it works the same on Node and workerd).
 *
 * The model: a zone's UTC offset is piecewise constant. Over a bounded range we find the pieces
 * ("offset segments"); inside one, local wall-clock time is `instant + offset`. A *wall time* here
 * is the epoch-millisecond number whose UTC fields equal the local clock fields (so wall days are
 * always exactly 24 h long and `new Date(wall).getUTCDay()` is the local weekday).
 *
 * Converting a wall-clock *range* back to instants is exact and needs no disambiguation rule:
 * the result is every instant whose local clock reads inside the range. Clock times skipped by a
 * spring-forward gap contribute nothing; clock times repeated after a fall-back contribute both
 * occurrences.
 *
 * Why not `tzScan` from the same package: it walks month → day → hour and so misses changes (from
 * 2026-10-31T12:00Z it finds no New York change on 2026-11-01, because a month step from the 31st
 * overflows) and reports half-hour changes (St. John's, Lord Howe) up to 30 minutes late. We
 * sample the offset every few hours and bisect each change to the minute instead.
 */
import { tzOffset } from '@date-fns/tz';
import { DAY_MS, type Interval, MINUTE_MS } from './intervals.ts';

/** A stretch `[start, end)` of instants over which the zone's UTC offset is `offsetMs`. */
export interface OffsetSegment extends Interval {
  readonly offsetMs: number;
}

/** No zone changes its offset twice within this span, so sampling at it finds every change. */
const SAMPLE_STEP_MS = 6 * 3_600_000;
/** Offsets lie within -12 h … +14 h: one day of margin covers every instant of a wall range. */
const WALL_MARGIN_MS = DAY_MS;

/** UTC offset of `timeZone` at `instantMs`, in ms (NaN for an unknown zone). */
export function offsetAt(timeZone: string, instantMs: number): number {
  return tzOffset(timeZone, new Date(instantMs)) * MINUTE_MS;
}

/**
 * Offsets at sample points (whole multiples of the sample step since the epoch), memoised for the
 * isolate's lifetime: an `Intl` format costs microseconds and every all-day event or working-hours
 * query samples the same few days again. Cleared wholesale when large; the data never goes stale
 * (the runtime's zone data is fixed while it runs).
 */
const sampleCache = new Map<string, number>();
const SAMPLE_CACHE_LIMIT = 100_000;

function sampledOffset(timeZone: string, instantMs: number): number {
  if (instantMs % SAMPLE_STEP_MS !== 0) return offsetAt(timeZone, instantMs);
  const key = `${timeZone}|${instantMs}`;
  let offsetMs = sampleCache.get(key);
  if (offsetMs === undefined) {
    if (sampleCache.size >= SAMPLE_CACHE_LIMIT) sampleCache.clear();
    offsetMs = offsetAt(timeZone, instantMs);
    sampleCache.set(key, offsetMs);
  }
  return offsetMs;
}

/** First whole minute in `(low, high]` whose offset differs from `offsetMs` at `low`. */
function bisectChange(timeZone: string, low: number, high: number, offsetMs: number): number {
  let lowMinute = Math.floor(low / MINUTE_MS);
  let highMinute = Math.ceil(high / MINUTE_MS);
  while (highMinute - lowMinute > 1) {
    const mid = Math.floor((lowMinute + highMinute) / 2);
    if (offsetAt(timeZone, mid * MINUTE_MS) === offsetMs) lowMinute = mid;
    else highMinute = mid;
  }
  return highMinute * MINUTE_MS;
}

/**
 * The change inside the sample step ending at `next`, memoised like the samples: there is at most
 * one per step, so the minute found once holds for every later probe of that step.
 */
function changeBefore(timeZone: string, probe: number, next: number, offsetMs: number): number {
  const key = `${timeZone}|change|${next}`;
  const cached = sampleCache.get(key);
  if (cached !== undefined && cached > probe) return cached;
  const change = bisectChange(timeZone, probe, next, offsetMs);
  if (next % SAMPLE_STEP_MS === 0) {
    if (sampleCache.size >= SAMPLE_CACHE_LIMIT) sampleCache.clear();
    sampleCache.set(key, change);
  }
  return change;
}

/**
 * The offset segments covering `range`, in order. The first starts at `range.start` and the last
 * ends at `range.end`; changes are located to the minute (every tzdb change since 1970 is on a
 * minute boundary).
 */
export function offsetSegments(timeZone: string, range: Interval): OffsetSegment[] {
  let offsetMs = offsetAt(timeZone, range.start);
  if (Number.isNaN(offsetMs)) throw new RangeError(`unknown time zone: ${timeZone}`);
  const segments: OffsetSegment[] = [];
  let segmentStart = range.start;
  let probe = range.start;
  while (probe < range.end) {
    const next = Math.min((Math.floor(probe / SAMPLE_STEP_MS) + 1) * SAMPLE_STEP_MS, range.end);
    if (sampledOffset(timeZone, next) === offsetMs) {
      probe = next;
      continue;
    }
    const change = changeBefore(timeZone, probe, next, offsetMs);
    if (change >= range.end) break;
    segments.push({ start: segmentStart, end: change, offsetMs });
    segmentStart = change;
    offsetMs = offsetAt(timeZone, change);
    probe = change;
  }
  segments.push({ start: segmentStart, end: range.end, offsetMs });
  return segments;
}

/**
 * Offset segments wide enough to convert any wall time in `[wallStart, wallEnd)` to instants.
 * Callers that convert many wall ranges compute this once and pass it to `wallRangeToInstants`.
 */
export function segmentsForWallRange(timeZone: string, wallStart: number, wallEnd: number): OffsetSegment[] {
  return offsetSegments(timeZone, { start: wallStart - WALL_MARGIN_MS, end: wallEnd + WALL_MARGIN_MS });
}

/**
 * Every instant whose local wall time lies in `[wallStart, wallEnd)`, as sorted disjoint pieces
 * (one piece except around a fall-back, where repeated clock times may add a second). The pieces
 * are not merged with each other: callers merge once at the end.
 */
export function wallRangeToInstants(
  segments: readonly OffsetSegment[],
  wallStart: number,
  wallEnd: number,
): Interval[] {
  const pieces: Interval[] = [];
  for (const segment of segments) {
    const start = Math.max(segment.start, wallStart - segment.offsetMs);
    const end = Math.min(segment.end, wallEnd - segment.offsetMs);
    if (end > start) pieces.push({ start, end });
  }
  return pieces;
}

/** Every instant whose local wall time is exactly `wall` (none in a gap, two in a fall-back overlap). */
export function wallTimeToInstants(segments: readonly OffsetSegment[], wall: number): number[] {
  const instants: number[] = [];
  for (const segment of segments) {
    const instant = wall - segment.offsetMs;
    if (instant >= segment.start && instant < segment.end) instants.push(instant);
  }
  return instants;
}

/** Start of the wall day containing `wall` (wall days are exactly 24 h). */
export function wallDayStart(wall: number): number {
  return Math.floor(wall / DAY_MS) * DAY_MS;
}
