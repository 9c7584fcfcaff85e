/**
 * Which mirror rows block time, and the concrete busy occurrences of one series for the horizon.
 * Rules (docs/decisions.md, "Sync engine"): cancelled, declined, transparent (free) and
 * working-location events are not busy; tentative and not-yet-answered invitations are (kind
 * `tentative`); out-of-office always is; focus time follows its transparency. All-day occurrences
 * keep their dates and are resolved with the owner's zone when read.
 */
import { overlapsWindow } from './series.ts';
import type { BusyKind, MirrorEvent, SeriesExpansion, Timing, Window } from './types.ts';

export interface BusyOccurrence {
  seriesKey: string;
  /** The mirror row it comes from (master, exception, occurrence or single). */
  sourceProviderEventId: string;
  timing: Timing;
  busyKind: BusyKind;
}

/** The kind of busy an event (or instance, judged by its source row) is, or null when it is free. */
export function busyKindOf(event: MirrorEvent): BusyKind | null {
  if (event.status === 'cancelled') return null;
  if (event.responseStatus === 'declined') return null;
  if (event.eventKind === 'outOfOffice') return 'out_of_office';
  if (event.eventKind === 'workingLocation') return null;
  if (event.transparency === 'transparent') return null;
  if (event.status === 'tentative') return 'tentative';
  if (event.responseStatus === 'tentative' || event.responseStatus === 'needsAction') return 'tentative';
  if (event.eventKind === 'focusTime') return 'focus_time';
  return 'busy';
}

function hasLength(timing: Timing): boolean {
  return timing.allDay ? timing.endDate > timing.startDate : timing.endMs > timing.startMs;
}

/**
 * Busy occurrences of one series (all mirror rows sharing a `seriesKey`) within `window`. A master
 * whose provider states a rule (`expand_master_rule`, Google) is expanded with its exceptions by the
 * adapter; with `listed_occurrences` (Graph lists every occurrence itself) masters are skipped. An
 * exception whose master is not in the mirror yet counts on its own, so a page boundary never hides
 * a meeting.
 */
export function deriveSeriesBusy(
  expansion: SeriesExpansion,
  rows: readonly MirrorEvent[],
  window: Window,
): BusyOccurrence[] {
  const out: BusyOccurrence[] = [];
  const push = (source: MirrorEvent, timing: Timing) => {
    const busyKind = busyKindOf(source);
    if (!busyKind || !hasLength(timing) || !overlapsWindow(timing, window)) return;
    out.push({
      seriesKey: source.seriesKey,
      sourceProviderEventId: source.providerEventId,
      timing,
      busyKind,
    });
  };
  const master = rows.find((r) => r.seriesRole === 'master');
  if (expansion.kind === 'expand_master_rule' && master) {
    const exceptions = rows.filter((r) => r.recurringEventId === master.providerEventId && r !== master);
    for (const instance of expansion.expand(master, exceptions, window))
      push(instance.source, instance.timing);
    return out;
  }
  for (const row of rows) {
    if (row.seriesRole === 'master') continue;
    push(row, row.timing);
  }
  return out;
}
