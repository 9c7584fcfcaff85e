/**
 * Turns one page of normalized changes into what its transaction must do: one multi-row upsert keyed
 * on (connection_id, provider_event_id), the deletions, the Graph occurrences to drop by date, the
 * masters to fetch first, and the series whose busy occurrences must be recomputed. The transaction
 * applies `deletions` and `rowDeletions` first, then `upserts`; the plan is built so that this equals applying the page's
 * items one by one in order (delta pages may replay or repeat items).
 */
import type { MirrorEvent, NormalizedChange } from './types.ts';

export interface PagePlan {
  upserts: MirrorEvent[];
  /** Provider ids to delete: rows with that `provider_event_id`, and rows whose `series_key` is it
   * (deleting a master removes its exceptions and markers). Busy rows follow by cascade. */
  deletions: string[];
  /** Provider ids to delete by `provider_event_id` only: rows the page moved into a series it then
   * deleted (their stored copy may still name another series). */
  rowDeletions: string[];
  /** Graph `cancelledOccurrences`: occurrence rows of the series on these dates are gone. */
  occurrenceCancellations: Array<{ seriesKey: string; dates: string[] }>;
  /** Graph masters to fetch before this page can be written (the page is then mapped again). */
  needsMaster: string[];
  /** Series to recompute after the writes; the caller adds the surviving series of deleted rows. */
  recomputeSeries: string[];
  /**
   * Items the mapper could not read, skipped (nothing written for them, their stored row untouched):
   * logged by provider id and counted by the run; the next full round lists them again.
   */
  unreadable: Array<{ providerEventId: string; field: string }>;
}

export function planPage(changes: readonly NormalizedChange[]): PagePlan {
  const upserts = new Map<string, MirrorEvent>();
  const deletions = new Set<string>();
  const rowDeletions = new Set<string>();
  const cancellations = new Map<string, Set<string>>();
  const needsMaster = new Set<string>();
  const unreadable: PagePlan['unreadable'] = [];
  for (const change of changes) {
    switch (change.kind) {
      case 'upsert':
        // Re-inserting moves it last; deletions still run first, so delete-then-create recreates it.
        upserts.delete(change.event.providerEventId);
        upserts.set(change.event.providerEventId, change.event);
        break;
      case 'delete':
        // Earlier upserts of the row, or of rows that joined the series it was the master of, are void;
        // such a row is deleted by its own id too (rowDeletions), since its stored copy may name another series.
        deletions.add(change.providerEventId);
        for (const [id, event] of upserts) {
          if (id !== change.providerEventId && event.seriesKey !== change.providerEventId) continue;
          upserts.delete(id);
          if (id !== change.providerEventId) rowDeletions.add(id);
        }
        break;
      case 'cancelOccurrences': {
        const dates = cancellations.get(change.seriesKey) ?? new Set<string>();
        for (const date of change.dates) dates.add(date);
        cancellations.set(change.seriesKey, dates);
        break;
      }
      case 'needsMaster':
        needsMaster.add(change.seriesMasterId);
        break;
      case 'unreadable':
        unreadable.push({ providerEventId: change.providerEventId, field: change.field });
        break;
    }
  }
  const recompute = new Set<string>();
  for (const event of upserts.values()) recompute.add(event.seriesKey);
  for (const seriesKey of cancellations.keys()) if (!deletions.has(seriesKey)) recompute.add(seriesKey);
  return {
    upserts: [...upserts.values()],
    deletions: [...deletions],
    rowDeletions: [...rowDeletions].filter((id) => !deletions.has(id)),
    occurrenceCancellations: [...cancellations].map(([seriesKey, dates]) => ({
      seriesKey,
      dates: [...dates].sort(),
    })),
    needsMaster: [...needsMaster],
    recomputeSeries: [...recompute],
    unreadable,
  };
}

/**
 * Graph occurrences of a series that a master's `cancelledOccurrences` dates remove. The date of an
 * occurrence is its original start's date in UTC and in the series' zone (either may be how Graph
 * names it); all-day occurrences use their date.
 */
export function occurrencesOnDates(
  rows: readonly MirrorEvent[],
  dates: readonly string[],
  dateInZone: (ms: number) => string,
): string[] {
  const wanted = new Set(dates);
  return rows
    .filter((row) => row.seriesRole === 'occurrence' && row.originalStart)
    .filter((row) => {
      const original = row.originalStart!;
      if (original.allDay) return wanted.has(original.date);
      return (
        wanted.has(new Date(original.ms).toISOString().slice(0, 10)) || wanted.has(dateInZone(original.ms))
      );
    })
    .map((row) => row.providerEventId);
}
