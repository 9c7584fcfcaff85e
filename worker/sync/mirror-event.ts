/** The neutral mirror event every mapper and fixture starts from. */
import type { MirrorEvent } from './types.ts';

/** A mirror event with every field at its neutral value: the base of markers and of test fixtures. */
export function emptyMirrorEvent(providerEventId: string, seriesKey: string): MirrorEvent {
  return {
    providerEventId,
    seriesRole: 'single',
    seriesKey,
    icalUid: null,
    title: null,
    description: null,
    location: null,
    timing: { allDay: false, startMs: 0, endMs: 0 },
    timeZone: null,
    status: 'confirmed',
    transparency: 'opaque',
    eventKind: 'default',
    responseStatus: null,
    isOrganizer: true,
    attendees: [],
    organizer: null,
    recurrence: null,
    recurringEventId: null,
    originalStart: null,
    appTag: null,
    providerEtag: null,
    providerUpdatedMs: null,
  };
}
