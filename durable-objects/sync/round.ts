/**
 * One sync run of a connection: pages until the provider gives the round's cursor, each page written
 * by `writePage` in its own transaction (streaming: only the current page is in memory). A run starts
 * from the stored cursor (incremental) or without one (full round). An expired cursor switches to a
 * full round, which removes what vanished. A 401 refreshes the token once. Other provider errors end
 * the run with their code; nothing after the last committed page is assumed, and the cursor only ever
 * moves with the last page of a round. An item the mapper cannot read is skipped (logged by provider
 * id, counted in `skipped`), so one malformed event never blocks the mirror; the cursor still moves on,
 * and the next full round (410, or the weekly re-baseline) lists it again and retries it.
 */
import { findEvent, lockSyncTarget } from '../../db/queries/events.ts';
import type { Database } from '../../db/tenant.ts';
import { log } from '../../worker/log.ts';
import { ProviderError, type ProviderErrorCode } from '../../worker/providers/errors.ts';
import type {
  CalendarProvider,
  ChangePage,
  ChangeRequest,
  MasterLookup,
} from '../../worker/providers/types.ts';
import { horizonAt } from '../../worker/sync/horizon.ts';
import { planPage } from '../../worker/sync/page-plan.ts';
import { mirrorFromRow } from '../../worker/sync/rows.ts';
import { type ConnectionIdentity, claimsOf } from '../identity.ts';
import type { AccessTokenResult } from '../token-refresher.ts';
import { maxLag } from './lag.ts';
import { writePage } from './page-writer.ts';
import { type NamedEventQueue, namedForRound, noteReturned, rereadAndWrite, unreported } from './reread.ts';

export interface RoundDeps {
  identity: ConnectionIdentity;
  provider: CalendarProvider;
  database: Database;
  /** `force`: the provider rejected the last token. */
  accessToken(force: boolean): Promise<AccessTokenResult>;
  /** False once the object was paused or disconnected: the run stops before its next page. */
  stillWanted(): boolean;
  now(): number;
  /** Drop the stored cursor and run a full round (a re-baseline of the window, see horizon.ts). */
  forceFull?: boolean;
  /** Aborted on disconnect or pause: an in-flight provider call stops instead of running to its timeout. */
  signal?: AbortSignal;
  /** Joins the run's log lines (skipped items) with the request or schedule row that started it. */
  correlationId: string;
  /**
   * Events push notifications named (durable-objects/push/named-events.ts): an incremental round
   * that does not return one reads it directly (reread.ts).
   */
  namedEvents?: NamedEventQueue;
}

export type RunResult =
  | {
      outcome: 'ok';
      full: boolean;
      pages: number;
      changes: number;
      /** Provider items the mapper could not read, skipped (not written) in this run. */
      skipped: number;
      /** Longest time from a provider change to its commit in this run (incremental runs only). */
      lagMs: number | null;
      cursorResets: number;
      /** For a full round: when it started and the window it listed (the cursor's baseline). */
      baseline?: { startedAtMs: number; windowEndMs: number };
    }
  | { outcome: 'gone' | 'paused'; cursorResets: number }
  | {
      outcome: ProviderErrorCode | 'not_found' | 'not_attached';
      retryAfterSeconds?: number;
      cursorResets: number;
      message: string;
    };

/** Upper bound of pages in one run, so a provider bug (endless nextPageToken) cannot pin the object. */
export const MAX_PAGES_PER_RUN = 10_000;

