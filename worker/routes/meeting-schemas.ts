/**
 * The meeting API's zod schemas (issue 20 §3, §6): the one place its input rules live, so the
 * OpenAPI document says exactly what the API enforces (lengths, counts, formats, ranges, patterns).
 * What no JSON Schema keyword can say is listed in `x-ce-rules` (worker/routes/fields.ts): the list
 * query's "activity_id, or a time_min–time_max window of at most 62 days" is checked here; the
 * start's window around now (`within_now`) in worker/services/meeting-input.ts, because a retry of
 * a stored Idempotency-Key request is exempt from it and only the service can know that.
 */
import { z } from '@hono/zod-openapi';
import type { MeetingView } from '../../durable-objects/meetings/types.ts';
import {
  DEFAULT_LIST_LIMIT,
  MAX_ATTENDEES,
  MAX_DESCRIPTION_LENGTH,
  MAX_DURATION_MINUTES,
  MAX_EMAIL_LENGTH,
  MAX_LIST_LIMIT,
  MAX_LOCATION_LENGTH,
  MAX_TITLE_LENGTH,
  MEETING_EMAIL_PATTERN,
  MIN_DURATION_MINUTES,
  START_WINDOW,
} from '../services/meeting-input.ts';
import { isKnownTimeZone } from '../time/zone.ts';
import {
  type CrossFieldRule,
  checkAfter,
  checkOneOf,
  crossFieldRules,
  dateTime,
  pageFields,
} from './fields.ts';

/** Control characters other than tab and line breaks: refused in every string (middleware/text-input.ts). */
const NO_CONTROL = '[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f]*';
const noControl = new RegExp(`^${NO_CONTROL}$`);
/** Something besides white space, and no control characters (one pattern: JSON Schema holds one). */
const nonBlank = new RegExp(`^(?=[\\s\\S]*\\S)${NO_CONTROL}$`);
/** IANA names only: letters, digits, `_ - + /` (so `Etc/GMT+5` passes, `+01:00` does not). */
export const TIME_ZONE_PATTERN = /^[A-Za-z][A-Za-z0-9_+\-/]{0,63}$/;

const uuid = (what: string) => z.uuid({ error: `must be ${what} (uuid)` });

const text = (max: number) =>
  z
    .string()
    .max(max, `must be at most ${max} characters`)
    .regex(noControl, { error: 'must not contain control characters' });

/**
 * The title as sent, at most 200 characters and not blank; surrounding white space is removed
 * before it is stored and sent to the provider (a decision: a title is a label, and `" Review "`
 * showing as a different event from `"Review"` helps nobody).
 */
const title = z
  .string()
  .max(MAX_TITLE_LENGTH, `must be at most ${MAX_TITLE_LENGTH} characters`)
  .regex(nonBlank, { error: 'must not be empty (or contain control characters)' })
  .openapi({
    description: `At most ${MAX_TITLE_LENGTH} characters, not blank; leading and trailing white space is removed`,
    example: 'Quarterly review',
  });

const start = dateTime().openapi({
  description: `RFC 3339 date-time with seconds and Z or an offset; at most ${START_WINDOW.past_minutes} minutes in the past and at most three years ahead (x-ce-rules within_now)`,
  example: '2026-03-02T09:00:00Z',
});

/** The start's window around now, stated on both meeting bodies. */
const startRule: CrossFieldRule = { ...START_WINDOW };

const durationMinutes = z
  .number({ error: 'must be a number of minutes' })
  .int('must be a whole number of minutes')
  .min(MIN_DURATION_MINUTES, `must be at least ${MIN_DURATION_MINUTES}`)
  .max(MAX_DURATION_MINUTES, `must be at most ${MAX_DURATION_MINUTES}`);

