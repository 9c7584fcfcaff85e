/** POST /v1/calendar/availability — slots where everyone, or any N, of the users is free. */
import { createRoute, z } from '@hono/zod-openapi';
import { scopeOf } from '../env.ts';
import { bearerSecurity, createRouter, errorResponses } from '../openapi.ts';
import { availability } from '../services/availability.ts';

const Range = z.object({ start: z.string(), end: z.string() });

/** The body's types; ranges and limits are checked by `checkAvailabilityRequest` (400 naming the field). */
export const AvailabilityRequest = z
  .object({
    user_ids: z.array(z.string()).openapi({ description: 'Users (UUIDs) of your organization, 1 to 50' }),
    duration_minutes: z
      .number()
      .optional()
      .openapi({ description: '15–480; defaults to the organization’s default meeting duration' }),
    time_min: z.string().openapi({
      description: 'ISO 8601; a start in the past is moved to now',
      example: '2026-03-02T00:00:00Z',
    }),
    time_max: z.string().openapi({
      description: 'ISO 8601, after time_min, at most 62 days later',
      example: '2026-03-07T00:00:00Z',
    }),
    time_zone: z.string().openapi({
      description: 'IANA zone of the working hours and of slot alignment',
      example: 'America/New_York',
    }),
    working_hours: z.record(z.string(), z.array(Range)).nullable().optional().openapi({
      description:
        'Per weekday (sun … sat) HH:MM ranges in time_zone, e.g. {"mon":[{"start":"09:00","end":"17:00"}]}; default Mon–Fri 09:00–17:00. Applies to every user: users\' own working hours are not stored yet (docs/decisions.md)',
    }),
    buffer_minutes: z
      .number()
      .optional()
      .openapi({ description: '0–240 kept clear of busy time around each slot' }),
    slot_step_minutes: z.number().optional().openapi({
      description: '5–240; slots start on multiples of it on the local clock (default: duration up to 30)',
    }),
    required: z
      .union([z.literal('all'), z.number()])
      .optional()
      .openapi({ description: '"all" (default) or N: any N of the users free (round-robin, panels)' }),
  })
  .openapi('AvailabilityRequest');

export const AvailabilityResponse = z
  .object({
    time_min: z.string(),
    time_max: z.string(),
    time_zone: z.string(),
    duration_minutes: z.number(),
    slot_step_minutes: z.number(),
    buffer_minutes: z.number(),
    required: z.union([z.literal('all'), z.number()]),
    slots: z.array(
      z.object({
        start: z.string(),
        end: z.string(),
        free_user_ids: z.array(z.string()).openapi({ description: 'Every free user, in request order' }),
      }),
    ),
    truncated: z.boolean().openapi({ description: 'More than 500 slots existed; narrow the window' }),
  })
  .openapi('AvailabilityResponse');

const route = createRoute({
  method: 'post',
  path: '/v1/calendar/availability',
  operationId: 'findAvailability',
  summary: 'Meeting slots inside working hours, right across DST; others need ce.calendar.schedule',
  security: bearerSecurity,
  request: { body: { required: true, content: { 'application/json': { schema: AvailabilityRequest } } } },
  responses: {
    200: { description: 'Slots', content: { 'application/json': { schema: AvailabilityResponse } } },
    ...errorResponses(400, 401, 403, 404, 413),
  },
});

export const availabilityRoutes = createRouter().openapi(route, async (c) =>
  c.json(await availability(scopeOf(c), c.req.valid('json')), 200),
);
