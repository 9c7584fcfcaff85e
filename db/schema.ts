/**
 * Drizzle schema of every table in SPEC §3. Names come from the CE-21 source document and are kept
 * exactly. Row-level security (roles, policies, FORCE RLS, grants) lives in the hand-written SQL
 * migration `db/migrations/0001_rls.sql`, because drizzle-kit does not emit FORCE RLS or GRANTs and
 * the policies read better as SQL next to the `auth.*` helpers they use.
 */
import { sql } from 'drizzle-orm';
import {
  boolean,
  check,
  date,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';

const id = () => uuid('id').primaryKey().defaultRandom();
const organizationId = () => uuid('organization_id').notNull();
/**
 * The providers a connection may name: the database's list (both tables' CHECK constraints). The
 * worker's list is its adapter registry (worker/providers/index.ts); a test keeps the two equal.
 */
export const PROVIDER_NAMES = ['google', 'microsoft'] as const;
export type ProviderName = (typeof PROVIDER_NAMES)[number];
/** `('google', 'microsoft')`: the SQL list the CHECK constraints use (fixed names, no input). */
const providerList = sql.raw(`(${PROVIDER_NAMES.map((name) => `'${name}'`).join(', ')})`);
const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();
const updatedAt = () => timestamp('updated_at', { withTimezone: true }).notNull().defaultNow();

/** Module settings, one row per organization (CE Settings). Ranges are enforced here and by the API. */
export const ceModuleSettings = pgTable(
  'ce_module_settings',
  {
    organizationId: uuid('organization_id').primaryKey(),
    calendarDefaultMeetingDurationMinutes: integer('calendar_default_meeting_duration_minutes')
      .notNull()
      .default(30),
    calendarSyncPollIntervalMinutes: integer('calendar_sync_poll_interval_minutes').notNull().default(15),
    calendarPreMeetingNotificationMinutes: integer('calendar_pre_meeting_notification_minutes')
      .notNull()
      .default(15),
    updatedAt: updatedAt(),
    updatedBy: uuid('updated_by'),
  },
  (t) => [
    check(
      'ce_module_settings_duration_range',
      sql`${t.calendarDefaultMeetingDurationMinutes} between 15 and 480`,
    ),
    check('ce_module_settings_poll_range', sql`${t.calendarSyncPollIntervalMinutes} between 5 and 60`),
    check(
      'ce_module_settings_notification_range',
      sql`${t.calendarPreMeetingNotificationMinutes} between 5 and 1440`,
    ),
  ],
);

/** PF-76 credential vault: AES-256-GCM ciphertexts, never plaintext. */
export const pfCredentials = pgTable(
  'pf_credentials',
  {
    id: id(),
    organizationId: organizationId(),
    kind: text('kind', {
      enum: ['oauth_access_token', 'oauth_refresh_token', 'oauth_client_secret'],
    }).notNull(),
    ciphertext: text('ciphertext').notNull(),
    iv: text('iv').notNull(),
    keyVersion: integer('key_version').notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    check(
      'pf_credentials_kind',
      sql`${t.kind} in ('oauth_access_token', 'oauth_refresh_token', 'oauth_client_secret')`,
    ),
    index('pf_credentials_org_idx').on(t.organizationId),
  ],
);

/** PF-104: an organization's own Google Workspace OAuth client. */
export const pfGwsConnections = pgTable(
  'pf_gws_connections',
  {
    id: id(),
    organizationId: organizationId(),
    oauthClientId: text('oauth_client_id').notNull(),
    oauthClientSecretCredentialId: uuid('oauth_client_secret_credential_id')
      .notNull()
      .references(() => pfCredentials.id),
    active: boolean('active').notNull().default(true),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    // At most one active client per organization; removed clients stay for the connections made with them.
    uniqueIndex('pf_gws_connections_one_active').on(t.organizationId).where(sql`${t.active}`),
  ],
);

export const ceCalendarConnections = pgTable(
  'ce_calendar_connections',
  {
    id: id(),
    organizationId: organizationId(),
    userId: uuid('user_id').notNull(),
    provider: text('provider', { enum: PROVIDER_NAMES }).notNull(),
    accountEmail: text('account_email').notNull(),
    providerCalendarId: text('provider_calendar_id').notNull().default('primary'),
    syncEnabled: boolean('sync_enabled').notNull().default(true),
    syncStatus: text('sync_status', { enum: ['syncing', 'paused', 'error', 'reconnect_required'] })
      .notNull()
      .default('syncing'),
    lastSyncAt: timestamp('last_sync_at', { withTimezone: true }),
    lastErrorCode: text('last_error_code'),
    tokenExpiresAt: timestamp('token_expires_at', { withTimezone: true }),
    /** Google `nextSyncToken` or Microsoft `@odata.deltaLink`. */
    syncCursor: text('sync_cursor'),
    /** The calendar's own IANA zone as the provider reports it: the owner's day for all-day busy (issue 14). */
    calendarTimeZone: text('calendar_time_zone'),
    /** When the connection object plans its next sync (poll or retry); null when nothing is planned. */
    nextSyncAt: timestamp('next_sync_at', { withTimezone: true }),
    /** Milliseconds from the provider's change to the mirror, measured on the last incremental run that carried changes. */
    syncLagMs: integer('sync_lag_ms'),
    gwsConnectionId: uuid('gws_connection_id').references(() => pfGwsConnections.id),
    accessTokenCredentialId: uuid('access_token_credential_id').references(() => pfCredentials.id),
    refreshTokenCredentialId: uuid('refresh_token_credential_id').references(() => pfCredentials.id),
    /** Legacy plaintext columns (named "encrypted" by the source system; they were not). */
    accessTokenEncrypted: text('access_token_encrypted'),
    refreshTokenEncrypted: text('refresh_token_encrypted'),
    migrationRequired: boolean('migration_required').notNull().default(false),
    migratedAt: timestamp('migrated_at', { withTimezone: true }),
    /** Why the last vault backfill attempt of this row failed (reason code); null when none failed. */
    migrationErrorCode: text('migration_error_code'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    check('ce_calendar_connections_provider', sql`${t.provider} in ${providerList}`),
    check(
      'ce_calendar_connections_sync_status',
      sql`${t.syncStatus} in ('syncing', 'paused', 'error', 'reconnect_required')`,
    ),
    uniqueIndex('ce_calendar_connections_account').on(t.organizationId, t.userId, t.provider, t.accountEmail),
    index('ce_calendar_connections_migration_idx').on(t.organizationId).where(sql`${t.migrationRequired}`),
  ],
);

/** CE-04 activities, minimal: enough for meetings scheduled from CE. */
export const ceActivities = pgTable(
  'ce_activities',
  {
    id: id(),
    organizationId: organizationId(),
    ownerUserId: uuid('owner_user_id').notNull(),
    type: text('type', { enum: ['meeting'] })
      .notNull()
      .default('meeting'),
    subject: text('subject').notNull(),
    startsAt: timestamp('starts_at', { withTimezone: true }).notNull(),
    endsAt: timestamp('ends_at', { withTimezone: true }).notNull(),
    /**
     * Meetings (issue 15): the calendar the meeting lives on, and CE's wanted state of it (what the
     * connection object pushes to the provider; inbound changes made on the provider flow back here).
     */
    connectionId: uuid('connection_id').references(() => ceCalendarConnections.id, { onDelete: 'set null' }),
    status: text('status', { enum: ['scheduled', 'cancelled'] })
      .notNull()
      .default('scheduled'),
    timeZone: text('time_zone'),
    description: text('description'),
    location: text('location'),
    /** `[{email, response_status}]`; response statuses come back from the provider through sync. */
    attendees: jsonb('attendees').notNull().default([]),
    conference: boolean('conference').notNull().default(false),
    conferenceUrl: text('conference_url'),
    /** The provider's own page of the event (Google `htmlLink`, Graph `webLink`), from its last answer. */
    providerLink: text('provider_link'),
    /** Bumped on every change of the meeting's start: the reminder's dedupe key carries it. */
    version: integer('version').notNull().default(1),
    cancelledAt: timestamp('cancelled_at', { withTimezone: true }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    check('ce_activities_type', sql`${t.type} in ('meeting')`),
    check('ce_activities_status', sql`${t.status} in ('scheduled', 'cancelled')`),
  ],
);

/**
 * Idempotency-Key of meeting creation (issue 15), per organization, kept at least 24 hours: the same
 * key and body return the same meeting; the same key with another body is a 409.
 */
export const ceMeetingIdempotencyKeys = pgTable(
  'ce_meeting_idempotency_keys',
  {
    organizationId: uuid('organization_id').notNull(),
    idempotencyKey: text('idempotency_key').notNull(),
    userId: uuid('user_id').notNull(),
    /** SHA-256 (hex) of the canonical request body. */
    requestHash: text('request_hash').notNull(),
    activityId: uuid('activity_id')
      .notNull()
      .references(() => ceActivities.id, { onDelete: 'cascade' }),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.organizationId, t.idempotencyKey] })],
);

