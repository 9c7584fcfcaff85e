/** GET /v1/calendar/events — a user's events in a window, recurring series as occurrences, paged. */
import { createRoute, z } from '@hono/zod-openapi';
import { checkTimeRange } from '../availability/index.ts';
import { scopeOf } from '../env.ts';
import { validationFailed } from '../errors.ts';
import { bearerSecurity, createRouter, errorResponses } from '../openapi.ts';
import { DEFAULT_PAGE_SIZE, listEvents, MAX_PAGE_SIZE } from '../services/events.ts';

const EventsQuery = z.object({
  time_min: z.string().openapi({ description: 'Window start, ISO 8601', example: '2026-03-02T00:00:00Z' }),
  time_max: z.string().openapi({
    description: 'Window end (exclusive), at most 62 days after time_min',
    example: '2026-03-09T00:00:00Z',
  }),
  user_id: z.uuid({ error: 'must be a user id (uuid)' }).optional().openapi({
    description: 'Whose events (default: yours); another user needs ce.calendar.view-all',
  }),
  cursor: z
    .string()
    .max(512, 'is not a cursor of this query')
    .optional()
    .openapi({ description: 'next_cursor of the previous page' }),
  limit: z.coerce
    .number({ error: 'must be a number' })
    .int('must be a whole number')
    .min(1, 'must be at least 1')
    .max(MAX_PAGE_SIZE, `must be at most ${MAX_PAGE_SIZE}`)
    .optional()
    .openapi({ description: `Page size (default ${DEFAULT_PAGE_SIZE})` }),
});

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
  responses: {
    200: { description: 'A page of events', content: { 'application/json': { schema: EventsPage } } },
    ...errorResponses(400, 401, 403, 404),
  },
});

export const eventRoutes = createRouter().openapi(route, async (c) => {
  const query = c.req.valid('query');
  const range = checkTimeRange(query.time_min, query.time_max);
  if (!range.ok) throw validationFailed([{ ...range.error }]);
  const page = await listEvents(scopeOf(c), {
    userId: query.user_id?.toLowerCase(),
    range: range.value,
    limit: query.limit ?? DEFAULT_PAGE_SIZE,
    cursor: query.cursor,
  });
  return c.json(page, 200);
});
