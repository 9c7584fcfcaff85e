/** GET /healthz — liveness without auth or database access. */
import { createRoute, z } from '@hono/zod-openapi';
import { createRouter } from '../openapi.ts';

/** Left out of the API document: an infrastructure probe, not an operation of the calendar API. */
const healthz = createRoute({
  method: 'get',
  path: '/healthz',
  hide: true,
  security: [],
  summary: 'Liveness probe',
  responses: {
    200: {
      description: 'Alive',
      content: { 'application/json': { schema: z.object({ status: z.literal('ok') }) } },
    },
  },
});

export const healthRoutes = createRouter().openapi(healthz, (c) => c.json({ status: 'ok' as const }, 200));
