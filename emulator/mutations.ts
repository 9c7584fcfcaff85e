/** Creating and changing stored events; every change bumps sequences and fires notifications. */
import { exceptionsOf } from './expand.ts';
import { fanOutInvitation } from './invitations.ts';
import { type Account, type Calendar, primaryCalendar, type StoredEvent } from './model.ts';
import { type ChangeType, notifyChange } from './push.ts';
import { expandSeries } from './recurrence.ts';
import type { EmulatorState } from './state.ts';
import { formatDate, wallTimeIn } from './time.ts';

export function newGoogleEventId(state: EmulatorState): string {
  return state.random.string(26);
}

export function newGraphEventId(state: EmulatorState): string {
  return `AAMkAGI1${state.random.string(60, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789')}AAA=`;
}

export function blankEvent(state: EmulatorState, account: Account, id: string): StoredEvent {
  const now = state.clock.now();
  return {
    id,
    iCalUID:
      account.provider === 'google'
        ? `${id}@google.com`
        : `040000008200E00074C5B7101A82E008${state.random.string(40, '0123456789ABCDEF')}`,
    status: 'confirmed',
    allDay: false,
    startMs: now,
    endMs: now + 3_600_000,
    timeZone: account.timeZone,
    transparency: 'opaque',
    attendees: [],
    organizer: { email: account.email, displayName: account.name },
    extendedPrivate: {},
    extendedShared: {},
    singleValueExtendedProperties: [],
    eventType: 'default',
    created: now,
    updated: now,
    sequence: 0,
    version: 0,
    changeSeq: 0,
    deleted: false,
  };
}

export function recordChange(
  state: EmulatorState,
  account: Account,
  calendar: Calendar,
  event: StoredEvent,
  change: ChangeType,
): void {
  calendar.events.set(event.id, event);
  state.touch(calendar, event);
  notifyChange(state, account, calendar, event, change);
  touchMasterOf(state, account, calendar, event);
  if (event.recurrence?.length && change === 'updated' && !event.deleted)
    dropOrphanedExceptions(state, account, calendar, event);
  fanOutInvitation(state, account, calendar, event);
}

/**
 * An instance change also changes its master: Google re-sends the master (with `updated` bumped) on
 * incremental sync after any instance edit; on Graph a deleted occurrence shows only as a change of
 * its master (`cancelledOccurrences`), providers.md §2 and §8.
 */
function touchMasterOf(state: EmulatorState, account: Account, calendar: Calendar, event: StoredEvent): void {
  if (!event.recurringEventId) return;
  const master = calendar.events.get(event.recurringEventId);
  if (!master || master.deleted) return;
  if (account.provider === 'google' || event.status === 'cancelled') state.touch(calendar, master);
}

const localDay = (ms: number, zone: string) => formatDate(wallTimeIn(ms, zone));

/**
 * After a series' time or rule changed, exceptions whose original start is no longer an instance are
 * dropped and reported as deleted (both providers). A cancelled instance stays cancelled: its
 * cancellation moves to the series' new instance on the same local day, if there is one.
 */
export function dropOrphanedExceptions(
  state: EmulatorState,
  account: Account,
  calendar: Calendar,
  master: StoredEvent,
): void {
  for (const exception of exceptionsOf(calendar, master.id).values()) {
    const original = exception.originalStartMs ?? exception.startMs;
    const around = expandSeries(master, original - 2 * 86_400_000, original + 2 * 86_400_000);
    if (around.some((instance) => instance.id === exception.id)) continue;
    if (exception.status === 'cancelled') {
      const day = exception.originalStartDate ?? localDay(original, master.timeZone);
      const replacement = around.find(
        (instance) =>
          (instance.startDate ?? localDay(instance.originalStartMs, master.timeZone)) === day &&
          !calendar.events.get(instance.id)?.recurringEventId,
      );
      if (replacement) {
        const moved: StoredEvent = {
          ...structuredClone(exception),
          id: replacement.id,
          startMs: replacement.startMs,
          endMs: replacement.endMs,
          originalStartMs: replacement.originalStartMs,
          version: 0,
          deleted: false,
        };
        calendar.events.set(moved.id, moved);
        state.touch(calendar, moved);
        fanOutInvitation(state, account, calendar, moved);
      }
    }
    exception.status = 'cancelled';
    exception.deleted = true;
    state.touch(calendar, exception);
    notifyChange(state, account, calendar, exception, 'deleted');
    fanOutInvitation(state, account, calendar, exception);
  }
}

/** Deletes as the provider does: masters take their exceptions along; exceptions become cancelled. */
export function deleteEvent(
  state: EmulatorState,
  account: Account,
  calendar: Calendar,
  event: StoredEvent,
): void {
  event.status = 'cancelled';
  if (!event.recurringEventId) event.deleted = true;
  recordChange(state, account, calendar, event, 'deleted');
  if (event.recurrence?.length) {
    for (const other of calendar.events.values()) {
      if (other.recurringEventId === event.id && !other.deleted) {
        other.status = 'cancelled';
        other.deleted = true;
        recordChange(state, account, calendar, other, 'deleted');
      }
    }
  }
}

export function calendarOrPrimary(
  state: EmulatorState,
  account: Account,
  calendarId?: string,
): Calendar | undefined {
  return calendarId ? state.calendarOf(account, calendarId) : primaryCalendar(account);
}
