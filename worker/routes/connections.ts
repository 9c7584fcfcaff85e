/** Calendar connections: list (cards), auto-sync toggle, sync now, disconnect. */
import { createRoute, z } from '@hono/zod-openapi';
import { type ConnectionRow, pageVisibleConnections } from '../../db/queries/connections.ts';
import { scopeOf, type TenantClaims } from '../env.ts';
import { requirePermission } from '../middleware/auth.ts';
import { bearerSecurity, createRouter, errorResponses } from '../openapi.ts';
import { connectionBadge } from '../services/connection-badge.ts';
import { disconnect, requestSync, setSyncEnabled } from '../services/connections.ts';

const ConnectionId = z.object({ id: z.uuid({ error: 'must be a connection id (uuid)' }) });

export const ConnectionCard = z
  .object({
    id: z.uuid(),
    user_id: z.uuid(),
    provider: z.enum(['google', 'microsoft']),
    account_email: z.string(),
    sync_enabled: z.boolean(),
    status: z.enum(['syncing', 'waiting', 'paused', 'error', 'reconnect']).openapi({
      description: '`waiting`: connected, no sync run has ended yet ("Waiting for first sync")',
    }),
    sync_status: z.enum(['syncing', 'paused', 'error', 'reconnect_required']),
    last_sync_at: z.string().nullable(),
    last_error_code: z.string().nullable(),
    oauth_client: z.enum(['organization', 'platform']),
    migration_required: z.boolean(),
    created_at: z.string(),
  })
  .openapi('ConnectionCard');

function toCard(row: ConnectionRow): z.infer<typeof ConnectionCard> {
  return {
    id: row.id,
    user_id: row.userId,
    provider: row.provider,
    account_email: row.accountEmail,
    sync_enabled: row.syncEnabled,
    status: connectionBadge(row),
    sync_status: row.syncStatus,
    last_sync_at: row.lastSyncAt?.toISOString() ?? null,
    last_error_code: row.lastErrorCode,
    oauth_client: row.gwsConnectionId ? 'organization' : 'platform',
    migration_required: row.migrationRequired,
    created_at: row.createdAt.toISOString(),
  };
}

function requireReader(claims: TenantClaims): void {
  const readers = ['ce.calendar.view', 'ce.calendar.view-all', 'ce.calendar.connect'] as const;
  if (!readers.some((p) => claims.permissions.includes(p))) requirePermission(claims, 'ce.calendar.view');
}

const MAX_PAGE = 100;
const DEFAULT_PAGE = 24;

/** Opaque page cursor: the offset of the next page, base64url-encoded. */
const encodeCursor = (offset: number) => btoa(`o:${offset}`).replace(/=+$/, '');
function decodeCursor(cursor: string): number | undefined {
  try {
    const match = /^o:(\d{1,7})$/.exec(atob(cursor));
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

const ListQuery = z.object({
  status: z
    .enum(['attention', 'reconnect', 'error', 'paused', 'waiting', 'syncing'], {
      error: 'must be attention, reconnect, error, paused, waiting or syncing',
    })
    .optional()
    .openapi({ description: '`attention`: Reconnect and Error cards; otherwise one badge' }),
  q: z.string().trim().max(200).optional().openapi({ description: 'Part of the account email' }),
  limit: z.coerce
    .number({ error: `must be a number from 1 to ${MAX_PAGE}` })
    .int()
    .min(1)
    .max(MAX_PAGE)
    .default(DEFAULT_PAGE),
  cursor: z
    .string()
    .max(64)
    .refine((value) => decodeCursor(value) !== undefined, 'is not a cursor this API returned')
    .optional(),
});

const ConnectionPage = z
  .object({
    connections: z.array(ConnectionCard),
    total: z.number().int().openapi({ description: 'Cards matching the filters' }),
    next_cursor: z.string().nullable(),
  })
  .openapi('ConnectionPage');

const list = createRoute({
  method: 'get',
  operationId: 'listConnections',
  path: '/v1/calendar/connections',
  summary:
    'Connection cards (own, or the organization’s with ce.calendar.view-all), Reconnect and Error first, paged',
  security: bearerSecurity,
  request: { query: ListQuery },
  responses: {
    200: { description: 'Cards', content: { 'application/json': { schema: ConnectionPage } } },
    ...errorResponses(400, 401, 403),
  },
});

const patch = createRoute({
  method: 'patch',
  operationId: 'updateConnection',
  path: '/v1/calendar/connections/{id}',
  summary: 'Auto-sync toggle (owner only)',
  security: bearerSecurity,
  request: {
    params: ConnectionId,
    body: {
      required: true,
      content: { 'application/json': { schema: z.object({ sync_enabled: z.boolean() }).strict() } },
    },
  },
  responses: {
    200: { description: 'Updated card', content: { 'application/json': { schema: ConnectionCard } } },
    ...errorResponses(400, 401, 403, 404),
  },
});

const SyncAccepted = z
  .object({ connection_id: z.uuid(), status: z.literal('queued'), requested_at: z.string() })
  .openapi('SyncAccepted');

const syncNow = createRoute({
  method: 'post',
  operationId: 'syncConnectionNow',
  path: '/v1/calendar/connections/{id}/sync',
  summary: "Sync now: hands off to the connection's Durable Object (owner only)",
  security: bearerSecurity,
  request: { params: ConnectionId },
  responses: {
    202: { description: 'Accepted', content: { 'application/json': { schema: SyncAccepted } } },
    ...errorResponses(400, 401, 403, 404),
  },
});

const remove = createRoute({
  method: 'delete',
  operationId: 'disconnectConnection',
  path: '/v1/calendar/connections/{id}',
  summary:
    'Disconnect: revoke at the provider (best effort), delete vault credentials, stop alarms, remove events',
  security: bearerSecurity,
  request: { params: ConnectionId },
  responses: { 204: { description: 'Disconnected' }, ...errorResponses(400, 401, 403, 404) },
});

export const connectionRoutes = createRouter()
  .openapi(list, async (c) => {
    requireReader(c.var.claims);
    const query = c.req.valid('query');
    const offset = query.cursor ? (decodeCursor(query.cursor) ?? 0) : 0;
    const { rows, total } = await c.var.db.asTenant(c.var.claims, (tx) =>
      pageVisibleConnections(tx, { filter: query.status, search: query.q, offset, limit: query.limit }),
    );
    const next = offset + rows.length;
    return c.json(
      { connections: rows.map(toCard), total, next_cursor: next < total ? encodeCursor(next) : null },
      200,
    );
  })
  .openapi(patch, async (c) => {
    const { id } = c.req.valid('param');
    const { sync_enabled } = c.req.valid('json');
    return c.json(toCard(await setSyncEnabled(scopeOf(c), id, sync_enabled)), 200);
  })
  .openapi(syncNow, async (c) => {
    const { id } = c.req.valid('param');
    const { requestedAt } = await requestSync(scopeOf(c), id);
    return c.json({ connection_id: id, status: 'queued' as const, requested_at: requestedAt }, 202);
  })
  .openapi(remove, async (c) => {
    const { id } = c.req.valid('param');
    requirePermission(c.var.claims, 'ce.calendar.connect');
    await disconnect(scopeOf(c), id);
    return c.body(null, 204);
  });
