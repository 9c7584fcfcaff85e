/**
 * One user's busy time from their events: timed events as they are, all-day events as the owner's
 * local days, merged and clipped to the query range. Which events count (free/transparent,
 * cancelled, declined do not) is decided before this, by the caller's query.
 */
import { type AllDayDates, allDayToInterval } from './all-day.ts';
import { clipIntervals, type Interval, type IntervalInput, mergeIntervals } from './intervals.ts';

/** A busy event: timed (instants) or all-day (dates in the owner's zone). */
export type BusyEvent = IntervalInput | AllDayDates;

function isAllDay(event: BusyEvent): event is AllDayDates {
  return 'startDate' in event;
}

/**
 * Merged busy intervals of one user whose zone is `ownerTimeZone`, clipped to `range` when given.
 * Throws RangeError for a malformed all-day date (the mirror stores validated dates).
 */
export function busyIntervals(
  events: Iterable<BusyEvent>,
  ownerTimeZone: string,
  range?: IntervalInput,
): Interval[] {
  const intervals: IntervalInput[] = [];
  for (const event of events)
    intervals.push(isAllDay(event) ? allDayToInterval(event, ownerTimeZone) : event);
  return range ? clipIntervals(intervals, range) : mergeIntervals(intervals);
}
