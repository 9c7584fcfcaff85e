/** Provider-neutral helpers for recurring-series instances and windows. */
import type { OriginalStart, Timing, Window } from './types.ts';

const DAY_MS = 86_400_000;

/** Stable key of an original slot: the instant (timed) or the date (all-day). */
export function originalKey(original: OriginalStart): string {
  return original.allDay ? original.date : String(original.ms);
}

/** Whether a timing overlaps the window; all-day dates count with a day of slack for any owner zone. */
export function overlapsWindow(timing: Timing, window: Window): boolean {
  if (!timing.allDay) return timing.startMs < window.endMs && timing.endMs > window.startMs;
  return (
    Date.parse(timing.startDate) < window.endMs + DAY_MS &&
    Date.parse(timing.endDate) > window.startMs - DAY_MS
  );
}