/** Kept exactly as written (`Europe/Kyiv` stays `Europe/Kyiv`): checked, never rewritten to an alias. */
const timeZone = z
  .string()
  .regex(TIME_ZONE_PATTERN, { error: 'must be an IANA time zone name such as Europe/Berlin' })
  .refine(isKnownTimeZone, { error: 'is not a known IANA time zone' })
  .openapi({
    description:
      'IANA time zone name the runtime knows, kept as written (only its letter case is corrected to the tz database spelling)',
    examples: ['Europe/Berlin', 'Europe/Kyiv', 'Asia/Kolkata', 'America/New_York', 'UTC'],
  });

const attendees = z
  .array(
    z
      .email({ pattern: MEETING_EMAIL_PATTERN, error: 'is not a valid email address' })
      .max(MAX_EMAIL_LENGTH)
      .openapi({ pattern: MEETING_EMAIL_PATTERN.source }),
  )
  .max(MAX_ATTENDEES, { error: `must list at most ${MAX_ATTENDEES} attendees` })
  .openapi({
    description: `Email addresses to invite, at most ${MAX_ATTENDEES}; the same address twice (any case) is invited once`,
  });

export const MeetingId = z.object({ id: uuid('a meeting id') });

export const CreateMeetingRequest = z
  .object({
    connection_id: uuid('a connection id')
      .optional()
      .openapi({ description: 'Your calendar connection; default: your oldest connection that can write' }),
    title,
    start,
    duration_minutes: durationMinutes.optional().openapi({
      description: `${MIN_DURATION_MINUTES}–${MAX_DURATION_MINUTES}; default: the organization setting`,
    }),
    time_zone: timeZone,
    attendees,
    description: text(MAX_DESCRIPTION_LENGTH).optional(),
    location: text(MAX_LOCATION_LENGTH).optional(),
    conference: z.boolean().optional().openapi({ description: 'Ask for a Google Meet / Teams link' }),
  })
  .strict()
  .openapi('CreateMeetingRequest', crossFieldRules(startRule));

export const UpdateMeetingRequest = z
  .object({
    title: title.optional(),
    start: start.optional(),
    duration_minutes: durationMinutes.optional(),
    time_zone: timeZone.optional(),
    attendees: attendees.optional().openapi({ description: 'The new full list of invitees' }),
    description: text(MAX_DESCRIPTION_LENGTH).nullable().optional(),
    location: text(MAX_LOCATION_LENGTH).nullable().optional(),
  })
  .strict()
  .refine((body) => Object.values(body).some((value) => value !== undefined), {
    error: 'must change at least one field',
  })
  .openapi('UpdateMeetingRequest', { minProperties: 1, ...crossFieldRules(startRule) });

/** The list's window: `time_min < time_max ≤ time_min + 62 days`, named on `time_max`. */
export const MAX_WINDOW_DAYS = 62;
const WINDOW = { rule: 'after', field: 'time_max', than: 'time_min', max_days: MAX_WINDOW_DAYS } as const;
/** By activity, or by window: never both, and a window needs both ends. */
const BY_ACTIVITY_OR_WINDOW = {
  rule: 'one_of',
  groups: [['activity_id'], ['time_min', 'time_max']],
} satisfies CrossFieldRule;
/** Both tie query parameters together, so the route states them on the operation (`x-ce-rules`). */
export const meetingListRules = crossFieldRules(BY_ACTIVITY_OR_WINDOW, WINDOW);

export const MeetingListQuery = z
  .object({
    activity_id: uuid('an activity id')
      .optional()
      .openapi({ description: 'The meeting of this CE activity (alone; not with time_min/time_max)' }),
    time_min: dateTime()
      .optional()
      .openapi({ description: 'Window start (with time_max, unless activity_id is given)' }),
    time_max: dateTime()
      .optional()
      .openapi({
        description: `Window end (exclusive), after time_min and at most ${MAX_WINDOW_DAYS} days later`,
      }),
    user_id: uuid('a user id')
      .optional()
      .openapi({ description: "Whose meetings (default: yours); another user's need ce.calendar.view-all" }),
    ...pageFields(MAX_LIST_LIMIT, DEFAULT_LIST_LIMIT),
  })
  .strict()
  .superRefine((query, ctx) => {
    checkOneOf(query, BY_ACTIVITY_OR_WINDOW, ctx);
    checkAfter(query, WINDOW, ctx);
  });

