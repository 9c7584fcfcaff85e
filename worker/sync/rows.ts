/**
 * Mirror shapes → table rows (drizzle insert shapes of db/schema.ts). The sync transaction writes
 * `eventRow`s with one multi-row `INSERT … ON CONFLICT (connection_id, provider_event_id) DO UPDATE`
 * that sets only the provider-owned columns (`PROVIDER_OWNED_COLUMNS` in db/queries/events.ts), so `sync_direction = outbound` and `activity_id` of events
 * CE created survive inbound sync.
 */
import type { BusyInsert, EventInsert, EventSelect } from '../../db/queries/events.ts';
import type { BusyOccurrence } from './busy.ts';
import type { MirrorEvent } from './types.ts';

export type { BusyInsert, EventInsert, EventSelect };

export interface Tenancy {
  organizationId: string;
  connectionId: string;
}

/** All-day rows keep their dates; `start_at`/`end_at` (NOT NULL) hold UTC midnights for ordering only. */
export function eventRow(event: MirrorEvent, tenancy: Tenancy): EventInsert {
  const { timing, originalStart } = event;
  return {
    organizationId: tenancy.organizationId,
    connectionId: tenancy.connectionId,
    providerEventId: event.providerEventId,
    icalUid: event.icalUid,
    title: event.title,
    description: event.description,
    location: event.location,
    startAt: new Date(timing.allDay ? Date.parse(timing.startDate) : timing.startMs),
    endAt: new Date(timing.allDay ? Date.parse(timing.endDate) : timing.endMs),
    allDay: timing.allDay,
    startDate: timing.allDay ? timing.startDate : null,
    endDate: timing.allDay ? timing.endDate : null,
    timeZone: event.timeZone,
    status: event.status,
    transparency: event.transparency,
    attendees: event.attendees,
    organizer: event.organizer,
    recurrence: event.recurrence,
    recurringEventId: event.recurringEventId,
    originalStartAt: originalStart
      ? new Date(originalStart.allDay ? Date.parse(originalStart.date) : originalStart.ms)
      : null,
    seriesRole: event.seriesRole,
    seriesKey: event.seriesKey,
    eventKind: event.eventKind,
    responseStatus: event.responseStatus,
    isOrganizer: event.isOrganizer,
    appTag: event.appTag,
    providerEtag: event.providerEtag,
    providerUpdatedAt: event.providerUpdatedMs === null ? null : new Date(event.providerUpdatedMs),
    syncDirection: 'inbound',
    syncStatus: 'synced',
  };
}

export function busyRow(
  occurrence: BusyOccurrence,
  tenancy: Tenancy & { userId: string; eventId: string },
): BusyInsert {
  const { timing } = occurrence;
  return {
    organizationId: tenancy.organizationId,
    userId: tenancy.userId,
    connectionId: tenancy.connectionId,
    eventId: tenancy.eventId,
    seriesKey: occurrence.seriesKey,
    allDay: timing.allDay,
    startAt: timing.allDay ? null : new Date(timing.startMs),
    endAt: timing.allDay ? null : new Date(timing.endMs),
    startDate: timing.allDay ? timing.startDate : null,
    endDate: timing.allDay ? timing.endDate : null,
    busyKind: occurrence.busyKind,
  };
}

/**
 * A stored row back to its mirror shape, for recomputing a series from the database (the rows of one
 * `series_key`). Inverse of `eventRow` for everything the busy derivation reads.
 */
export function mirrorFromRow(row: EventSelect): MirrorEvent {
  const allDay = row.allDay && row.startDate !== null && row.endDate !== null;
  return {
    providerEventId: row.providerEventId,
    seriesRole: row.seriesRole,
    seriesKey: row.seriesKey ?? row.providerEventId,
    icalUid: row.icalUid,
    title: row.title,
    description: row.description,
    location: row.location,
    timing: allDay
      ? { allDay: true, startDate: row.startDate!, endDate: row.endDate! }
      : { allDay: false, startMs: row.startAt.getTime(), endMs: row.endAt.getTime() },
    timeZone: row.timeZone,
    status: row.status,
    transparency: row.transparency,
    eventKind: row.eventKind,
    responseStatus: row.responseStatus,
    isOrganizer: row.isOrganizer,
    attendees: Array.isArray(row.attendees) ? row.attendees : [],
    organizer: row.organizer ?? null,
    recurrence: row.recurrence ?? null,
    recurringEventId: row.recurringEventId,
    originalStart: row.originalStartAt
      ? allDay
        ? { allDay: true, date: row.originalStartAt.toISOString().slice(0, 10) }
        : { allDay: false, ms: row.originalStartAt.getTime() }
      : null,
    appTag: row.appTag,
    providerEtag: row.providerEtag,
    providerUpdatedMs: row.providerUpdatedAt ? row.providerUpdatedAt.getTime() : null,
  };
}
