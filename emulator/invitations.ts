/**
 * Invitations between emulator accounts (providers.md §2, §9): when an organizer's event names another
 * emulator account as attendee, a copy appears in that account's primary calendar and follows every
 * change the organizer makes; an attendee's response flows back to the organizer's attendee list.
 * Google copies keep the organizer's id and iCalUID; Graph copies get their own id, same iCalUID.
 * An organizer cancelling (or removing the attendee) deletes a Google copy and marks a Graph copy
 * `isCancelled`. A Graph attendee declining removes the meeting from their calendar, as Outlook does.
 */
import {
  type Account,
  type Attendee,
  accountKey,
  type Calendar,
  primaryCalendar,
  type StoredEvent,
} from './model.ts';
import { deleteEvent, newGoogleEventId, newGraphEventId, recordChange } from './mutations.ts';
import { notifyChange } from './push.ts';
import type { EmulatorState } from './state.ts';

/** Per state: organizer event key → attendee account key → id of the copy in that account. */
const registries = new WeakMap<EmulatorState, Map<string, Map<string, string>>>();

function registry(state: EmulatorState): Map<string, Map<string, string>> {
  let map = registries.get(state);
  if (!map) {
    map = new Map();
    registries.set(state, map);
  }
  return map;
}

const sourceKey = (account: Account, calendar: Calendar, eventId: string) =>
  `${accountKey(account.provider, account.email)}|${calendar.id}|${eventId}`;

const sameEmail = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/** Call after every change of `event`; a no-op unless invitations are involved. */
export function fanOutInvitation(
  state: EmulatorState,
  account: Account,
  calendar: Calendar,
  event: StoredEvent,
): void {
  if (event.inviteOf) {
    returnResponse(state, account, event);
    return;
  }
  if (!sameEmail(event.organizer.email, account.email)) return;
  const key = sourceKey(account, calendar, event.id);
  const known = registry(state).get(key);
  const hasAccount = (email: string) =>
    state.accounts.has(accountKey('google', email)) || state.accounts.has(accountKey('microsoft', email));
  // The common case (bulk generation, external guests only) costs one lookup per attendee.
  if (!known && !event.attendees.some((a) => hasAccount(a.email))) return;
  const copies = known ?? new Map<string, string>();
  const invited = new Set(event.attendees.map((a) => a.email.toLowerCase()));
  for (const other of state.accounts.values()) {
    if (other === account) continue;
    const otherKey = accountKey(other.provider, other.email);
    const copyId = copies.get(otherKey);
    const isInvited = invited.has(other.email.toLowerCase());
    if (!isInvited && copyId === undefined) continue;
    const target = primaryCalendar(other);
    const existing = copyId ? target.events.get(copyId) : undefined;
    const ended = event.deleted || (event.status === 'cancelled' && !event.recurringEventId);
    if (!isInvited || ended) {
      if (existing) cancelCopy(state, other, target, existing);
      continue;
    }
    const written = writeCopy(state, account, calendar, event, other, target, existing);
    if (written) copies.set(otherKey, written.id);
  }
  if (copies.size) registry(state).set(key, copies);
}

function writeCopy(
  state: EmulatorState,
  organizer: Account,
  calendar: Calendar,
  event: StoredEvent,
  attendee: Account,
  target: Calendar,
  existing: StoredEvent | undefined,
): StoredEvent | undefined {
  let id = existing?.id;
  let recurringEventId: string | undefined;
  if (event.recurringEventId) {
    // An exception: the copy hangs off the copy of its master, keyed by the same original start.
    const masterCopyId = registry(state)
      .get(sourceKey(organizer, calendar, event.recurringEventId))
      ?.get(accountKey(attendee.provider, attendee.email));
    if (!masterCopyId) return undefined;
    recurringEventId = masterCopyId;
    id ??= `${masterCopyId}${event.id.slice(event.recurringEventId.length)}`;
  }
  if (!id) {
    const keepId =
      organizer.provider === 'google' && attendee.provider === 'google' && !target.events.has(event.id);
    id = keepId
      ? event.id
      : attendee.provider === 'google'
        ? newGoogleEventId(state)
        : newGraphEventId(state);
  }
  const copy: StoredEvent = {
    ...structuredClone(event),
    id,
    inviteOf: sourceKey(organizer, calendar, event.id),
    extendedPrivate: {},
    singleValueExtendedProperties: [],
    created: existing?.created ?? state.clock.now(),
    updated: existing?.updated ?? state.clock.now(),
    version: existing?.version ?? 0,
    changeSeq: existing?.changeSeq ?? 0,
  };
  delete copy.transactionId;
  delete copy.organizerCancelled;
  if (recurringEventId) copy.recurringEventId = recurringEventId;
  target.events.set(copy.id, copy);
  state.touch(target, copy);
  notifyChange(state, attendee, target, copy, existing ? 'updated' : 'created');
  return copy;
}

function cancelCopy(state: EmulatorState, attendee: Account, target: Calendar, copy: StoredEvent): void {
  if (copy.deleted || copy.organizerCancelled) return;
  if (attendee.provider === 'google' || copy.recurringEventId) {
    copy.status = 'cancelled';
    copy.deleted = true;
  } else {
    copy.organizerCancelled = true;
  }
  state.touch(target, copy);
  notifyChange(state, attendee, target, copy, copy.deleted ? 'deleted' : 'updated');
}

/** An attendee's copy changed: carry their own response back to the organizer's event. */
function returnResponse(state: EmulatorState, attendee: Account, copy: StoredEvent): void {
  const self = copy.attendees.find((a) => sameEmail(a.email, attendee.email));
  const [organizerKey, calendarId, eventId] = (copy.inviteOf ?? '').split('|');
  const organizer = state.accounts.get(organizerKey ?? '');
  const calendar = organizer?.calendars.get(calendarId ?? '');
  const event = calendar?.events.get(eventId ?? '');
  if (!self || !organizer || !calendar || !event || event.deleted) return;
  const entry = event.attendees.find((a) => sameEmail(a.email, attendee.email));
  if (!entry || entry.responseStatus === self.responseStatus) return;
  entry.responseStatus = self.responseStatus;
  recordChange(state, organizer, calendar, event, 'updated');
}

/** The attendee answers an invitation (Graph accept/decline/tentativelyAccept, or the control API). */
export function respondToInvitation(
  state: EmulatorState,
  attendee: Account,
  calendar: Calendar,
  copy: StoredEvent,
  response: Attendee['responseStatus'],
): boolean {
  const self = copy.attendees.find((a) => sameEmail(a.email, attendee.email));
  if (!self) return false;
  self.responseStatus = response;
  recordChange(state, attendee, calendar, copy, 'updated');
  if (attendee.provider === 'microsoft' && response === 'declined')
    deleteEvent(state, attendee, calendar, copy);
  return true;
}
