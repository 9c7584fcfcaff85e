/**
 * All-day events as instants. Providers give an all-day event as dates (`2026-03-08` to
 * `2026-03-09`, end exclusive) with no zone: the day is the *owner's* local day. So an all-day
 * event of a user in Auckland is busy from 11:00 or 12:00 UTC the day before, and one of a user in
 * Los Angeles until 07:00 or 08:00 UTC the day after; on a DST day it is 23 or 25 hours long.
 */

import { segmentsForWallRange, wallRangeToInstants } from '../time/zone.ts';
import { DAY_MS, type Interval } from './intervals.ts';

/** An all-day event's dates, `YYYY-MM-DD`, end exclusive (Google `date`, Graph's midnights). */
export interface AllDayDates {
  readonly startDate: string;
  readonly endDate: string;
}

const DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;

/** `YYYY-MM-DD` as the wall time of that day's midnight; throws RangeError when malformed. */
export function dateToWall(date: string): number {
  const match = DATE_PATTERN.exec(date);
  if (!match) throw new RangeError(`not a YYYY-MM-DD date: ${date}`);
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const wall = Date.UTC(year, month - 1, day);
  const check = new Date(wall);
  if (check.getUTCFullYear() !== year || check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day) {
    throw new RangeError(`not a calendar date: ${date}`);
  }
  return wall;
}

/**
 * The instants an all-day event covers for an owner in `timeZone`: from the first instant whose
 * local date is `startDate` to the first instant whose local date is `endDate`. A day whose
 * midnight falls in a gap (Santiago, Havana) starts when the clock jumps; a 23- or 25-hour day is
 * 23 or 25 hours. An end not after the start is read as a one-day event (a malformed provider row
 * should still block its day rather than nothing).
 */
export function allDayToInterval(dates: AllDayDates, timeZone: string): Interval {
  const wallStart = dateToWall(dates.startDate);
  const wallEnd = Math.max(dateToWall(dates.endDate), wallStart + DAY_MS);
  const pieces = wallRangeToInstants(segmentsForWallRange(timeZone, wallStart, wallEnd), wallStart, wallEnd);
  // Whole days always contain existing clock times, so there is at least one piece; around a
  // fall-back that crosses midnight the pieces are joined (the event blocks its whole span).
  return { start: pieces[0]!.start, end: pieces[pieces.length - 1]!.end };
}