export const ceCalendarEvents = pgTable(
  'ce_calendar_events',
  {
    id: id(),
    organizationId: organizationId(),
    connectionId: uuid('connection_id')
      .notNull()
      .references(() => ceCalendarConnections.id, { onDelete: 'cascade' }),
    providerEventId: text('provider_event_id').notNull(),
    icalUid: text('ical_uid'),
    title: text('title'),
    description: text('description'),
    location: text('location'),
    startAt: timestamp('start_at', { withTimezone: true }).notNull(),
    endAt: timestamp('end_at', { withTimezone: true }).notNull(),
    allDay: boolean('all_day').notNull().default(false),
    /** For all-day events: the calendar dates (end exclusive), interpreted in the user's zone. */
    startDate: text('start_date'),
    endDate: text('end_date'),
    timeZone: text('time_zone'),
    status: text('status', { enum: ['confirmed', 'tentative', 'cancelled'] })
      .notNull()
      .default('confirmed'),
    transparency: text('transparency', { enum: ['opaque', 'transparent'] })
      .notNull()
      .default('opaque'),
    attendees: jsonb('attendees').notNull().default([]),
    organizer: jsonb('organizer'),
    /** RRULE/EXDATE lines of a series master, as the provider gave them (Google) or converted (Graph). */
    recurrence: jsonb('recurrence'),
    recurringEventId: text('recurring_event_id'),
    originalStartAt: timestamp('original_start_at', { withTimezone: true }),
    syncDirection: text('sync_direction', { enum: ['inbound', 'outbound'] })
      .notNull()
      .default('inbound'),
    syncStatus: text('sync_status', { enum: ['synced', 'pending', 'error'] })
      .notNull()
      .default('synced'),
    activityId: uuid('activity_id').references(() => ceActivities.id, { onDelete: 'set null' }),
    providerEtag: text('provider_etag'),
    providerUpdatedAt: timestamp('provider_updated_at', { withTimezone: true }),
    /**
     * Sync engine (issue 13). `series_role`: what the row is within a recurring series. Google masters
     * are expanded by us; Graph masters are not busy themselves (Graph lists every occurrence).
     */
    seriesRole: text('series_role', { enum: ['single', 'master', 'exception', 'occurrence'] })
      .notNull()
      .default('single'),
    /** Provider id of the series master (its own id for a master or single): the recompute unit. */
    seriesKey: text('series_key'),
    /** Google `eventType`; Graph `showAs: oof` maps to outOfOffice, `workingElsewhere` to workingLocation. */
    eventKind: text('event_kind', { enum: ['default', 'outOfOffice', 'focusTime', 'workingLocation'] })
      .notNull()
      .default('default'),
    /** The calendar owner's own answer; null when they organize it or nobody was invited. */
    responseStatus: text('response_status', { enum: ['needsAction', 'accepted', 'tentative', 'declined'] }),
    isOrganizer: boolean('is_organizer').notNull().default(true),
    /** The app's tag found on the provider copy (Google private property / Graph transactionId). */
    appTag: text('app_tag'),
    /** The sync round that last wrote the row: a full round removes the rows it did not see. */
    syncRound: text('sync_round'),
    /**
     * Outbound rows (issue 15): the provider write still owed for this meeting (the outbox), retried
     * by the connection object until the provider confirms; null once in step with the provider.
     */
    outboxOperation: text('outbox_operation', { enum: ['create', 'update', 'delete'] }),
    outboxAttempts: integer('outbox_attempts').notNull().default(0),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('ce_calendar_events_provider_event').on(t.connectionId, t.providerEventId),
    index('ce_calendar_events_range_idx').on(t.organizationId, t.connectionId, t.startAt, t.endAt),
    index('ce_calendar_events_series_idx').on(t.connectionId, t.seriesKey),
    index('ce_calendar_events_app_tag_idx').on(t.connectionId, t.appTag).where(sql`${t.appTag} is not null`),
    check(
      'ce_calendar_events_series_role',
      sql`${t.seriesRole} in ('single', 'master', 'exception', 'occurrence')`,
    ),
    check(
      'ce_calendar_events_event_kind',
      sql`${t.eventKind} in ('default', 'outOfOffice', 'focusTime', 'workingLocation')`,
    ),
    check(
      'ce_calendar_events_response_status',
      sql`${t.responseStatus} in ('needsAction', 'accepted', 'tentative', 'declined')`,
    ),
    check('ce_calendar_events_status', sql`${t.status} in ('confirmed', 'tentative', 'cancelled')`),
    check('ce_calendar_events_transparency', sql`${t.transparency} in ('opaque', 'transparent')`),
    check('ce_calendar_events_sync_direction', sql`${t.syncDirection} in ('inbound', 'outbound')`),
    check('ce_calendar_events_sync_status', sql`${t.syncStatus} in ('synced', 'pending', 'error')`),
    check('ce_calendar_events_outbox_operation', sql`${t.outboxOperation} in ('create', 'update', 'delete')`),
    check('ce_calendar_events_range', sql`${t.endAt} >= ${t.startAt}`),
  ],
);

