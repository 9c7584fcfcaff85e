/**
 * The span the derived busy table covers: 30 days back (recent history for "what happened") and 365
 * days ahead (scheduling). The object's schedule advances it; a series is always derived for the
 * whole horizon so a later read never needs the rules.
 */
import type { Window } from './google-recurrence.ts';

export const HORIZON_DAYS_BACK = 30;
export const HORIZON_DAYS_AHEAD = 365;
const DAY_MS = 86_400_000;

/** The horizon around `nowMs`, aligned to UTC midnights so runs on the same day agree. */
export function horizonAt(nowMs: number): Window {
  const today = Math.floor(nowMs / DAY_MS) * DAY_MS;
  return { startMs: today - HORIZON_DAYS_BACK * DAY_MS, endMs: today + (HORIZON_DAYS_AHEAD + 1) * DAY_MS };
}
