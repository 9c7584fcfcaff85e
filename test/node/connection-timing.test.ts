import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  nextPollAt,
  POLL_JITTER_SHARE,
  QUOTA_RETRY_MS,
  RETRY_MAX_MS,
  retryDelayMs,
} from '../../durable-objects/timing.ts';

const random = fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true });

describe('nextPollAt', () => {
  it('is the interval plus at most 10 % jitter, for every allowed interval (5–60 min)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 42 }),
        fc.integer({ min: 5, max: 60 }),
        random,
        (now, m, r) => {
          const delay = nextPollAt(now, m, r) - now;
          expect(delay).toBeGreaterThanOrEqual(m * 60_000);
          expect(delay).toBeLessThanOrEqual(m * 60_000 * (1 + POLL_JITTER_SHARE));
        },
      ),
    );
  });
});

describe('retryDelayMs', () => {
  it('grows with failures, is capped, and never undercuts Retry-After', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 50 }),
        random,
        fc.option(fc.double({ min: 0, max: 7200, noNaN: true }), { nil: undefined }),
        (failures, r, retryAfter) => {
          const delay = retryDelayMs(failures, r, retryAfter);
          expect(delay).toBeGreaterThanOrEqual((retryAfter ?? 0) * 1000);
          if (retryAfter === undefined) expect(delay).toBeLessThanOrEqual(RETRY_MAX_MS + 1000);
          expect(retryDelayMs(failures + 1, 0)).toBeGreaterThanOrEqual(retryDelayMs(failures, 0));
        },
      ),
    );
    expect(retryDelayMs(1, 0)).toBe(30_000);
    expect(retryDelayMs(2, 0)).toBe(60_000);
  });

  it('a spent daily quota waits an hour, not seconds', () => {
    expect(retryDelayMs(1, 0, 2, true)).toBe(QUOTA_RETRY_MS);
  });
});