/**
 * Concrete busy occurrences derived from `ce_calendar_events` for the sync horizon (issue 13): one row
 * per occurrence that blocks time, recomputed per series whenever anything in the series changes, so
 * free/busy reads ranges and never expands rules. Timed rows carry instants (`start_at`/`end_at`);
 * all-day rows carry dates (`start_date`/`end_date`, end exclusive) resolved with the owner's zone at
 * read time. Colleagues read it only through `ce_free_busy_read()` (db/functions/free-busy.sql: busy
 * blocks, never titles).
 */
export const ceCalendarBusyOccurrences = pgTable(
  'ce_calendar_busy_occurrences',
  {
    id: id(),
    organizationId: organizationId(),
    userId: uuid('user_id').notNull(),
    connectionId: uuid('connection_id')
      .notNull()
      .references(() => ceCalendarConnections.id, { onDelete: 'cascade' }),
    /** The mirror row the occurrence comes from (master, exception, occurrence or single). */
    eventId: uuid('event_id')
      .notNull()
      .references(() => ceCalendarEvents.id, { onDelete: 'cascade' }),
    seriesKey: text('series_key').notNull(),
    allDay: boolean('all_day').notNull().default(false),
    startAt: timestamp('start_at', { withTimezone: true }),
    endAt: timestamp('end_at', { withTimezone: true }),
    startDate: date('start_date', { mode: 'string' }),
    endDate: date('end_date', { mode: 'string' }),
    busyKind: text('busy_kind', { enum: ['busy', 'tentative', 'out_of_office', 'focus_time'] }).notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    index('ce_calendar_busy_timed_idx')
      .on(t.organizationId, t.userId, t.startAt, t.endAt)
      .where(sql`${t.startAt} is not null`),
    index('ce_calendar_busy_all_day_idx')
      .on(t.organizationId, t.userId, t.startDate, t.endDate)
      .where(sql`${t.startDate} is not null`),
    index('ce_calendar_busy_series_idx').on(t.connectionId, t.seriesKey),
    index('ce_calendar_busy_event_idx').on(t.eventId),
    check(
      'ce_calendar_busy_kind',
      sql`${t.busyKind} in ('busy', 'tentative', 'out_of_office', 'focus_time')`,
    ),
    check(
      'ce_calendar_busy_shape',
      sql`(${t.allDay} and ${t.startDate} is not null and ${t.endDate} > ${t.startDate} and ${t.startAt} is null and ${t.endAt} is null)
        or (not ${t.allDay} and ${t.startAt} is not null and ${t.endAt} > ${t.startAt} and ${t.startDate} is null and ${t.endDate} is null)`,
    ),
  ],
);

