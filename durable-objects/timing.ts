/**
 * When the connection object runs next: pure functions of the clock, the settings and a random
 * source (so they are unit- and property-tested without a Durable Object).
 */

/** Coalescing window of "sync now": requests within it share one run. */
export const SYNC_DEBOUNCE_MS = 1_000;
/** Jitter added to each poll, as a share of the interval, so connections spread over time. */
export const POLL_JITTER_SHARE = 0.1;
export const RETRY_BASE_MS = 30_000;
export const RETRY_MAX_MS = 30 * 60_000;
/** A spent daily quota (Google `quotaExceeded`) is not retried for an hour. */
export const QUOTA_RETRY_MS = 60 * 60_000;
/**
 * The longest a provider's Retry-After may hold a connection back: a buggy or hostile header
 * ("Retry-After: 2592000", a date next year) must not park a calendar for weeks; after this the
 * retry simply asks again. A spent daily quota may wait up to a day (its window).
 */
export const RETRY_AFTER_CAP_MS = 60 * 60_000;
export const QUOTA_RETRY_CAP_MS = 24 * 60 * 60_000;
/** Jitter added to every retry, so connections throttled together do not return together. */
export const RETRY_JITTER_MS = 1_000;

/** The next poll: the organization's interval plus up to 10 % jitter. `random` ∈ [0, 1). */
export function nextPollAt(now: number, intervalMinutes: number, random: number): number {
  const interval = intervalMinutes * 60_000;
  return now + interval + Math.floor(random * interval * POLL_JITTER_SHARE);
}

/**
 * Delay before retry number `failures` (1 = first failure): exponential from 30 s, capped at 30 min;
 * never earlier than the provider's Retry-After, which itself is capped (RETRY_AFTER_CAP_MS, or
 * QUOTA_RETRY_CAP_MS for a spent quota); up to 1 s of jitter on top of whichever wins.
 */
export function retryDelayMs(
  failures: number,
  random: number,
  retryAfterSeconds?: number,
  quotaExceeded = false,
): number {
  const jitter = Math.floor(random * RETRY_JITTER_MS);
  const retryAfterMs = Math.ceil(Math.max(retryAfterSeconds ?? 0, 0) * 1000);
  if (quotaExceeded) return Math.min(Math.max(QUOTA_RETRY_MS, retryAfterMs), QUOTA_RETRY_CAP_MS) + jitter;
  const exponent = Math.min(Math.max(failures, 1) - 1, 20);
  const backoff = Math.min(RETRY_BASE_MS * 2 ** exponent, RETRY_MAX_MS);
  return Math.max(backoff, Math.min(retryAfterMs, RETRY_AFTER_CAP_MS)) + jitter;
}
