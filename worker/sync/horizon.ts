/**
 * The span the derived busy table covers: 30 days back (recent history for "what happened") and 365
 * days ahead (scheduling). The object's schedule advances it; a series is always derived for the
 * whole horizon so a later read never needs the rules.
 */
import type { Window } from './types.ts';

export const HORIZON_DAYS_BACK = 30;
export const HORIZON_DAYS_AHEAD = 365;
const DAY_MS = 86_400_000;

/** The horizon around `nowMs`, aligned to UTC midnights so runs on the same day agree. */
export function horizonAt(nowMs: number): Window {
  const today = Math.floor(nowMs / DAY_MS) * DAY_MS;
  return { startMs: today - HORIZON_DAYS_BACK * DAY_MS, endMs: today + (HORIZON_DAYS_AHEAD + 1) * DAY_MS };
}

/**
 * Graph's delta window is fixed when a round starts (it is encoded into every later link), and its
 * delta token is reported to expire after about 7 days. Re-baselining one day early keeps a round
 * from meeting a 410 on the schedule; a 410 still restarts the round whenever it comes.
 */
export const DELTA_TOKEN_MAX_AGE_MS = 6 * DAY_MS;
/** The window must still reach at least this far ahead of now (the horizon minus a week's slack). */
export const MIN_WINDOW_AHEAD_MS = (HORIZON_DAYS_AHEAD - 7) * DAY_MS;

/**
 * Whether a windowed cursor (Graph `deltaLink`) must be dropped for a full round with a new window
 * (`horizonAt(now)`): when the cursor is `DELTA_TOKEN_MAX_AGE_MS` old, or its window no longer
 * reaches `MIN_WINDOW_AHEAD_MS` ahead. The Microsoft adapter stamps every cursor it hands out with the
 * start of the full round that fixed its window and that window's end, and asks this on each
 * incremental call: when due it answers `cursor_expired`, so the engine needs no extra state and runs
 * the full round (which removes rows no longer listed: they left the window or vanished). Google's
 * syncToken has no window and is not subject to it. Inputs are epoch milliseconds; a non-finite input
 * answers true (a full round is always safe).
 */
export function needsRebaseline(cursorCreatedAt: number, windowEnd: number, now: number): boolean {
  if (!Number.isFinite(cursorCreatedAt) || !Number.isFinite(windowEnd) || !Number.isFinite(now)) return true;
  return now - cursorCreatedAt >= DELTA_TOKEN_MAX_AGE_MS || windowEnd - now < MIN_WINDOW_AHEAD_MS;
}