const AttendeeAnswer = z.enum(['accepted', 'declined', 'tentative', 'needs_action']);

export const Meeting = z
  .object({
    id: z.uuid().openapi({ description: 'The CE activity of the meeting' }),
    organizer_user_id: z.uuid().openapi({ description: 'The CE user who scheduled it' }),
    connection_id: z.uuid().nullable(),
    provider_event_id: z.string().nullable().openapi({ description: 'Null until the provider confirmed it' }),
    provider_link: z.string().nullable().openapi({
      description: "The event's page in Google Calendar / Outlook; null until the provider answered a write",
    }),
    title: z.string(),
    start: z.string(),
    end: z.string(),
    duration_minutes: z.number().int(),
    time_zone: z.string().nullable().openapi({ description: 'As the organizer wrote it' }),
    description: z.string().nullable(),
    location: z.string().nullable(),
    conference: z.boolean(),
    conference_url: z.string().nullable(),
    status: z.enum(['scheduled', 'cancelled']),
    sync_status: z.enum(['pending', 'synced', 'error']).openapi({
      description:
        '`pending`: CE holds the meeting and keeps sending it to the provider (no duplicate can result); `error`: the provider refused a change',
    }),
    reminder_at: z.string().nullable().openapi({
      description: "When the organizer's pre-meeting reminder is due (unsent); null for anyone else",
    }),
    attendee_count: z.number().int(),
    attendee_responses: z.object({
      accepted: z.number().int(),
      declined: z.number().int(),
      tentative: z.number().int(),
      needs_action: z.number().int(),
    }),
    attendees: z
      .array(z.object({ email: z.string(), response: AttendeeAnswer }))
      .nullable()
      .openapi({
        description:
          'Each invitee and their answer, when the organizer reads the meeting (GET); null for anyone else and in write answers',
      }),
    created_at: z.string(),
  })
  .openapi('Meeting');

export const MeetingList = z
  .object({
    meetings: z.array(Meeting),
    next_cursor: z.string().nullable(),
  })
  .openapi('MeetingList');

const ANSWER: Record<MeetingView['attendees'][number]['responseStatus'], z.infer<typeof AttendeeAnswer>> = {
  accepted: 'accepted',
  declined: 'declined',
  tentative: 'tentative',
  needsAction: 'needs_action',
};

/**
 * The meeting as JSON for `viewer`: the reminder only when they organize it, and the addresses only
 * when they organize it and the answer is a read (a write's answer does not repeat the list the
 * caller just sent).
 */
export function meetingJson(
  view: MeetingView,
  viewer: string,
  addresses: 'with_addresses' | 'counts_only',
): z.infer<typeof Meeting> {
  const organizer = view.ownerUserId === viewer;
  const count = (status: string) => view.attendees.filter((a) => a.responseStatus === status).length;
  return {
    id: view.activityId,
    organizer_user_id: view.ownerUserId,
    connection_id: view.connectionId,
    provider_event_id: view.providerEventId,
    provider_link: view.providerLink,
    title: view.title,
    start: new Date(view.startMs).toISOString(),
    end: new Date(view.endMs).toISOString(),
    duration_minutes: Math.round((view.endMs - view.startMs) / 60_000),
    time_zone: view.timeZone,
    description: view.description,
    location: view.location,
    conference: view.conference,
    conference_url: view.conferenceUrl,
    status: view.status,
    sync_status: view.syncStatus,
    reminder_at: organizer && view.reminderAtMs !== null ? new Date(view.reminderAtMs).toISOString() : null,
    attendee_count: view.attendees.length,
    attendee_responses: {
      accepted: count('accepted'),
      declined: count('declined'),
      tentative: count('tentative'),
      needs_action: count('needsAction'),
    },
    attendees:
      organizer && addresses === 'with_addresses'
        ? view.attendees.map((a) => ({ email: a.email, response: ANSWER[a.responseStatus] }))
        : null,
    created_at: new Date(view.createdAtMs).toISOString(),
  };
}