/** PF-10 notifications, minimal: pre-meeting reminders are written here. */
export const pfNotifications = pgTable(
  'pf_notifications',
  {
    id: id(),
    organizationId: organizationId(),
    userId: uuid('user_id').notNull(),
    kind: text('kind').notNull(),
    payload: jsonb('payload').notNull().default({}),
    /** Makes delivery exactly-once: a reminder for the same subject is inserted at most once. */
    dedupeKey: text('dedupe_key'),
    scheduledFor: timestamp('scheduled_for', { withTimezone: true }).notNull(),
    sentAt: timestamp('sent_at', { withTimezone: true }),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('pf_notifications_dedupe').on(t.organizationId, t.dedupeKey),
    index('pf_notifications_due_idx').on(t.scheduledFor).where(sql`${t.sentAt} is null`),
  ],
);

/** OAuth state: single use, 10-minute lifetime, bound to org, user, provider and PKCE verifier. */
export const ceCalendarOauthStates = pgTable(
  'ce_calendar_oauth_states',
  {
    id: id(),
    organizationId: organizationId(),
    userId: uuid('user_id').notNull(),
    provider: text('provider', { enum: PROVIDER_NAMES }).notNull(),
    /** SHA-256 of the state value sent to the provider; the value itself is never stored. */
    stateHash: text('state_hash').notNull().unique(),
    codeVerifier: text('code_verifier').notNull(),
    returnTo: text('return_to'),
    gwsConnectionId: uuid('gws_connection_id').references(() => pfGwsConnections.id),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    consumedAt: timestamp('consumed_at', { withTimezone: true }),
    createdAt: createdAt(),
  },
  (t) => [check('ce_calendar_oauth_states_provider', sql`${t.provider} in ${providerList}`)],
);

export const tenantTables = [
  'ce_module_settings',
  'pf_credentials',
  'pf_gws_connections',
  'ce_calendar_connections',
  'ce_activities',
  'ce_calendar_events',
  'pf_notifications',
  'ce_calendar_oauth_states',
] as const;

/**
 * Tenant tables added by the sync engine (issue 13). Kept apart from `tenantTables` because
 * test/node/rls.test.ts seeds and checks that list exhaustively; test/node/sync-storage.test.ts covers these.
 */
export const syncTenantTables = ['ce_calendar_busy_occurrences'] as const;
