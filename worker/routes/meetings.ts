/**
 * POST /v1/calendar/meetings, PATCH and DELETE /v1/calendar/meetings/{id} (issue 15): meetings on the
 * caller's Google or Outlook calendar, linked to a CE activity, with a reminder before them.
 * Responses never repeat attendee addresses: the caller sent them; CE answers with counts and answers.
 */
import { createRoute, z } from '@hono/zod-openapi';
import type { MeetingView } from '../../durable-objects/meetings/types.ts';
import { scopeOf } from '../env.ts';
import { bearerSecurity, createRouter, errorResponses } from '../openapi.ts';
import {
  MAX_ATTENDEES,
  MAX_DESCRIPTION_LENGTH,
  MAX_DURATION_MINUTES,
  MAX_LOCATION_LENGTH,
  MIN_DURATION_MINUTES,
} from '../services/meeting-input.ts';
import { cancelMeeting, createMeeting, updateMeeting } from '../services/meetings.ts';

const MeetingId = z.object({ id: z.uuid({ error: 'must be a meeting id (uuid)' }) });

/** Array length is checked after parsing (so 500 attendees is a 400 naming `attendees`, not a crash). */
const Attendees = z
  .array(z.string({ error: 'must be an email address' }).max(320))
  .max(1000, { error: `must list at most ${MAX_ATTENDEES} attendees` })
  .openapi({ description: `Email addresses to invite, at most ${MAX_ATTENDEES}; duplicates are folded` });

const CreateMeetingRequest = z
  .object({
    connection_id: z
      .uuid({ error: 'must be a connection id (uuid)' })
      .optional()
      .openapi({ description: 'Your calendar connection; default: your oldest connection that can write' }),
    title: z.string().max(1000).openapi({ example: 'Quarterly review' }),
    start: z.string().max(64).openapi({
      description: 'RFC 3339 with an offset; at most 5 minutes in the past',
      example: '2026-03-02T09:00:00Z',
    }),
    duration_minutes: z
      .number()
      .optional()
      .openapi({
        description: `${MIN_DURATION_MINUTES}–${MAX_DURATION_MINUTES}; default: the organization setting`,
      }),
    time_zone: z
      .string()
      .max(64)
      .openapi({ description: 'IANA zone the meeting is planned in', example: 'Europe/Berlin' }),
    attendees: Attendees,
    description: z.string().max(MAX_DESCRIPTION_LENGTH).optional(),
    location: z.string().max(MAX_LOCATION_LENGTH).optional(),
    conference: z.boolean().optional().openapi({ description: 'Ask for a Google Meet / Teams link' }),
  })
  .strict()
  .openapi('CreateMeetingRequest');

const UpdateMeetingRequest = z
  .object({
    title: z.string().max(1000).optional(),
    start: z.string().max(64).optional(),
    duration_minutes: z.number().optional(),
    time_zone: z.string().max(64).optional(),
    attendees: Attendees.optional().openapi({ description: 'The new full list of invitees' }),
    description: z.string().max(MAX_DESCRIPTION_LENGTH).nullable().optional(),
    location: z.string().max(MAX_LOCATION_LENGTH).nullable().optional(),
  })
  .strict()
  .openapi('UpdateMeetingRequest');

const Meeting = z
  .object({
    id: z.uuid().openapi({ description: 'The CE activity of the meeting' }),
    connection_id: z.uuid().nullable(),
    provider_event_id: z.string().nullable().openapi({ description: 'Null until the provider confirmed it' }),
    title: z.string(),
    start: z.string(),
    end: z.string(),
    duration_minutes: z.number().int(),
    time_zone: z.string().nullable(),
    description: z.string().nullable(),
    location: z.string().nullable(),
    conference: z.boolean(),
    conference_url: z.string().nullable(),
    status: z.enum(['scheduled', 'cancelled']),
    sync_status: z.enum(['pending', 'synced', 'error']).openapi({
      description:
        '`pending`: CE holds the meeting and keeps sending it to the provider (no duplicate can result); `error`: the provider refused a change',
    }),
    reminder_at: z
      .string()
      .nullable()
      .openapi({ description: 'When the pre-meeting reminder is due (unsent)' }),
    attendee_count: z.number().int(),
    attendee_responses: z.object({
      accepted: z.number().int(),
      declined: z.number().int(),
      tentative: z.number().int(),
      needs_action: z.number().int(),
    }),
    created_at: z.string(),
  })
  .openapi('Meeting');

