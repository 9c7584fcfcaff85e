/** Creating and changing stored events; every change bumps sequences and fires notifications. */
import { type Account, type Calendar, primaryCalendar, type StoredEvent } from './model.ts';
import { type ChangeType, notifyChange } from './push.ts';
import type { EmulatorState } from './state.ts';

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
