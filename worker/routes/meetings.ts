/**
 * POST /v1/calendar/meetings, PATCH and DELETE /v1/calendar/meetings/{id} (issue 15), and reading
 * them: GET /v1/calendar/meetings/{id} and GET /v1/calendar/meetings (issue 20 §3). Meetings on the
 * caller's Google or Outlook calendar, linked to a CE activity, with a reminder before them.
 * Attendee addresses are read back by the organizer only (a write's answer does not repeat the list
 * the caller sent); everyone else gets counts of the answers.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { scopeOf } from '../env.ts';
import { bearerSecurity, createRouter, errorResponses } from '../openapi.ts';
import { getMeeting, listMeetings } from '../services/meeting-reads.ts';
import { cancelMeeting, createMeeting, updateMeeting } from '../services/meetings.ts';
import {
  CreateMeetingRequest,
  Meeting,
  MeetingId,
  MeetingList,
  MeetingListQuery,
  meetingJson,
  meetingListRules,
  UpdateMeetingRequest,
} from './meeting-schemas.ts';

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

const read = createRoute({
  method: 'get',
  path: '/v1/calendar/meetings/{id}',
  operationId: 'getMeeting',
  summary:
    'A meeting: yours (ce.calendar.view or schedule) or, with ce.calendar.view-all, anyone’s in your organization',
  security: bearerSecurity,
  request: { params: MeetingId },
  responses: {
    200: { description: 'The meeting as CE holds it', content: { 'application/json': { schema: Meeting } } },
    ...errorResponses(400, 401, 403, 404),
  },
});

const list = createRoute({
  method: 'get',
  path: '/v1/calendar/meetings',
  operationId: 'listMeetings',
  summary:
    'Meetings by activity_id, or overlapping time_min–time_max (yours, or user_id’s with ce.calendar.view-all), by start',
  security: bearerSecurity,
  request: { query: MeetingListQuery },
  // The by-activity-or-window rules tie query parameters together, so they are stated on the operation.
  ...meetingListRules,
  responses: {
    200: { description: 'One page', content: { 'application/json': { schema: MeetingList } } },
    ...errorResponses(400, 401, 403),
  },
});

export const meetingRoutes = createRouter()
  .openapi(create, async (c) => {
    const { 'idempotency-key': key } = c.req.valid('header');
    const { meeting, replayed } = await createMeeting(scopeOf(c), c.req.valid('json'), key);
    const json = meetingJson(meeting, c.var.claims.sub, 'counts_only');
    return replayed ? c.json(json, 200) : c.json(json, 201);
  })
  .openapi(update, async (c) => {
    const { id } = c.req.valid('param');
    return c.json(
      meetingJson(await updateMeeting(scopeOf(c), id, c.req.valid('json')), c.var.claims.sub, 'counts_only'),
      200,
    );
  })
  .openapi(remove, async (c) => {
    const { id } = c.req.valid('param');
    return c.json(meetingJson(await cancelMeeting(scopeOf(c), id), c.var.claims.sub, 'counts_only'), 200);
  })
  .openapi(read, async (c) => {
    const { id } = c.req.valid('param');
    return c.json(meetingJson(await getMeeting(scopeOf(c), id), c.var.claims.sub, 'with_addresses'), 200);
  })
  .openapi(list, async (c) => {
    const page = await listMeetings(scopeOf(c), c.req.valid('query'));
    return c.json(
      {
        meetings: page.meetings.map((view) => meetingJson(view, c.var.claims.sub, 'with_addresses')),
        next_cursor: page.nextCursor,
      },
      200,
    );
  });
