/**
 * Writes one page of a sync round in ONE transaction under the connection's claims: deletions, the
 * multi-row upsert, the busy occurrences of every touched series, the removal of unseen rows at the
 * end of a full round, and the round's cursor with its last page. The connection row is share-locked
 * first, so a page never writes for a connection that was disconnected meanwhile.
 */

import { saveCalendarTimeZone } from '../../db/queries/connections.ts';
import {
  deleteEvents,
  deleteUnseenEvents,
  existingSeriesKeys,
  lockSyncTarget,
  replaceBusy,
  saveSyncCursor,
  seriesRows,
  upsertEvents,
} from '../../db/queries/events.ts';
import type { TenantTx } from '../../db/tenant.ts';
import { deriveSeriesBusy } from '../../worker/sync/busy.ts';
import { occurrencesOnDates, type PagePlan } from '../../worker/sync/page-plan.ts';
import { busyRow, type EventSelect, eventRow, mirrorFromRow } from '../../worker/sync/rows.ts';
import type { MirrorEvent, SeriesExpansion, Window } from '../../worker/sync/types.ts';
import { dateInZone, isKnownTimeZone } from '../../worker/time/zone.ts';
import type { ConnectionIdentity } from '../identity.ts';
import { followOutboundMeetings } from '../meetings/follow.ts';

export interface PageWrite {
  plan: PagePlan;
  expansion: SeriesExpansion;
  round: string;
  /**
   * Set on the last page of a round: the cursor to store with it (null: none given), and the owner's
   * calendar zone when the provider named it.
   */
  last?: { cursor: string | null; full: boolean; roundStartedAt: Date; calendarTimeZone?: string };
  horizon: Window;
}

export type PageWriteResult = 'written' | 'gone' | 'paused';

export async function writePage(
  tx: TenantTx,
  identity: ConnectionIdentity,
  write: PageWrite,
): Promise<PageWriteResult> {
  const connectionId = identity.connectionId;
  const target = await lockSyncTarget(tx, connectionId);
  if (!target) return 'gone';
  if (!target.syncEnabled) return 'paused';
  const { plan } = write;
  // Meetings CE created: the echo updates their row, provider-side changes reach the activity.
  await followOutboundMeetings(tx, identity, plan, Date.now());
  const touched = new Set(plan.recomputeSeries);
  const add = (keys: Iterable<string>) => {
    for (const key of keys) touched.add(key);
  };
  add(await deleteEvents(tx, connectionId, plan.deletions, true));
  add(await deleteEvents(tx, connectionId, plan.rowDeletions, false));
  for (const { seriesKey, dates } of plan.occurrenceCancellations) {
    const rows = (await seriesRows(tx, connectionId, [seriesKey])).map(mirrorFromRow);
    const zone = zoneOf(rows);
    const ids = occurrencesOnDates(rows, dates, (ms) => safeDateInZone(ms, zone));
    add(await deleteEvents(tx, connectionId, ids, false));
  }
  // A row moving to another series leaves busy rows under its old key: recompute that one too.
  add(
    await existingSeriesKeys(
      tx,
      connectionId,
      plan.upserts.map((event) => event.providerEventId),
    ),
  );
  const tenancy = { organizationId: identity.organizationId, connectionId };
  await upsertEvents(
    tx,
    plan.upserts.map((event) => ({ ...eventRow(event, tenancy), syncRound: write.round })),
  );
  if (write.last?.full) {
    add(await deleteUnseenEvents(tx, connectionId, write.round, write.last.roundStartedAt));
  }
  await recomputeSeries(tx, identity, write.expansion, [...touched], write.horizon);
  if (write.last) await saveSyncCursor(tx, connectionId, write.last.cursor);
  if (write.last?.calendarTimeZone && isKnownTimeZone(write.last.calendarTimeZone))
    await saveCalendarTimeZone(tx, connectionId, write.last.calendarTimeZone);
  return 'written';
}

/** Busy occurrences of `seriesKeys` derived again from their stored rows. */
export async function recomputeSeries(
  tx: TenantTx,
  identity: ConnectionIdentity,
  expansion: SeriesExpansion,
  seriesKeys: readonly string[],
  horizon: Window,
): Promise<void> {
  if (seriesKeys.length === 0) return;
  const stored = await seriesRows(tx, identity.connectionId, seriesKeys);
  const bySeries = new Map<string, EventSelect[]>();
  for (const row of stored) {
    const key = row.seriesKey ?? row.providerEventId;
    const list = bySeries.get(key);
    if (list) list.push(row);
    else bySeries.set(key, [row]);
  }
  const busy = [];
  for (const rows of bySeries.values()) {
    const idOf = new Map(rows.map((row) => [row.providerEventId, row.id]));
    for (const occurrence of deriveSeriesBusy(expansion, rows.map(mirrorFromRow), horizon)) {
      const eventId = idOf.get(occurrence.sourceProviderEventId);
      if (!eventId) continue;
      busy.push(
        busyRow(occurrence, {
          organizationId: identity.organizationId,
          connectionId: identity.connectionId,
          userId: identity.userId,
          eventId,
        }),
      );
    }
  }
  await replaceBusy(tx, identity.connectionId, seriesKeys, busy);
}

function zoneOf(rows: readonly MirrorEvent[]): string {
  return rows.find((row) => row.seriesRole === 'master')?.timeZone ?? rows[0]?.timeZone ?? 'UTC';
}

/** Graph may name zones the Intl database does not know (Windows names): then UTC alone decides. */
function safeDateInZone(ms: number, zone: string): string {
  try {
    return dateInZone(ms, zone);
  } catch {
    return new Date(ms).toISOString().slice(0, 10);
  }
}
