import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  nextPollAt,
  POLL_JITTER_SHARE,
  QUOTA_RETRY_CAP_MS,
  QUOTA_RETRY_MS,
  RETRY_AFTER_CAP_MS,
  RETRY_JITTER_MS,
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
  it('grows with failures, is capped, never undercuts a reasonable Retry-After, and caps an absurd one', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 50 }),
        random,
        fc.option(fc.double({ min: 0, max: 90 * 86_400, noNaN: true }), { nil: undefined }),
        (failures, r, retryAfter) => {
          const delay = retryDelayMs(failures, r, retryAfter);
          const honoured = Math.min((retryAfter ?? 0) * 1000, RETRY_AFTER_CAP_MS);
          expect(delay).toBeGreaterThanOrEqual(honoured);
          expect(delay).toBeLessThan(Math.max(RETRY_MAX_MS, RETRY_AFTER_CAP_MS) + RETRY_JITTER_MS + 1);
          if (retryAfter === undefined) expect(delay).toBeLessThan(RETRY_MAX_MS + RETRY_JITTER_MS);
          expect(retryDelayMs(failures + 1, 0)).toBeGreaterThanOrEqual(retryDelayMs(failures, 0));
        },
      ),
    );
    expect(retryDelayMs(1, 0)).toBe(30_000);
    expect(retryDelayMs(2, 0)).toBe(60_000);
    // "Retry-After: 2592000" (30 days) does not park the calendar for a month.
    expect(retryDelayMs(1, 0, 2_592_000)).toBe(RETRY_AFTER_CAP_MS);
  });

  it('jitters the Retry-After delay too, so throttled connections do not return together', () => {
    expect(retryDelayMs(1, 0, 120)).toBe(120_000);
    expect(retryDelayMs(1, 0.5, 120)).toBe(120_000 + RETRY_JITTER_MS / 2);
  });

  it('a spent daily quota waits an hour, not seconds, and at most a day', () => {
    expect(retryDelayMs(1, 0, 2, true)).toBe(QUOTA_RETRY_MS);
    expect(retryDelayMs(1, 0, 5 * 3600, true)).toBe(5 * 3600 * 1000);
    expect(retryDelayMs(1, 0, 30 * 86_400, true)).toBe(QUOTA_RETRY_CAP_MS);
  });
});
