/**
 * Calendar-level expansion shared by Google (singleEvents, freeBusy) and Graph (calendarView, delta,
 * getSchedule): singles, series instances with their exceptions applied, inside a window.
 */
import type { Calendar, StoredEvent } from './model.ts';
import { expandSeries } from './recurrence.ts';

/** A concrete occurrence: a single event, an exception, or a generated instance of a master. */
export interface Occurrence {
  event: StoredEvent;
  /** Master of a generated instance or of an exception. */
  master?: StoredEvent;
  id: string;
  startMs: number;
  endMs: number;
  startDate?: string;
  endDate?: string;
  originalStartMs?: number;
  originalStartDate?: string;
  kind: 'single' | 'occurrence' | 'exception';
}

export function exceptionsOf(calendar: Calendar, masterId: string): Map<string, StoredEvent> {
  const out = new Map<string, StoredEvent>();
  for (const event of calendar.events.values())
    if (event.recurringEventId === masterId && !event.deleted) out.set(event.id, event);
  return out;
}

const overlaps = (startMs: number, endMs: number, from: number, to: number) => endMs > from && startMs < to;

/** Occurrences of one master in the window, exceptions applied (cancelled ones kept when asked). */
export function occurrencesOfMaster(
  calendar: Calendar,
  master: StoredEvent,
  from: number,
  to: number,
  includeCancelled: boolean,
): Occurrence[] {
  const exceptions = exceptionsOf(calendar, master.id);
  const out: Occurrence[] = [];
  const seen = new Set<string>();
  for (const instance of expandSeries(master, from, to)) {
    const exception = exceptions.get(instance.id);
    seen.add(instance.id);
    if (exception) {
      if (exception.status === 'cancelled' && !includeCancelled) continue;
      if (!overlaps(exception.startMs, exception.endMs, from, to)) continue;
      out.push(fromException(exception, master));
      continue;
    }
    out.push({
      event: master,
      master,
      id: instance.id,
      startMs: instance.startMs,
      endMs: instance.endMs,
      ...(instance.startDate
        ? { startDate: instance.startDate, endDate: instance.endDate, originalStartDate: instance.startDate }
        : {}),
      originalStartMs: instance.originalStartMs,
      kind: 'occurrence',
    });
  }
  // Exceptions moved into the window from an instance outside it.
  for (const exception of exceptions.values()) {
    if (seen.has(exception.id)) continue;
    if (exception.status === 'cancelled' && !includeCancelled) continue;
    if (overlaps(exception.startMs, exception.endMs, from, to)) out.push(fromException(exception, master));
  }
  return out;
}

function fromException(exception: StoredEvent, master: StoredEvent): Occurrence {
  return {
    event: exception,
    master,
    id: exception.id,
    startMs: exception.startMs,
    endMs: exception.endMs,
    ...(exception.startDate ? { startDate: exception.startDate, endDate: exception.endDate } : {}),
    ...(exception.originalStartMs !== undefined ? { originalStartMs: exception.originalStartMs } : {}),
    ...(exception.originalStartDate ? { originalStartDate: exception.originalStartDate } : {}),
    kind: 'exception',
  };
}

/** Every occurrence in the window, sorted by start. Hard-deleted events are never included. */
export function occurrencesInWindow(
  calendar: Calendar,
  from: number,
  to: number,
  includeCancelled = false,
): Occurrence[] {
  const out: Occurrence[] = [];
  for (const event of calendar.events.values()) {
    if (event.deleted) continue;
    if (event.recurringEventId) continue; // handled through its master
    if (event.recurrence?.length) {
      if (event.status === 'cancelled') continue;
      out.push(...occurrencesOfMaster(calendar, event, from, to, includeCancelled));
      continue;
    }
    if (event.status === 'cancelled' && !includeCancelled) continue;
    if (overlaps(event.startMs, event.endMs, from, to)) {
      out.push({
        event,
        id: event.id,
        startMs: event.startMs,
        endMs: event.endMs,
        ...(event.startDate ? { startDate: event.startDate, endDate: event.endDate } : {}),
        kind: 'single',
      });
    }
  }
  return out.sort((a, b) => a.startMs - b.startMs || a.id.localeCompare(b.id));
}

/** Whether `ownerEmail` declined this event (declined invitations do not block time). */
export function declinedBy(event: StoredEvent, ownerEmail: string): boolean {
  const email = ownerEmail.toLowerCase();
  return event.attendees.some((a) => a.email.toLowerCase() === email && a.responseStatus === 'declined');
}

/** Whether an occurrence blocks the owner's time at all (free/busy, getSchedule). */
export function blocksTime(event: StoredEvent, ownerEmail: string): boolean {
  return (
    event.status !== 'cancelled' &&
    !event.organizerCancelled &&
    event.eventType !== 'workingLocation' &&
    !declinedBy(event, ownerEmail)
  );
}

/** Busy intervals (opaque, not cancelled, not declined by the owner), merged. */
export function busyIntervals(
  calendar: Calendar,
  from: number,
  to: number,
  ownerEmail = '',
): Array<{ startMs: number; endMs: number }> {
  const intervals = occurrencesInWindow(calendar, from, to)
    .filter(
      (o) =>
        o.event.transparency === 'opaque' &&
        o.event.showAs !== 'free' &&
        o.event.showAs !== 'workingElsewhere' &&
        blocksTime(o.event, ownerEmail),
    )
    .map((o) => ({ startMs: Math.max(o.startMs, from), endMs: Math.min(o.endMs, to) }))
    .sort((a, b) => a.startMs - b.startMs);
  const merged: Array<{ startMs: number; endMs: number }> = [];
  for (const interval of intervals) {
    const last = merged[merged.length - 1];
    if (last && interval.startMs <= last.endMs) last.endMs = Math.max(last.endMs, interval.endMs);
    else merged.push({ ...interval });
  }
  return merged;
}

/** The generated occurrence `id` (`<master>_<YYYYMMDD…>`) of `master`, looked up around its date. */
export function occurrenceById(
  calendar: Calendar,
  master: StoredEvent,
  id: string,
  includeCancelled: boolean,
): Occurrence | undefined {
  const day = id.slice(master.id.length + 1, master.id.length + 9);
  if (!/^\d{8}$/.test(day)) return undefined;
  const from =
    Date.UTC(Number(day.slice(0, 4)), Number(day.slice(4, 6)) - 1, Number(day.slice(6, 8))) - 2 * 86_400_000;
  return occurrencesOfMaster(calendar, master, from, from + 4 * 86_400_000, includeCancelled).find(
    (o) => o.id === id,
  );
}

/** The stored exception a provider creates when one occurrence of a series is edited or deleted. */
export function exceptionFromOccurrence(
  master: StoredEvent,
  occurrence: Occurrence,
  createdAt: number,
): StoredEvent {
  const exception: StoredEvent = {
    ...structuredClone(master),
    id: occurrence.id,
    startMs: occurrence.startMs,
    endMs: occurrence.endMs,
    recurringEventId: master.id,
    originalStartMs: occurrence.originalStartMs ?? occurrence.startMs,
    sequence: master.sequence + 1,
    created: createdAt,
    version: 0,
  };
  delete exception.recurrence;
  delete exception.graphRecurrence;
  if (occurrence.startDate) {
    exception.startDate = occurrence.startDate;
    exception.endDate = occurrence.endDate;
    exception.originalStartDate = occurrence.startDate;
  }
  return exception;
}
