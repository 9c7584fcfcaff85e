/**
 * Free/busy and availability core: pure functions, no I/O. Routes fetch busy intervals and
 * working hours, then call these (see docs/decisions.md, "Free/busy and availability").
 */
export { type AllDayDates, allDayToInterval } from './all-day.ts';
export { type BusyEvent, busyIntervals } from './busy.ts';
export {
  clipIntervals,
  DAY_MS,
  type Instant,
  type Interval,
  type IntervalInput,
  intersectIntervals,
  MINUTE_MS,
  mergeIntervals,
  padIntervals,
  subtractIntervals,
  toMs,
} from './intervals.ts';
export {
  alignedStarts,
  DEFAULT_MAX_SLOTS,
  defaultSlotStep,
  findSlots,
  type Slot,
  type SlotQuery,
  type SlotResult,
  type SlotUser,
} from './slots.ts';
export {
  DEFAULT_WORKING_HOURS,
  parseClock,
  WEEKDAYS,
  type Weekday,
  type WorkingHours,
  type WorkingRange,
  workingWindows,
} from './working-hours.ts';
