/**
 * The emulator's provider-neutral event model. Google and Microsoft routes render it in their own
 * wire formats; the control API changes it "as the user would" and bumps the change sequence that
 * sync tokens and delta links are built on.
 */
export type Provider = 'google' | 'microsoft';

export interface Attendee {
  email: string;
  displayName?: string;
  responseStatus: 'needsAction' | 'declined' | 'tentative' | 'accepted';
  optional?: boolean;
}

export interface StoredEvent {
  id: string;
  iCalUID: string;
  status: 'confirmed' | 'tentative' | 'cancelled';
  summary?: string;
  description?: string;
  location?: string;
  allDay: boolean;
  /** Timed events: instants. All-day events: midnight of the dates in the calendar's zone. */
  startMs: number;
  endMs: number;
  /** All-day only: calendar dates, end exclusive. */
  startDate?: string;
  endDate?: string;
  /** IANA zone the event was written in. */
  timeZone: string;
  /** Series master only: RRULE/EXRULE/RDATE/EXDATE lines (Google's format). */
  recurrence?: string[];
  /** Series master written through Graph: its patternedRecurrence, rendered back as given. */
  graphRecurrence?: unknown;
  /** Exception of a series (modified or cancelled instance). */
  recurringEventId?: string;
  originalStartMs?: number;
  originalStartDate?: string;
  transparency: 'opaque' | 'transparent';
  /** Graph's showAs when written through Graph (oof, workingElsewhere…); derived otherwise. */
  showAs?: string;
  attendees: Attendee[];
  organizer: { email: string; displayName?: string };
  extendedPrivate: Record<string, string>;
  extendedShared: Record<string, string>;
  /** Graph singleValueExtendedProperties. */
  singleValueExtendedProperties: Array<{ id: string; value: string }>;
  transactionId?: string;
  hangoutLink?: string;
  /** Graph `isOnlineMeeting` with `onlineMeetingProvider: teamsForBusiness`: the Teams join link. */
  teamsJoinUrl?: string;
  conferenceRequestId?: string;
  /** Meet creation still pending (option `googleConferencePending`): no link until the next read. */
  conferencePending?: boolean;
  /** Google `eventType`: default, outOfOffice, focusTime, workingLocation, … */
  eventType: string;
  /** Google `outOfOfficeProperties` / `focusTimeProperties` / `workingLocationProperties`, as given. */
  eventTypeProperties?: Record<string, unknown>;
  /** Attendee copy of an invitation: `<organizer account key>|<calendar id>|<event id>`. */
  inviteOf?: string;
  /** Attendee copy whose meeting the organizer cancelled (Graph keeps it with `isCancelled: true`). */
  organizerCancelled?: boolean;
  created: number;
  updated: number;
  sequence: number;
  /** Bumped on every change; etag / changeKey derive from it. */
  version: number;
  /** Calendar change sequence at the last change (sync tokens compare against it). */
  changeSeq: number;
  /** Hard-deleted (not a cancelled exception): Google answers 410 to a second delete. */
  deleted: boolean;
}

export interface Calendar {
  id: string;
  summary: string;
  timeZone: string;
  primary: boolean;
  events: Map<string, StoredEvent>;
  /** Monotonic change counter of this calendar. */
  seq: number;
  /** Bumped by "invalidate sync tokens": every token of an older generation answers 410. */
  tokenGeneration: number;
}

export interface Account {
  provider: Provider;
  /** Stable opaque id (Google `sub`, Graph user id). */
  id: string;
  email: string;
  name: string;
  timeZone: string;
  calendars: Map<string, Calendar>;
}

export const accountKey = (provider: Provider, email: string) => `${provider}:${email.toLowerCase()}`;

export function primaryCalendar(account: Account): Calendar {
  for (const calendar of account.calendars.values()) if (calendar.primary) return calendar;
  throw new Error('account has no primary calendar');
}

export const etagOf = (event: StoredEvent) =>
  `"${(event.created + event.version * 7919).toString().padStart(16, '0')}"`;
export const changeKeyOf = (event: StoredEvent) =>
  Buffer.from(`${event.id}:${event.version}`).toString('base64').replace(/=+$/, '');
