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

/** The next poll: the organization's interval plus up to 10 % jitter. `random` ∈ [0, 1). */
export function nextPollAt(now: number, intervalMinutes: number, random: number): number {
  const interval = intervalMinutes * 60_000;
  return now + interval + Math.floor(random * interval * POLL_JITTER_SHARE);
}

/**
 * Delay before retry number `failures` (1 = first failure): exponential from 30 s, capped at 30 min,
 * with up to 1 s of jitter; never earlier than the provider's Retry-After.
 */
export function retryDelayMs(
  failures: number,
  random: number,
  retryAfterSeconds?: number,
  quotaExceeded = false,
): number {
  if (quotaExceeded) return Math.max(QUOTA_RETRY_MS, (retryAfterSeconds ?? 0) * 1000);
  const exponent = Math.min(Math.max(failures, 1) - 1, 20);
  const backoff = Math.min(RETRY_BASE_MS * 2 ** exponent, RETRY_MAX_MS) + Math.floor(random * 1000);
  return Math.max(backoff, Math.ceil((retryAfterSeconds ?? 0) * 1000));
}
