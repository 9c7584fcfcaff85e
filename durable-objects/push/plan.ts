/**
 * Push decisions as pure functions of the clock and the channel's record (unit- and property-tested
 * in test/node/push-plan.test.ts): when to renew, when a channel counts as having gone silent, and
 * whether a notification is a replay.
 */

/** Renew this long before a channel expires (Google replacement, Graph PATCH): a day of failed retries fits in it. */
export const RENEW_LEAD_MS = 24 * 3_600_000;
/** Never schedule a renewal sooner than this (a provider that answered with a tiny lifetime). */
export const MIN_RENEW_DELAY_MS = 60_000;
/** Consecutive incremental polls that found changes no notification announced before the channel is recreated. */
export const SILENT_RUNS_BEFORE_RECREATE = 2;
/** An open still unanswered after this long was lost (the object evicted mid-call): open again. */
export const OPENING_STALE_MS = 5 * 60_000;
/** Graph notification ids remembered to recognise a replay. */
export const SEEN_NOTIFICATIONS = 256;

/**
 * When to renew a channel that has `remainingMs` to live (measured on the provider's clock, so a
 * skewed local clock cannot make it lapse): `RENEW_LEAD_MS` before the end, or halfway for a channel
 * shorter than two leads.
 */
export function renewalDelayMs(remainingMs: number): number {
  const delay = remainingMs >= 2 * RENEW_LEAD_MS ? remainingMs - RENEW_LEAD_MS : remainingMs / 2;
  return Math.max(MIN_RENEW_DELAY_MS, Math.floor(delay));
}

export interface DeliveryWatch {
  /** Local time of the last verified notification, or null. */
  lastNotificationAt: number | null;
  /** Local start time of the previous sync run, or null. */
  previousRunStartedAt: number | null;
  silentRuns: number;
}

/**
 * After a sync run: a run that found changes while no notification arrived since the previous run
 * began is "silent" (the channel should have announced them). Silent runs in a row mean the channel
 * stopped delivering. Full rounds say nothing about push (they list everything).
 */
export function assessDelivery(
  watch: DeliveryWatch,
  run: { startedAt: number; full: boolean; changes: number },
): { watch: DeliveryWatch; recreate: boolean } {
  const noticed =
    watch.lastNotificationAt !== null &&
    watch.previousRunStartedAt !== null &&
    watch.lastNotificationAt >= watch.previousRunStartedAt;
  let silentRuns = watch.silentRuns;
  if (noticed) silentRuns = 0;
  else if (!run.full && run.changes > 0 && watch.previousRunStartedAt !== null) silentRuns += 1;
  const recreate = silentRuns >= SILENT_RUNS_BEFORE_RECREATE;
  return {
    watch: {
      lastNotificationAt: watch.lastNotificationAt,
      previousRunStartedAt: run.startedAt,
      silentRuns: recreate ? 0 : silentRuns,
    },
    recreate,
  };
}

/** Google message numbers increase per channel (not sequentially): one not above the last seen is a replay. */
export const isReplayedSequence = (lastSequence: number, sequence: number | undefined): boolean =>
  sequence === undefined || sequence <= lastSequence;

/**
 * Whether a channel open started at `openingSince` may still be in flight at `now`. A record without
 * a start time (stored before it was kept), or one older than OPENING_STALE_MS, is not: the object was
 * evicted during the call and nothing else would ever open the channel.
 */
export const isOpeningInFlight = (
  opening: string | null,
  openingSince: number | undefined,
  now: number,
): boolean =>
  opening !== null &&
  openingSince !== undefined &&
  now - openingSince >= 0 &&
  now - openingSince < OPENING_STALE_MS;
