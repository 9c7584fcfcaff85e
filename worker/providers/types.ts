/**
 * What every calendar provider adapter offers (one adapter per provider under `google/` and
 * `microsoft/`; `index.ts` picks one). Callers hold a `CalendarProvider` and never branch on the
 * provider's name: a difference between providers is a member here, not an `if` elsewhere.
 *
 * Later issues grow this interface: `getEvent`, `freeBusy`, `createEvent`,
 * `watch`, … — each adapter then implements its own wire format.
 */
import type * as oauth from 'oauth4webapi';
import type { MirrorEvent, NormalizedChange, SeriesExpansion } from '../sync/types.ts';
import type { ProviderError } from './errors.ts';

/** The provider-related configuration the adapters read (a subset of the worker's Env). */
export interface ProviderConfig {
  GOOGLE_CALENDAR_CLIENT_ID?: string;
  GOOGLE_CALENDAR_CLIENT_SECRET?: string;
  MICROSOFT_CALENDAR_CLIENT_ID?: string;
  MICROSOFT_CALENDAR_CLIENT_SECRET?: string;
  GOOGLE_ACCOUNTS_BASE_URL?: string;
  GOOGLE_OAUTH_BASE_URL?: string;
  GOOGLE_API_BASE_URL?: string;
  MICROSOFT_LOGIN_BASE_URL?: string;
  MICROSOFT_GRAPH_BASE_URL?: string;
}

export interface OAuthClientCredentials {
  clientId: string;
  clientSecret: string;
}

/** Tokens from a code exchange or a refresh. */
export interface TokenSet {
  accessToken: string;
  /** Present on code exchange (offline access) and on Microsoft refreshes (rotation). */
  refreshToken?: string;
  expiresAt: Date;
}

export interface ProviderEndpoints {
  authorizationServer: oauth.AuthorizationServer;
  revocationUrl?: string;
  scopes: string[];
}

/** Outcome of the cheap authenticated call made before a sync. */
export type AccessProbe = { ok: true } | { ok: false; error: ProviderError };

/** One page request of a sync round (issue 13). */
export interface ChangeRequest {
  /** The connection's provider_calendar_id ('primary' for Google). */
  calendarId: string;
  /** Stored incremental cursor (Google nextSyncToken / Graph deltaLink); absent = full round. */
  cursor?: string;
  /** Continuation inside a round (Google pageToken / Graph @odata.nextLink). */
  pageToken?: string;
  /** The sync horizon; Graph's delta window on a full round, Google ignores it. */
  window: { startMs: number; endMs: number };
  /** Aborted when the run is no longer wanted (disconnect, pause): the page's calls stop at once. */
  signal?: AbortSignal;
}

export interface ChangePage {
  /** Never 'needsMaster': the adapter resolves masters itself. */
  changes: NormalizedChange[];
  nextPageToken?: string;
  /** Only on the last page of the round. */
  nextCursor?: string;
  /**
   * The calendar owner's IANA zone (the day an all-day event covers), when this page knows it:
   * Google sends it on every events.list page; Graph is asked once, on a full round's last page.
   */
  calendarTimeZone?: string;
}

/** Known series masters from the mirror, so an adapter fetches only the ones it lacks. */
export type MasterLookup = (seriesMasterId: string) => Promise<MirrorEvent | undefined>;

/** A live free/busy question for one account's calendars (issue 14). */
export interface FreeBusyQuery {
  /** The connection's provider calendar ids ('primary' for Google). */
  calendarIds: string[];
  /** The account's mailbox: Graph getSchedule asks by address, per mailbox, not per calendar. */
  accountEmail: string;
  window: { startMs: number; endMs: number };
  /** IANA zone the provider should answer in (busy instants do not depend on it). */
  timeZone: string;
}

/** Per calendar: merged-or-not busy instants, or why this calendar could not answer. */
export interface FreeBusyCalendar {
  calendarId: string;
  busy: Array<{ startMs: number; endMs: number }>;
  error?: { code: string; message: string };
}

/**
 * Push (issue 16): what a connection asks a provider to notify it about. `channelRef` and `secret`
 * come back with every notification (Google: channel id + token; Graph: inside `clientState`), so the
 * webhook reaches the connection's object and the object verifies the secret.
 */