function toJson(view: MeetingView): z.infer<typeof Meeting> {
  const count = (status: string) => view.attendees.filter((a) => a.responseStatus === status).length;
  return {
    id: view.activityId,
    connection_id: view.connectionId,
    provider_event_id: view.providerEventId,
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
    reminder_at: view.reminderAtMs === null ? null : new Date(view.reminderAtMs).toISOString(),
    attendee_count: view.attendees.length,
    attendee_responses: {
      accepted: count('accepted'),
      declined: count('declined'),
      tentative: count('tentative'),
      needs_action: count('needsAction'),
    },
    created_at: new Date(view.createdAtMs).toISOString(),
  };
}

const IdempotencyHeaders = z.object({
  'idempotency-key': z
    .string()
    .min(1)
    .max(255)
    .regex(/^[\x21-\x7e]+$/, { error: 'must be 1–255 visible ASCII characters' })
    .optional()
    .openapi({ description: 'Same key and body within 24 h → the same meeting; another body → 409' }),
});

const create = createRoute({
  method: 'post',
  path: '/v1/calendar/meetings',
  operationId: 'createMeeting',
  summary: 'Schedule a meeting on your calendar (needs ce.calendar.schedule)',
  security: bearerSecurity,
  request: {
    headers: IdempotencyHeaders,
    body: { required: true, content: { 'application/json': { schema: CreateMeetingRequest } } },
  },
  responses: {
    200: {
      description: 'Replay of an earlier request with the same Idempotency-Key',
      content: { 'application/json': { schema: Meeting } },
    },
    201: { description: 'Scheduled', content: { 'application/json': { schema: Meeting } } },
    ...errorResponses(400, 401, 403, 404, 409, 413, 422, 502, 503),
  },
});

const update = createRoute({
  method: 'patch',
  path: '/v1/calendar/meetings/{id}',
  operationId: 'updateMeeting',
  summary: 'Reschedule, retitle or re-invite a meeting you organize (needs ce.calendar.schedule)',
  security: bearerSecurity,
  request: {
    params: MeetingId,
    body: { required: true, content: { 'application/json': { schema: UpdateMeetingRequest } } },
  },
  responses: {
    200: { description: 'Updated', content: { 'application/json': { schema: Meeting } } },
    ...errorResponses(400, 401, 403, 404, 409, 413, 502, 503),
  },
});

const remove = createRoute({
  method: 'delete',
  path: '/v1/calendar/meetings/{id}',
  operationId: 'cancelMeeting',
  summary: 'Cancel a meeting you organize on the provider; its reminder is withdrawn',
  security: bearerSecurity,
  request: { params: MeetingId },
  responses: {
    200: { description: 'Cancelled', content: { 'application/json': { schema: Meeting } } },
    ...errorResponses(400, 401, 403, 404, 409, 502, 503),
  },
});

export const meetingRoutes = createRouter()
  .openapi(create, async (c) => {
    const { 'idempotency-key': key } = c.req.valid('header');
    const { meeting, replayed } = await createMeeting(scopeOf(c), c.req.valid('json'), key);
    return replayed ? c.json(toJson(meeting), 200) : c.json(toJson(meeting), 201);
  })
  .openapi(update, async (c) => {
    const { id } = c.req.valid('param');
    return c.json(toJson(await updateMeeting(scopeOf(c), id, c.req.valid('json'))), 200);
  })
  .openapi(remove, async (c) => {
    const { id } = c.req.valid('param');
    return c.json(toJson(await cancelMeeting(scopeOf(c), id)), 200);
  });
