/**
 * The object's bookkeeping around the cursor and the busy horizon (storage keys `cursorBaseline`,
 * `fullRoundOwedAt`, `busyHorizonStart`; docs/object-storage.md): whether the next run must be a full
 * round, what a finished full round founded, and re-deriving series when the horizon moves on a day.
 */

import type { Database } from '../../db/tenant.ts';
import { HORIZON_DAYS_BACK, horizonAt, needsRebaseline } from '../../worker/sync/horizon.ts';
import type { SeriesExpansion } from '../../worker/sync/types.ts';
import type { ConnectionIdentity } from '../identity.ts';
import type { ObjectStorage } from '../storage.ts';
import { recomputeHorizon } from './horizon-advance.ts';

const DAY_MS = 86_400_000;

export class CursorBaseline {
  constructor(private readonly store: ObjectStorage) {}

  /**
   * A windowed cursor (Graph's delta window, fixed at the round's first call; its token ages out) is
   * re-baselined by a full round before it runs out (worker/sync/horizon.ts). Applied to every
   * provider: for Google it is a weekly full listing that also removes anything a missed change left.
   */
  async needsFullRound(now: number): Promise<boolean> {
    if ((await this.store.read('fullRoundOwedAt')) !== undefined) return true;
    const baseline = await this.store.read('cursorBaseline');
    if (!baseline) return false; // no full round recorded by this object yet: the stored cursor decides
    return needsRebaseline(baseline.startedAtMs, baseline.windowEndMs, now);
  }

  /** Lost notifications (Graph `missed`): the next run lists the whole window again. */
  async oweFullRound(now: number): Promise<void> {
    await this.store.write('fullRoundOwedAt', now);
  }

  /** A full round finished: it founded the cursor, and settles a full round owed since before it started. */
  async founded(baseline: { startedAtMs: number; windowEndMs: number }): Promise<void> {
    await this.store.write('cursorBaseline', baseline);
    const owedAt = await this.store.read('fullRoundOwedAt');
    if (owedAt !== undefined && owedAt <= baseline.startedAtMs) await this.store.remove('fullRoundOwedAt');
  }

  /**
   * The busy table covers horizonAt(now); when the day moves on, the series that reach into the new
   * days (masters, and rows ending beyond the old horizon) are derived again. `withDatabase` yields
   * undefined on a failure (logged): the next good run tries again.
   */
  async advanceHorizon(
    identity: ConnectionIdentity,
    expansion: SeriesExpansion,
    now: number,
    withDatabase: <T>(work: (db: Database) => Promise<T>) => Promise<T | undefined>,
  ): Promise<void> {
    const horizon = horizonAt(now);
    const stored = await this.store.read('busyHorizonStart');
    if (stored === horizon.startMs) return;
    if (stored !== undefined) {
      const previousEnd = horizonAt(stored + HORIZON_DAYS_BACK * DAY_MS).endMs;
      const recomputed = await withDatabase((db) =>
        recomputeHorizon(db, identity, expansion, horizon, new Date(previousEnd)),
      );
      if (recomputed === undefined) return;
    }
    await this.store.write('busyHorizonStart', horizon.startMs);
  }
}
