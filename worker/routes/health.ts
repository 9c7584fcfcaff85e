/** GET /healthz — liveness without auth or database access. */
import { createRoute, z } from '@hono/zod-openapi';
import { createRouter } from '../openapi.ts';

const healthz = createRoute({
  method: 'get',
  path: '/healthz',
  summary: 'Liveness probe',
  responses: {
    200: {
      description: 'Alive',
      content: { 'application/json': { schema: z.object({ status: z.literal('ok') }) } },
    },
  },
});

export const healthRoutes = createRouter().openapi(healthz, (c) => c.json({ status: 'ok' as const }, 200));
