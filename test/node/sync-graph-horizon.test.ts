/**
 * The rolling horizon for Graph's fixed delta window (issue 13): when a stored deltaLink must be
 * replaced by a full round with a new window.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DELTA_TOKEN_MAX_AGE_MS,
  horizonAt,
  MIN_WINDOW_AHEAD_MS,
  needsRebaseline,
} from '../../worker/sync/horizon.ts';

const DAY = 86_400_000;
const start = Date.parse('2026-11-25T09:30:00Z');

describe('needsRebaseline', () => {
  it('a fresh round with the horizon window needs none; six days later it does', () => {
    const window = horizonAt(start);
    expect(needsRebaseline(start, window.endMs, start)).toBe(false);
    expect(needsRebaseline(start, window.endMs, start + 5 * DAY)).toBe(false);
    expect(needsRebaseline(start, window.endMs, start + 6 * DAY)).toBe(true);
  });

  it('a window that no longer reaches far enough ahead needs one even with a young token', () => {
    const shortWindowEnd = start + 30 * DAY;
    expect(needsRebaseline(start, shortWindowEnd, start)).toBe(true);
  });

  it('garbage in (a lost timestamp) means a full round', () => {
    expect(needsRebaseline(Number.NaN, start + 400 * DAY, start)).toBe(true);
    expect(needsRebaseline(start, Number.NaN, start)).toBe(true);
  });

  it('property: never true before the limits, always true after either; monotone in now', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 4_000_000_000_000 }),
        fc.integer({ min: 0, max: 400 * DAY }),
        fc.integer({ min: 0, max: 20 * DAY }),
        fc.integer({ min: 0, max: 20 * DAY }),
        (created, reach, elapsed, more) => {
          const windowEnd = created + reach;
          const now = created + elapsed;
          const due = needsRebaseline(created, windowEnd, now);
          expect(due).toBe(elapsed >= DELTA_TOKEN_MAX_AGE_MS || windowEnd - now < MIN_WINDOW_AHEAD_MS);
          // Once due, staying on the same cursor never becomes fine again.
          if (due) expect(needsRebaseline(created, windowEnd, now + more)).toBe(true);
          // Not due ⇒ the delta window still covers what free/busy may ask about.
          if (!due) expect(windowEnd - now).toBeGreaterThanOrEqual(MIN_WINDOW_AHEAD_MS);
        },
      ),
    );
  });

  it('property: a round started with horizonAt(now) is good for the token lifetime, every time of day', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4_000_000_000_000 }), (now) => {
        const window = horizonAt(now);
        expect(needsRebaseline(now, window.endMs, now + DELTA_TOKEN_MAX_AGE_MS - 1)).toBe(false);
      }),
    );
  });
});
