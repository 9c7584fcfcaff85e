/** GET|PUT /v1/calendar/settings — the three CE-21 module settings of the caller's organization. */
import { createRoute, z } from '@hono/zod-openapi';
import { readModuleSettings, writeModuleSettings } from '../../db/queries/settings.ts';
import { adminOnly } from '../middleware/auth.ts';
import { bearerSecurity, createRouter, errorResponses } from '../openapi.ts';

const minutes = (min: number, max: number, description: string) =>
  z
    .number({ error: 'must be a number of minutes' })
    .int('must be a whole number of minutes')
    .min(min, `must be at least ${min}`)
    .max(max, `must be at most ${max}`)
    .openapi({ description, minimum: min, maximum: max });

export const ModuleSettings = z
  .object({
    calendar_default_meeting_duration_minutes: minutes(15, 480, 'Pre-filled duration for new meetings'),
    calendar_sync_poll_interval_minutes: minutes(5, 60, 'How often the system checks for new events'),
    calendar_pre_meeting_notification_minutes: minutes(
      5,
      1440,
      'Minutes before a meeting to send a reminder',
    ),
  })
  .strict()
  .openapi('ModuleSettings');

const getSettings = createRoute({
  method: 'get',
  operationId: 'getSettings',
  path: '/v1/calendar/settings',
  summary: 'Read the calendar module settings (defaults when never saved)',
  security: bearerSecurity,
  responses: {
    200: { description: 'Settings', content: { 'application/json': { schema: ModuleSettings } } },
    ...errorResponses(401),
  },
});

const putSettings = createRoute({
  method: 'put',
  operationId: 'putSettings',
  path: '/v1/calendar/settings',
  summary: 'Replace the calendar module settings (org_admin or platform_admin)',
  security: bearerSecurity,
  middleware: [adminOnly] as const,
  request: { body: { required: true, content: { 'application/json': { schema: ModuleSettings } } } },
  responses: {
    200: { description: 'Saved settings', content: { 'application/json': { schema: ModuleSettings } } },
    ...errorResponses(400, 401, 403, 413),
  },
});

export const settingsRoutes = createRouter()
  .openapi(getSettings, async (c) => {
    const settings = await c.var.db.asTenant(c.var.claims, (tx) => readModuleSettings(tx));
    return c.json(settings, 200);
  })
  .openapi(putSettings, async (c) => {
    const claims = c.var.claims;
    const body = c.req.valid('json');
    const saved = await c.var.db.asTenant(claims, (tx) =>
      writeModuleSettings(tx, claims.org_id, claims.sub, body),
    );
    return c.json(saved, 200);
  });
