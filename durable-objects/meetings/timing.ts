/** When a meeting's reminder is due and when a failed provider write is retried. Pure. */

const MINUTE_MS = 60_000;

/** The reminder is due `minutesBefore` the start; one planned in the past is due at once. */
export function reminderDueAt(startMs: number, minutesBefore: number, nowMs: number): number {
  return Math.max(startMs - minutesBefore * MINUTE_MS, nowMs);
}

/** Provider writes are retried this many times before the meeting shows `sync_status: error`. */
export const OUTBOX_MAX_ATTEMPTS = 8;
const OUTBOX_BASE_MS = 5_000;
const OUTBOX_MAX_MS = 15 * MINUTE_MS;

/** Delay before outbox retry number `attempts` (1 = after the first failure), honouring Retry-After. */
export function outboxRetryDelayMs(attempts: number, random: number, retryAfterSeconds?: number): number {
  const exponent = Math.min(Math.max(attempts, 1) - 1, 16);
  const backoff = Math.min(OUTBOX_BASE_MS * 2 ** exponent, OUTBOX_MAX_MS) + Math.floor(random * 1000);
  return Math.max(backoff, Math.ceil((retryAfterSeconds ?? 0) * 1000));
}
