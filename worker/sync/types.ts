/**
 * Shapes shared by the sync engine's pure modules (issue 13). A `MirrorEvent` is one row of
 * `ce_calendar_events` as the provider describes it, before ids and tenancy are attached.
 */

/** A span of instants, end exclusive (the sync horizon, a read window). */
export interface Window {
  startMs: number;
  endMs: number;
}
export type EventKind = 'default' | 'outOfOffice' | 'focusTime' | 'workingLocation';
export type ResponseStatus = 'needsAction' | 'accepted' | 'tentative' | 'declined';
/** What a row is within a recurring series (Graph's `type` vocabulary, shared by both providers). */
export type SeriesRole = 'single' | 'master' | 'exception' | 'occurrence';
export type EventStatus = 'confirmed' | 'tentative' | 'cancelled';
export type Transparency = 'opaque' | 'transparent';
export type BusyKind = 'busy' | 'tentative' | 'out_of_office' | 'focus_time';

/** When something happens: instants for timed events, calendar dates (end exclusive) for all-day ones. */
export type Timing =
  | { allDay: false; startMs: number; endMs: number }
  | { allDay: true; startDate: string; endDate: string };

/** The original slot of a recurring instance: an instant, or a date for all-day series. */
export type OriginalStart = { allDay: false; ms: number } | { allDay: true; date: string };

export interface MirrorEvent {
  providerEventId: string;
  seriesRole: SeriesRole;
  /** Provider id of the series master; the row's own id for masters and singles. */
  seriesKey: string;
  icalUid: string | null;
  title: string | null;
  description: string | null;
  location: string | null;
  timing: Timing;
  /** IANA zone (Google) or the zone name the provider gave (Graph), kept for display and expansion. */
  timeZone: string | null;
  status: EventStatus;
  transparency: Transparency;
  eventKind: EventKind;
  /** The calendar owner's own answer; null when they organize it or nobody is invited. */
  responseStatus: ResponseStatus | null;
  isOrganizer: boolean;
  /** Attendees without their response detail beyond what the provider sent (never logged). */
  attendees: unknown[];
  organizer: unknown | null;
  /**
   * A master's recurrence as its provider wrote it (JSON); null when not a master. Opaque here: only
   * the adapter that wrote it reads it, through its `SeriesExpansion`.
   */
  recurrence: unknown;
  /** The master's id for exceptions, occurrences and cancelled instances. */
  recurringEventId: string | null;
  originalStart: OriginalStart | null;
  /** The app's own tag, when the provider copy carries it: the event was created by CE. */
  appTag: string | null;
  providerEtag: string | null;
  providerUpdatedMs: number | null;
}

/**
 * One provider item after mapping. `cancelInstance` is expressed as an `upsert` of a cancelled
 * exception (a marker the expansion needs); `needsMaster` means a Graph occurrence stub arrived whose
 * master is neither on the page nor known: fetch it, never store an untitled row. `unreadable`: an item
 * our mapper cannot read (malformed field); it is skipped, not written, and the round goes on.
 */
export type NormalizedChange =
  | { kind: 'upsert'; event: MirrorEvent }
  | { kind: 'delete'; providerEventId: string }
  | { kind: 'needsMaster'; seriesMasterId: string; occurrenceId: string }
  | { kind: 'cancelOccurrences'; seriesKey: string; dates: string[] }
  | { kind: 'unreadable'; providerEventId: string; field: string };

/** One instance of a recurring series inside a window. */
export interface SeriesInstance {
  /** The slot the rules produced (the exception's `originalStart` when moved). */
  originalStart: OriginalStart;
  timing: Timing;
  /** The row whose fields (kind, transparency, response…) decide whether this instance is busy. */
  source: MirrorEvent;
}

/**
 * How a provider describes a recurring series' instances, stated by its adapter
 * (`CalendarProvider.seriesExpansion`): either the master carries a rule the adapter expands (with
 * the master's exceptions, cancelled markers included), or the provider lists every occurrence as
 * its own row and the master is never expanded.
 */
export type SeriesExpansion =
  | {
      kind: 'expand_master_rule';
      expand(master: MirrorEvent, exceptions: readonly MirrorEvent[], window: Window): SeriesInstance[];
    }
  | { kind: 'listed_occurrences' };
