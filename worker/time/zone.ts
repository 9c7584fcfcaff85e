/**
 * The one zone module (issue 21 §3): which zone names exist, instant ↔ wall time, and where a
 * zone's days begin, for every layer (availability, sync, the provider adapters, the services).
 * Offsets come from `@date-fns/tz`'s `tzOffset`, which reads the runtime's IANA data through
 * `Intl`, so it works the same on Node and workerd.
 *
 * A *wall time* is the epoch-millisecond number whose UTC fields equal the local clock fields
 * (`instant + offset`), so wall days are always exactly 24 h long and `new Date(wall).getUTCDay()`
 * is the local weekday. The model: a zone's UTC offset is piecewise constant; over a bounded range
 * we find the pieces ("offset segments") and convert inside each.
 *
 * Wall → instant comes in three shapes, each with its own rule:
 * - a wall *range* (`wallRangeToInstants`): every instant whose clock reads inside it, so skipped
 *   clock times contribute nothing and repeated ones both occurrences (working hours, all-day days);
 * - every instant of one wall time (`instantsAtWall`, `wallTimeToInstants`): none in a gap, two in
 *   an overlap (slot starts aligned to the clock);
 * - one instant for one wall time (`instantOfWall`): RFC 5545 §3.3.5, a time in a gap moves
 *   forward by the gap and an ambiguous one takes the first (earlier) instant (recurrence
 *   expansion, provider wall times).
 *
 * Why not `tzScan` from the same package: it walks month → day → hour and so misses changes (from
 * 2026-10-31T12:00Z it finds no New York change on 2026-11-01, because a month step from the 31st
 * overflows) and reports half-hour changes (St. John's, Lord Howe) up to 30 minutes late. We
 * sample the offset every few hours and bisect each change to the minute instead. Why not the
 * `TZDate` constructor for `instantOfWall`: in an overlap it returns the *later* instant for zones
 * east of UTC (Berlin 02:30 on the fall-back day → 01:30Z, not 00:30Z), against RFC 5545.
 */
import { tzOffset } from '@date-fns/tz';

/** A half-open interval `[start, end)` of epoch milliseconds. */
export interface Interval {
  readonly start: number;
  readonly end: number;
}

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

/** A stretch `[start, end)` of instants over which the zone's UTC offset is `offsetMs`. */
export interface OffsetSegment extends Interval {
  readonly offsetMs: number;
}

/** No zone changes its offset twice within this span, so sampling at it finds every change. */
const SAMPLE_STEP_MS = 6 * 3_600_000;
/** Offsets lie within -12 h … +14 h: one day of margin covers every instant of a wall range. */
const WALL_MARGIN_MS = DAY_MS;

/**
 * Whether the runtime knows the IANA zone (any letter case; links such as `Europe/Kyiv` or
 * `Asia/Kolkata` included). A `DateTimeFormat` probe rather than `Intl.supportedValuesOf`, whose
 * list leaves out links and `UTC` and differs between ICU builds.
 */
export function isKnownTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/**
 * A known zone as the caller wrote it: ICU resolves `Europe/Kyiv` to the legacy alias `Europe/Kiev`
 * and `Asia/Kolkata` to `Asia/Calcutta`, and such an alias must not reach a provider or an answer.
 * Only the letter case is corrected when the name is the runtime's own spelling in another case
 * (`europe/berlin` → `Europe/Berlin`); a link's case cannot be looked up, so it stays. Throws
 * RangeError for an unknown zone (check with `isKnownTimeZone` first).
 */
export function zoneAsWritten(name: string): string {
  const resolved = new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone;
  return resolved.toLowerCase() === name.toLowerCase() ? resolved : name;
}

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

/**
 * The wall time a clock in `timeZone` reads at `instantMs` (see the module comment). Throws
 * RangeError for an unknown zone.
 */
export function wallOf(instantMs: number, timeZone: string): number {
  const offsetMs = offsetAt(timeZone, instantMs);
  if (Number.isNaN(offsetMs)) throw new RangeError(`unknown time zone: ${timeZone}`);
  return instantMs + offsetMs;
}

/** The calendar date (`YYYY-MM-DD`) of an instant in `timeZone`. */
export function dateInZone(instantMs: number, timeZone: string): string {
  return new Date(wallOf(instantMs, timeZone)).toISOString().slice(0, 10);
}

/** `YYYY-MM-DDTHH:mm:ss` as a clock in `timeZone` reads at `instantMs` (providers' local `dateTime`). */
export function wallTimeIn(instantMs: number, timeZone: string): string {
  return new Date(wallOf(instantMs, timeZone)).toISOString().slice(0, 19);
}

/**
 * Every instant at which a clock in `timeZone` reads `wall`, earliest first: one, none in a
 * spring-forward gap, two in a fall-back overlap. The offsets a day either side bound every
 * candidate (no zone changes its offset twice within two days), as Temporal's
 * `GetPossibleEpochNanoseconds` does.
 */
export function instantsAtWall(wall: number, timeZone: string): number[] {
  const before = offsetAt(timeZone, wall - DAY_MS);
  const after = offsetAt(timeZone, wall + DAY_MS);
  if (Number.isNaN(before) || Number.isNaN(after)) throw new RangeError(`unknown time zone: ${timeZone}`);
  const candidates = before === after ? [wall - before] : [wall - before, wall - after];
  return candidates.filter((instant) => instant + offsetAt(timeZone, instant) === wall).sort((a, b) => a - b);
}

/**
 * The one instant for a wall time, by RFC 5545 §3.3.5 (docs/decisions.md, recurrence): an
 * ambiguous time takes the first (earlier) instant, and a time skipped by a gap is read with the
 * offset from before the gap, which moves it forward by the gap's length (02:30 on New York's
 * spring-forward day → 03:30 EDT; 02:15 on Lord Howe's → 02:45).
 */
export function instantOfWall(wall: number, timeZone: string): number {
  const instants = instantsAtWall(wall, timeZone);
  return instants[0] ?? wall - offsetAt(timeZone, wall - DAY_MS);
}