export interface ChannelRequest {
  calendarId: string;
  /** `{connectionId}.{nonce}`: names the object and the channel (durable-objects/push/channel-ref.ts). */
  channelRef: string;
  secret: string;
  /** Absolute URL of this provider's webhook route. */
  notificationUrl: string;
  /** Our best estimate of the provider's clock (ours plus the skew seen on its last answer). */
  providerNowMs: number;
}

/** An open push channel (Google channel, Graph subscription) as the provider reported it. */
export interface Channel {
  channelRef: string;
  /** Google channel id / Graph subscription id. */
  providerId: string;
  /** Google resourceId (channels.stop needs it); Graph: the subscription id again. */
  resourceId: string;
  /** Expiry on the provider's clock (epoch ms). */
  expiresAtMs: number;
  /** The provider's clock when it answered (its Date header; ours when absent), so skew cannot make a channel lapse. */
  providerNowMs: number;
}

/** A notification as the webhook route parsed it, before anything is verified. */
export interface PushNotice {
  channelRef: string;
  secret: string;
  /** Google channel id / Graph subscription id the notification names. */
  providerId: string;
  /** Google X-Goog-Resource-Id (to stop a stale channel we own). */
  resourceId?: string;
  kind: 'sync' | 'changed' | 'reauthorization_required' | 'removed' | 'missed';
  /**
   * Google X-Goog-Message-Number: increasing per channel, so a replay is recognisable. Set on every
   * Google notice (0 when the header is missing or invalid: a change with it is a replay); Graph has none.
   */
  sequence?: number;
  /** Graph notification id: a replayed notification repeats it. */
  notificationId?: string;
  /**
   * The event a Graph change notification names (`resourceData.id`); Google names none. Kept by the
   * object until a sync round returned that event or re-read it (`rereadEvents`).
   */
  eventId?: string;
}

/**
 * Events to read directly (issue 20 §5): push named them, but the incremental round that followed
 * did not return them — a change the provider's change feed never reported.
 */
export interface RereadRequest {
  calendarId: string;
  /** The sync horizon: a series is read again over it. */
  window: { startMs: number; endMs: number };
  ids: readonly string[];
  /** The mirror's series key of a named id, when the mirror has that row (a gone occurrence's series). */
  seriesOf: ReadonlyMap<string, string>;
  signal?: AbortSignal;
}

/** The parts of a webhook request an adapter reads (the route may have buffered the body already). */
export interface WebhookRequest {
  headers: Headers;
  query: URLSearchParams;
  /** The body parsed as JSON; rejects when it is not JSON. */
  json(): Promise<unknown>;
}

/** A webhook request as the adapter read it (`parseNotification`), before anything is verified. */
export type NotificationRead =
  /** The provider's subscription handshake: answer with `token` as text/plain (Graph's validationToken). */
  | { kind: 'handshake'; token: string }
  | { kind: 'notices'; notices: PushNotice[] }
  /** Not a notification of this provider: the request field that shows it (nothing is echoed). */
  | { kind: 'malformed'; field: string; message: string };

/**
 * A meeting CE writes to the provider (issue 15), in neutral terms. `tag` is CE's own id for the
 * meeting: the Google event id (a uuid's hex digits are valid base32hex) and private extended
 * property, the Graph `transactionId` suffix and extended property — so a retried create is
 * recognised by the provider itself and inbound sync recognises the echo.
 */
export interface MeetingDraft {
  tag: string;
  /** The connection's provider_calendar_id ('primary' for the account's main calendar). */
  calendarId: string;
  title: string;
  startMs: number;
  endMs: number;
  /** IANA zone the meeting is planned in (the provider shows it; instants do not depend on it). */
  timeZone: string;
  /** Who is invited (the organizer is the connected account itself), with answers known so far. */
  attendees: readonly MeetingAttendee[];
  description: string | null;
  location: string | null;
  /** Ask for a Meet / Teams link where the provider can make one. */
  conference: boolean;
}

export interface MeetingAttendee {
  email: string;
  responseStatus?: 'needsAction' | 'accepted' | 'tentative' | 'declined';
}

