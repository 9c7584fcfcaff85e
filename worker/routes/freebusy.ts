/** POST /v1/calendar/freebusy — merged busy intervals per user, from the mirror or live. */
import { createRoute, z } from '@hono/zod-openapi';
import { scopeOf } from '../env.ts';
import { bearerSecurity, createRouter, errorResponses } from '../openapi.ts';
import { freeBusy } from '../services/freebusy.ts';
import { PROVIDERS } from '../services/provider-names.ts';
import { FreeBusyRequest } from './availability-fields.ts';

const Interval = z.object({ start: z.string(), end: z.string() }).openapi('BusyInterval');

const UserFreeBusy = z
  .object({
    user_id: z.uuid(),
    busy: z.array(Interval).openapi({
      description:
        'Merged busy intervals, clipped to the window. Busy: confirmed and tentative events, unanswered invitations, out-of-office (always) and opaque focus time, on every occurrence of a recurring series; all-day events cover the user’s local day(s). Not busy: free/transparent, cancelled and declined events, working-location entries.',
    }),
    all_day_time_zone: z.string().openapi({ description: 'The zone all-day events were resolved in' }),
    calendars: z
      .array(
        z.object({
          connection_id: z.uuid(),
          provider: z.enum(PROVIDERS),
          sync_enabled: z.boolean(),
          sync_status: z.enum(['syncing', 'paused', 'error', 'reconnect_required']),
          last_sync_at: z
            .string()
            .nullable()
            .openapi({ description: 'End of the last successful sync (freshness)' }),
        }),
      )
      .openapi({ description: "The user's calendars and how fresh their mirror is" }),
    errors: z
      .array(z.object({ connection_id: z.uuid(), code: z.string(), message: z.string() }))
      .openapi({ description: 'Live mode: calendars that could not answer (the rest still count)' }),
  })
  .openapi('UserFreeBusy');

export const FreeBusyResponse = z
  .object({
    time_min: z.string(),
    time_max: z.string(),
    source: z.enum(['mirror', 'live']),
    users: z.array(UserFreeBusy),
    not_found_user_ids: z.array(z.string()).openapi({
      description: 'Users with no calendar you may see (not connected, or not in your organization)',
    }),
  })
  .openapi('FreeBusyResponse');

const route = createRoute({
  method: 'post',
  path: '/v1/calendar/freebusy',
  operationId: 'queryFreeBusy',
  summary: "Busy intervals per user; colleagues' need ce.calendar.schedule (busy blocks only, never titles)",
  security: bearerSecurity,
  request: { body: { required: true, content: { 'application/json': { schema: FreeBusyRequest } } } },
  responses: {
    200: { description: 'Busy intervals', content: { 'application/json': { schema: FreeBusyResponse } } },
    ...errorResponses(400, 401, 403, 413),
  },
});

export const freeBusyRoutes = createRouter().openapi(route, async (c) => {
  const body = c.req.valid('json');
  const answer = await freeBusy(scopeOf(c), {
    userIds: body.user_ids,
    range: { start: Date.parse(body.time_min), end: Date.parse(body.time_max) },
    timeZone: body.time_zone ?? null,
    live: body.live ?? false,
  });
  return c.json(answer, 200);
});
