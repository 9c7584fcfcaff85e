/** POST /v1/calendar/availability — slots where everyone, or any N, of the users is free. */
import { createRoute, z } from '@hono/zod-openapi';
import { scopeOf } from '../env.ts';
import { bearerSecurity, createRouter, errorResponses } from '../openapi.ts';
import { availability } from '../services/availability.ts';
import { AvailabilityRequest } from './availability-fields.ts';

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
  description:
    '404 when a user other than you has no calendar you may see (not connected, or not in your organization).',
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
