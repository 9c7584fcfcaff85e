/**
 * Moving the busy horizon forward a day: the series that reach into the new days are derived again,
 * in chunks, each chunk its own transaction (a long-lived calendar has many series).
 */
import { seriesKeysReaching } from '../../db/queries/events.ts';
import type { Database } from '../../db/tenant.ts';
import type { SeriesExpansion, Window } from '../../worker/sync/types.ts';
import { type ConnectionIdentity, claimsOf } from '../identity.ts';
import { recomputeSeries } from './page-writer.ts';

const SERIES_PER_TRANSACTION = 200;

export async function recomputeHorizon(
  database: Database,
  identity: ConnectionIdentity,
  expansion: SeriesExpansion,
  horizon: Window,
  previousEnd: Date,
): Promise<number> {
  const claims = claimsOf(identity);
  const keys = await database.asTenant(claims, (tx) =>
    seriesKeysReaching(tx, identity.connectionId, previousEnd),
  );
  for (let i = 0; i < keys.length; i += SERIES_PER_TRANSACTION) {
    const part = keys.slice(i, i + SERIES_PER_TRANSACTION);
    await database.asTenant(claims, (tx) => recomputeSeries(tx, identity, expansion, part, horizon));
  }
  return keys.length;
}
