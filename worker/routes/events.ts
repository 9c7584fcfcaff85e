/** GET /v1/calendar/events — a user's events in a window, recurring series as occurrences, paged. */
import { createRoute, z } from '@hono/zod-openapi';
import { scopeOf } from '../env.ts';
import { bearerSecurity, createRouter, errorResponses } from '../openapi.ts';
import { DEFAULT_PAGE_SIZE, listEvents, MAX_PAGE_SIZE } from '../services/events.ts';
import { windowEnd, windowRule, windowStart } from './availability-fields.ts';
import { crossFieldRules, pageFields, uuid } from './fields.ts';

const EventsQuery = z
  .object({
    time_min: windowStart(),
    time_max: windowEnd(),
    user_id: uuid('a user id').optional().openapi({
      description: 'Whose events (default: yours); another user needs ce.calendar.view-all',
    }),
    ...pageFields(MAX_PAGE_SIZE, DEFAULT_PAGE_SIZE),
  })
  .superRefine(windowRule.check);

const EventItem = z
  .object({
    id: z
      .string()
      .openapi({ description: 'Occurrence id (stable): provider id, or series id + original start' }),
    event_id: z.uuid().openapi({ description: 'The mirror row the occurrence comes from' }),
    connection_id: z.uuid(),
    user_id: z.uuid(),
    series_id: z.string().nullable(),
    title: z.string().nullable(),
    location: z.string().nullable(),
    description: z.string().nullable(),
    all_day: z.boolean(),
    start: z.string(),
    end: z.string(),
    start_date: z.string().nullable().openapi({ description: 'All-day: first date' }),
    end_date: z.string().nullable().openapi({ description: 'All-day: end date (exclusive)' }),
    time_zone: z.string().nullable(),
    status: z.enum(['confirmed', 'tentative', 'cancelled']),
    transparency: z.enum(['opaque', 'transparent']),
    event_kind: z.enum(['default', 'outOfOffice', 'focusTime', 'workingLocation']),
    response_status: z.enum(['needsAction', 'accepted', 'tentative', 'declined']).nullable(),
    is_organizer: z.boolean(),
    busy: z.boolean().openapi({ description: 'Whether it counts in free/busy' }),
    attendee_count: z.number(),
    activity_id: z.uuid().nullable(),
    sync_direction: z.enum(['inbound', 'outbound']),
  })
  .openapi('CalendarEvent');

const EventsPage = z
  .object({
    user_id: z.uuid(),
    time_min: z.string(),
    time_max: z.string(),
    events: z.array(EventItem),
    next_cursor: z.string().nullable(),
  })
  .openapi('CalendarEventsPage');

const route = createRoute({
  method: 'get',
  path: '/v1/calendar/events',
  operationId: 'listEvents',
  summary: 'Events in a window: your own (ce.calendar.view) or anyone’s in your organization (view-all)',
  security: bearerSecurity,
  request: { query: EventsQuery },
  // The window rule ties two query parameters, so it is stated on the operation.
  ...crossFieldRules(windowRule.rule),
  responses: {
    200: { description: 'A page of events', content: { 'application/json': { schema: EventsPage } } },
    ...errorResponses(400, 401, 403, 404),
  },
});

export const eventRoutes = createRouter().openapi(route, async (c) => {
  const query = c.req.valid('query');
  const page = await listEvents(scopeOf(c), {
    userId: query.user_id?.toLowerCase(),
    range: { start: Date.parse(query.time_min), end: Date.parse(query.time_max) },
    limit: query.limit ?? DEFAULT_PAGE_SIZE,
    cursor: query.cursor,
  });
  return c.json(page, 200);
});
