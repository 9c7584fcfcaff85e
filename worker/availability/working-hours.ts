/**
 * Working hours as instants. Hours are wall-clock times per weekday in one IANA zone, so 09:00
 * stays 09:00 local across a DST change (the UTC instant moves by an hour, the slot does not).
 *
 * Semantics (the same rule everywhere, and what the tests' minute-grid oracle checks): an instant
 * is working time when its local weekday has a range `[start, end)` containing its local clock
 * time. Consequences on DST days:
 * - spring forward: clock times that do not exist contribute nothing. `02:00–04:00` on the New
 *   York spring-forward day is one hour (03:00–04:00 EDT); a range wholly inside the gap
 *   (`02:15–02:45`) is empty that day. A range that starts in the gap starts when the gap ends.
 * - fall back: repeated clock times count twice. `01:00–02:00` on the New York fall-back day is two
 *   hours; a 09:00–17:00 day is unaffected (the change happens at night).
 */

import { segmentsForWallRange, wallDayStart, wallRangeToInstants } from '../time/zone.ts';
import { DAY_MS, type Interval, type IntervalInput, MINUTE_MS, mergeIntervals, toMs } from './intervals.ts';

/** Weekday keys, indexed like `Date.prototype.getUTCDay()` (0 = Sunday). */
export const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** One working range of a day, `HH:MM` wall-clock times, `start < end`, `end` up to `24:00`. */
export interface WorkingRange {
  readonly start: string;
  readonly end: string;
}

/**
 * Working ranges per weekday; a missing or empty day has no working time. Several ranges a day
 * are allowed (a lunch break); an overnight shift is written as two days' ranges
 * (`mon: 22:00–24:00`, `tue: 00:00–06:00`), which merge into one window.
 */
export type WorkingHours = Partial<Record<Weekday, readonly WorkingRange[]>>;

/** Monday to Friday, 09:00–17:00: what a CRM user expects when nobody said otherwise. */
export const DEFAULT_WORKING_HOURS: WorkingHours = Object.freeze({
  mon: [{ start: '09:00', end: '17:00' }],
  tue: [{ start: '09:00', end: '17:00' }],
  wed: [{ start: '09:00', end: '17:00' }],
  thu: [{ start: '09:00', end: '17:00' }],
  fri: [{ start: '09:00', end: '17:00' }],
});

const CLOCK_PATTERN = /^([01]\d|2[0-4]):([0-5]\d)$/;

/** `HH:MM` (00:00–24:00) as minutes after midnight, or null when malformed. */
export function parseClock(clock: string): number | null {
  const match = CLOCK_PATTERN.exec(clock);
  if (!match) return null;
  const minutes = Number(match[1]) * 60 + Number(match[2]);
  return minutes <= 1440 ? minutes : null;
}

function rangeMinutes(range: WorkingRange): { start: number; end: number } {
  const start = parseClock(range.start);
  const end = parseClock(range.end);
  if (start === null || end === null || start >= end) {
    throw new RangeError(`invalid working range ${range.start}–${range.end}`);
  }
  return { start, end };
}

/**
 * The working time inside `range` for someone in `timeZone` with `hours`, as merged instants.
 * Throws RangeError for malformed hours (validate requests with `checkWorkingHours` first).
 */
export function workingWindows(range: IntervalInput, timeZone: string, hours: WorkingHours): Interval[] {
  const rangeStart = toMs(range.start);
  const rangeEnd = toMs(range.end);
  if (!(rangeEnd > rangeStart)) return [];
  const perWeekday = WEEKDAYS.map((day) => (hours[day] ?? []).map(rangeMinutes));
  // Local days that can hold an instant of the range (offsets are within ±14 h).
  const firstDay = wallDayStart(rangeStart - DAY_MS);
  const lastDay = wallDayStart(rangeEnd + DAY_MS);
  const segments = segmentsForWallRange(timeZone, firstDay, lastDay + DAY_MS);
  const pieces: Interval[] = [];
  for (let day = firstDay; day <= lastDay; day += DAY_MS) {
    for (const minutes of perWeekday[new Date(day).getUTCDay()]!) {
      const wallStart = day + minutes.start * MINUTE_MS;
      const wallEnd = day + minutes.end * MINUTE_MS;
      for (const piece of wallRangeToInstants(segments, wallStart, wallEnd)) {
        const start = Math.max(piece.start, rangeStart);
        const end = Math.min(piece.end, rangeEnd);
        if (end > start) pieces.push({ start, end });
      }
    }
  }
  return mergeIntervals(pieces);
}
