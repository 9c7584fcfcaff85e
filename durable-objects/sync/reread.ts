/**
 * Recovery from a silent change feed (issue 20 §5). A push notification names an event; the
 * incremental round that starts after it should return that event (or its series). When it does not
 * — Graph's delta says nothing when the last occurrence of a series is deleted — the event and its
 * series are read directly (`CalendarProvider.rereadEvents`) and written like a page, so the mirror
 * does not keep busy time that no longer exists until the weekly re-baseline.
 *
 * A full round settles every name without reading: it lists the whole window and removes what it
 * did not see. Names that arrive during a round wait for the next one (it may have missed them).
 */
import { findEvent } from '../../db/queries/events.ts';
import type { Database } from '../../db/tenant.ts';
import type { CalendarProvider } from '../../worker/providers/types.ts';
import { planPage } from '../../worker/sync/page-plan.ts';
import type { NormalizedChange, Window } from '../../worker/sync/types.ts';
import { type ConnectionIdentity, claimsOf } from '../identity.ts';
import { writePage } from './page-writer.ts';

/** Where the object keeps the names (durable-objects/push/named-events.ts). */
export interface NamedEventQueue {
  /** Up to `limit` names from notifications that arrived at or before `ms`, oldest first. */
  namedBefore(ms: number, limit: number): Promise<string[]>;
  /** Forgets these names, unless a notification named them again after `ms`. */
  settle(ids: readonly string[], ms: number): Promise<void>;
}

/** Names handled per run; the rest wait for the next run. */
export const MAX_REREAD_PER_RUN = 100;

/** The names a round must account for, with the mirror's series of each (read before the round). */
export interface NamedForRound {
  ids: string[];
  seriesOf: Map<string, string>;
  /** When they were taken: later notifications are not settled by this round. */
  takenAt: number;
}

export async function namedForRound(
  queue: NamedEventQueue,
  database: Database,
  identity: ConnectionIdentity,
  now: number,
): Promise<NamedForRound> {
  const ids = await queue.namedBefore(now, MAX_REREAD_PER_RUN);
  const seriesOf = new Map<string, string>();
  if (ids.length) {
    await database.asTenant(claimsOf(identity), async (tx) => {
      for (const id of ids) {
        const row = await findEvent(tx, identity.connectionId, id);
        if (row?.seriesKey) seriesOf.set(id, row.seriesKey);
      }
    });
  }
  return { ids, seriesOf, takenAt: now };
}

/** Every provider id a page speaks about: rows it wrote or deleted, series it listed. */
export function noteReturned(changes: readonly NormalizedChange[], returned: Set<string>): void {
  for (const change of changes) {
    if (change.kind === 'upsert') {
      returned.add(change.event.providerEventId);
      returned.add(change.event.seriesKey);
    } else if (change.kind === 'delete' || change.kind === 'unreadable') returned.add(change.providerEventId);
    else if (change.kind === 'cancelOccurrences') returned.add(change.seriesKey);
  }
}

/** The names the round said nothing about (neither the event nor its stored series came back). */
export function unreported(named: NamedForRound, returned: ReadonlySet<string>): string[] {
  return named.ids.filter((id) => !returned.has(id) && !returned.has(named.seriesOf.get(id) ?? id));
}

export interface RereadDeps {
  identity: ConnectionIdentity;
  provider: CalendarProvider;
  database: Database;
  accessToken: string;
  calendarId: string;
  horizon: Window;
  round: string;
  signal?: AbortSignal;
}

/**
 * Reads `ids` directly and writes what they are now in one transaction (no cursor moves). Returns the
 * number of changes written, or the page writer's verdict when the connection went away meanwhile.
 * Provider errors propagate (the run ends with their code and the names stay for the next run).
 */
export async function rereadAndWrite(
  deps: RereadDeps,
  named: NamedForRound,
  ids: readonly string[],
): Promise<number | 'gone' | 'paused'> {
  if (!deps.provider.rereadEvents || ids.length === 0) return 0;
  const changes = await deps.provider.rereadEvents(deps.accessToken, {
    calendarId: deps.calendarId,
    window: deps.horizon,
    ids,
    seriesOf: named.seriesOf,
    ...(deps.signal ? { signal: deps.signal } : {}),
  });
  const written = await deps.database.asTenant(claimsOf(deps.identity), (tx) =>
    writePage(tx, deps.identity, {
      plan: planPage(changes),
      expansion: deps.provider.seriesExpansion,
      round: deps.round,
      horizon: deps.horizon,
    }),
  );
  return written === 'written' ? changes.length : written;
}
