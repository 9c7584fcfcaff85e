/** Sync lag (pure): how long provider changes took to reach the mirror. */

/** The longest provider-change-to-commit time among the page's upserts, folded into `current`. */
export function maxLag(
  current: number | null,
  upserts: ReadonlyArray<{ providerUpdatedMs: number | null }>,
  committedMs: number,
): number | null {
  let lag = current;
  for (const event of upserts) {
    if (event.providerUpdatedMs === null) continue;
    const value = Math.max(0, committedMs - event.providerUpdatedMs);
    lag = lag === null ? value : Math.max(lag, value);
  }
  return lag;
}