export async function runSync(deps: RoundDeps): Promise<RunResult> {
  const { identity, provider, database } = deps;
  const claims = claimsOf(identity);
  const target = await database.asTenant(claims, (tx) => lockSyncTarget(tx, identity.connectionId));
  let cursorResets = 0;
  if (!target) return { outcome: 'gone', cursorResets };
  if (!target.syncEnabled) return { outcome: 'paused', cursorResets };

  let token = await deps.accessToken(false);
  if (!token.ok) return { outcome: token.code, cursorResets, message: token.message };
  let refreshed = false;

  const masters: MasterLookup = async (seriesMasterId) => {
    const row = await database.asTenant(claims, (tx) => findEvent(tx, identity.connectionId, seriesMasterId));
    return row && row.seriesRole === 'master' ? mirrorFromRow(row) : undefined;
  };

  let cursor = deps.forceFull ? undefined : (target.syncCursor ?? undefined);
  let full = cursor === undefined;
  let round = crypto.randomUUID();
  let roundStartedAt = new Date(deps.now());
  let pageToken: string | undefined;
  let pages = 0;
  let changes = 0;
  let skipped = 0;
  let lagMs: number | null = null;
  const horizon = horizonAt(deps.now());
  // Names from notifications that came before this round; only a provider that can re-read cares.
  const named =
    deps.namedEvents && provider.rereadEvents
      ? await namedForRound(deps.namedEvents, database, identity, roundStartedAt.getTime())
      : undefined;
  const returned = new Set<string>();

  while (pages < MAX_PAGES_PER_RUN) {
    if (!deps.stillWanted()) return { outcome: 'paused', cursorResets };
    const request: ChangeRequest = {
      calendarId: target.providerCalendarId,
      window: horizon,
      ...(full ? {} : { cursor }),
      ...(pageToken ? { pageToken } : {}),
      ...(deps.signal ? { signal: deps.signal } : {}),
    };
    let page: ChangePage;
    try {
      page = await provider.listChanges(token.accessToken, request, masters);
    } catch (error) {
      // Aborted because the run is no longer wanted: a pause or disconnect, not a provider failure.
      if (!deps.stillWanted()) return { outcome: 'paused', cursorResets };
      const failure = asProviderError(error);
      if (failure.code === 'unauthorized' && !refreshed) {
        refreshed = true;
        token = await deps.accessToken(true);
        if (!token.ok) return { outcome: token.code, cursorResets, message: token.message };
        continue;
      }
      if (failure.code === 'cursor_expired' && !full) {
        // Restart as a full round; rows it does not see are removed at its end.
        cursorResets += 1;
        full = true;
        cursor = undefined;
        pageToken = undefined;
        round = crypto.randomUUID();
        roundStartedAt = new Date(deps.now());
        continue;
      }
      return {
        outcome: failure.code,
        ...(failure.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: failure.retryAfterSeconds }),
        cursorResets,
        message: failure.message,
      };
    }
    pages += 1;
    if (named?.ids.length) noteReturned(page.changes, returned);
    const last = page.nextPageToken === undefined;
    const plan = planPage(page.changes);
    const written = await database.asTenant(claims, (tx) =>
      writePage(tx, identity, {
        plan,
        expansion: provider.seriesExpansion,
        round,
        horizon,
        ...(last
          ? {
              last: {
                cursor: page.nextCursor ?? null,
                full,
                roundStartedAt,
                ...(page.calendarTimeZone ? { calendarTimeZone: page.calendarTimeZone } : {}),
              },
            }
          : {}),
      }),
    );
    if (written !== 'written') return { outcome: written, cursorResets };
    changes += page.changes.length;
    skipped += plan.unreadable.length;
    // The provider id and the field only: never the item's title, attendees or other content.
    for (const item of plan.unreadable)
      log('warn', 'provider event skipped: unreadable', {
        correlationId: deps.correlationId,
        connection_id: identity.connectionId,
        provider: identity.provider,
        provider_event_id: item.providerEventId,
        field: item.field,
      });
    if (!full) lagMs = maxLag(lagMs, plan.upserts, deps.now());
    if (last && named?.ids.length && deps.namedEvents) {
      // A full round listed the whole window and removed what it did not see: nothing to read.
      const silent = full ? [] : unreported(named, returned);
      try {
        const reread = await rereadAndWrite(
          {
            identity,
            provider,
            database,
            accessToken: token.accessToken,
            calendarId: target.providerCalendarId,
            horizon,
            round,
            ...(deps.signal ? { signal: deps.signal } : {}),
          },
          named,
          silent,
        );
        if (reread === 'gone' || reread === 'paused') return { outcome: reread, cursorResets };
        changes += reread;
      } catch (error) {
        if (!deps.stillWanted()) return { outcome: 'paused', cursorResets };
        const failure = asProviderError(error);
        // The names stay: the retry's round (it finds the cursor moved on) reads them again.
        return {
          outcome: failure.code,
          ...(failure.retryAfterSeconds === undefined
            ? {}
            : { retryAfterSeconds: failure.retryAfterSeconds }),
          cursorResets,
          message: `re-read of notified events failed: ${failure.message}`,
        };
      }
      if (silent.length)
        log('info', 'notified events the round did not return were read directly', {
          correlationId: deps.correlationId,
          connection_id: identity.connectionId,
          provider: identity.provider,
          reread: silent.length,
        });
      await deps.namedEvents.settle(named.ids, named.takenAt);
    }
    if (last) {
      const baseline = full
        ? { startedAtMs: roundStartedAt.getTime(), windowEndMs: horizon.endMs }
        : undefined;
      return {
        outcome: 'ok',
        full,
        pages,
        changes,
        skipped,
        lagMs,
        cursorResets,
        ...(baseline ? { baseline } : {}),
      };
    }
    pageToken = page.nextPageToken;
  }
  return { outcome: 'unknown', cursorResets, message: 'too many pages in one run' };
}

function asProviderError(error: unknown): ProviderError {
  if (error instanceof ProviderError) return error;
  const name = error instanceof Error ? error.name : 'unknown';
  return new ProviderError('unknown', `change listing failed: ${name}`);
}