/** What a provider answered for a meeting write. */
export interface WrittenMeeting {
  providerEventId: string;
  etag: string | null;
  icalUid: string | null;
  /** The video link once the provider has one (Google may answer `pending` first). */
  conferenceUrl: string | null;
  /** The provider's own page of the event (Google `htmlLink`, Graph `webLink`). */
  link: string | null;
}

/** The fields of a meeting update; absent ones are left as they are on the provider. */
export type MeetingChange = Partial<Omit<MeetingDraft, 'tag' | 'calendarId' | 'conference'>>;

export interface CalendarProvider {
  /** The provider's name (its key in `index.ts`'s registry). */
  readonly name: string;
  /** Whether series arrive as a rule this adapter expands (Google) or as listed occurrences (Graph). */
  readonly seriesExpansion: SeriesExpansion;
  readonly endpoints: ProviderEndpoints;
  /** Whether an organization may bring its own OAuth client (PF-104: Google only). */
  readonly supportsOrganizationClient: boolean;
  /** The platform OAuth client from configuration, or undefined when it is not configured. */
  platformClient(): OAuthClientCredentials | undefined;
  /** Provider-specific authorization request parameters (offline access, consent prompt, …). */
  authorizationParameters(): Record<string, string>;
  /** The connected account's email address, lower-cased. */
  accountEmail(accessToken: string): Promise<string>;
  /** Whether the provider still accepts `accessToken` (one cheap authenticated call). */
  probeAccess(accessToken: string): Promise<AccessProbe>;
  /** Classifies a non-2xx API response (status + the provider's error body) once. */
  toProviderError(response: Response): Promise<ProviderError>;
  /** Live busy time (Google freeBusy.query, Graph getSchedule); per-calendar errors in the answer. */
  freeBusy(accessToken: string, query: FreeBusyQuery): Promise<FreeBusyCalendar[]>;
  /**
   * One page of changes. An expired cursor (410) throws `ProviderError('cursor_expired')`: the
   * engine then runs a full round that removes what vanished.
   */
  listChanges(accessToken: string, request: ChangeRequest, masters: MasterLookup): Promise<ChangePage>;
  /**
   * Reads named events (and the series they belong to) directly and describes them as changes, like
   * a page of the change feed; an event that is gone becomes a deletion. Only providers whose push
   * notifications name events offer it (Graph).
   */
  rereadEvents?(accessToken: string, request: RereadRequest): Promise<NormalizedChange[]>;
  /** Opens a push channel for the calendar (Google events.watch, Graph POST /subscriptions). */
  openChannel(accessToken: string, request: ChannelRequest): Promise<Channel>;
  /**
   * Extends a channel before it expires. Google channels cannot be extended: a new one replaces it
   * (the old one is stopped after the new one is open, so they overlap); Graph PATCHes the expiry.
   * `not_found` means the channel is gone and must be opened again.
   */
  renewChannel(accessToken: string, current: Channel, request: ChannelRequest): Promise<Channel>;
  /** Stops a channel (Google channels.stop, Graph DELETE); one already gone is not an error. */
  closeChannel(accessToken: string, channel: Pick<Channel, 'providerId' | 'resourceId'>): Promise<void>;
  /** Path of the webhook route this provider's notifications are delivered to (worker/routes/webhooks.ts). */
  readonly webhookPath: string;
  /**
   * Reads a webhook request (Google: the X-Goog-* headers; Graph: the validationToken query or the
   * JSON batch) into notices, without trusting it: the connection object verifies each one's secret.
   */
  parseNotification(request: WebhookRequest): Promise<NotificationRead>;
  /**
   * Creates a meeting and invites its attendees (issue 15). Idempotent per `draft.tag`: a retry after
   * a lost answer returns the event the first call created (Google 409 duplicate id → read it; Graph
   * transactionId), never a second one.
   */
  createEvent(accessToken: string, draft: MeetingDraft): Promise<WrittenMeeting>;
  /** Reschedules / retitles / re-invites a meeting CE created; attendees are told. */
  updateEvent(
    accessToken: string,
    calendarId: string,
    providerEventId: string,
    change: MeetingChange,
  ): Promise<WrittenMeeting>;
  /** Cancels a meeting CE created; attendees are told. An event already gone counts as deleted. */
  deleteEvent(accessToken: string, calendarId: string, providerEventId: string): Promise<void>;
}
