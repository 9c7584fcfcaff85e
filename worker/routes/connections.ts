/** Calendar connection actions. This module grows with the Connect calendars issue. */
import { createRoute, z } from '@hono/zod-openapi';
import { findVisibleConnection } from '../../db/queries/connections.ts';
import { forbidden, notFound } from '../errors.ts';
import { bearerSecurity, createRouter, errorResponses } from '../openapi.ts';

const ConnectionId = z.object({ id: z.uuid({ error: 'must be a connection id (uuid)' }) });

const SyncAccepted = z
  .object({ connection_id: z.uuid(), status: z.literal('queued'), requested_at: z.string() })
  .openapi('SyncAccepted');

const syncNow = createRoute({
  method: 'post',
  path: '/v1/calendar/connections/{id}/sync',
  summary: "Sync now: hands off to the connection's Durable Object (owner only)",
  security: bearerSecurity,
  request: { params: ConnectionId },
  responses: {
    202: { description: 'Accepted', content: { 'application/json': { schema: SyncAccepted } } },
    ...errorResponses(400, 401, 403, 404),
  },
});

export const connectionRoutes = createRouter().openapi(syncNow, async (c) => {
  const { id } = c.req.valid('param');
  const claims = c.var.claims;
  const connection = await c.var.db.asTenant(claims, (tx) => findVisibleConnection(tx, id));
  if (!connection) throw notFound('Connection');
  if (connection.userId !== claims.sub) throw forbidden('Only the owner of a connection can sync it');
  const stub = c.env.CALENDAR_CONNECTION.get(c.env.CALENDAR_CONNECTION.idFromName(id));
  const receipt = await stub.requestSync(id, 'manual');
  return c.json({ connection_id: id, status: 'queued' as const, requested_at: receipt.requestedAt }, 202);
});
