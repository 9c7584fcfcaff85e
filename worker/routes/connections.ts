/** Calendar connections: list (cards), auto-sync toggle, sync now, disconnect. */
import { createRoute, z } from '@hono/zod-openapi';
import { type ConnectionRow, pageVisibleConnections } from '../../db/queries/connections.ts';
import { countMirroredEvents } from '../../db/queries/events.ts';
import { scopeOf, type TenantClaims } from '../env.ts';
import { requirePermission } from '../middleware/auth.ts';
import { bearerSecurity, createRouter, errorResponses } from '../openapi.ts';
import { connectionBadge, syncErrorMessage } from '../services/connection-badge.ts';
import { disconnect, requestSync, setSyncEnabled, upcomingEvents } from '../services/connections.ts';
import { PROVIDERS } from '../services/provider-names.ts';
import { fromResponse, text, uuid } from './fields.ts';

const ConnectionId = z.object({ id: uuid('a connection id') });

export const ConnectionCard = z
  .object({
    id: z.uuid(),
    user_id: z.uuid(),
    provider: z.enum(PROVIDERS),
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
    events_mirrored: z.number().int().openapi({
      description:
        'Events in the mirror as a person counts them: single events, each recurring series once, and each changed instance of a series; not the plain occurrences of a series, not cancelled instances (the same on Google and Outlook)',
    }),
    next_sync_at: z
      .string()
      .nullable()
      .openapi({ description: 'When the next sync (poll or retry) is planned' }),
    last_error: z
      .object({ code: z.string(), message: z.string() })
      .nullable()
      .openapi({ description: 'The last sync error with a message for people; null after a good run' }),
    sync_lag_seconds: z.number().int().nullable().openapi({
      description:
        'Time from a provider change to the mirror, measured on the last incremental run with changes',
    }),
  })
  .openapi('ConnectionCard');

function toCard(row: ConnectionRow, mirrored: ReadonlyMap<string, number>): z.infer<typeof ConnectionCard> {
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
    events_mirrored: mirrored.get(row.id) ?? 0,
    next_sync_at: row.syncEnabled ? (row.nextSyncAt?.toISOString() ?? null) : null,
    last_error: row.lastErrorCode
      ? { code: row.lastErrorCode, message: syncErrorMessage(row.lastErrorCode) }
      : null,
    sync_lag_seconds: row.syncLagMs === null ? null : Math.round(row.syncLagMs / 1000),
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
  q: text(200).trim().optional().openapi({ description: 'Part of the account email' }),
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
    .optional()
    .openapi({ description: 'next_cursor of the previous page', ...fromResponse('next_cursor') }),
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
      content: {
        'application/json': {
          schema: z
            .object({ sync_enabled: z.boolean({ error: 'must be true or false' }) })
            .strict()
            .openapi('ConnectionUpdate'),
        },
      },
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
    // 409 `details.reason: paused`: auto-sync is off, so no sync would run.
    ...errorResponses(400, 401, 403, 404, 409),
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

const UpcomingEvent = z
  .object({
    title: z
      .string()
      .nullable()
      .openapi({ description: 'Only for the owner and view-all holders; else null' }),
    all_day: z.boolean(),
    start: z.string().openapi({ description: 'Instant (RFC 3339) or, for all-day events, a date' }),
    end: z.string(),
    busy_kind: z.enum(['busy', 'tentative', 'out_of_office', 'focus_time']),
  })
  .openapi('UpcomingEvent');

const upcoming = createRoute({
  method: 'get',
  operationId: 'listConnectionUpcoming',
  path: '/v1/calendar/connections/{id}/upcoming',
  summary:
    "The calendar's busy time in the next 7 days from the mirror (titles to the owner and view-all holders)",
  security: bearerSecurity,
  request: { params: ConnectionId },
  responses: {
    200: {
      description: 'Next 7 days',
      content: {
        'application/json': {
          schema: z.object({ from: z.string(), to: z.string(), events: z.array(UpcomingEvent) }),
        },
      },
    },
    ...errorResponses(400, 401, 403, 404),
  },
});

export const connectionRoutes = createRouter()
  .openapi(list, async (c) => {
    requireReader(c.var.claims);
    const query = c.req.valid('query');
    const offset = query.cursor ? (decodeCursor(query.cursor) ?? 0) : 0;
    const { rows, total, mirrored } = await c.var.db.asTenant(c.var.claims, async (tx) => {
      const page = await pageVisibleConnections(tx, {
        filter: query.status,
        search: query.q,
        offset,
        limit: query.limit,
      });
      return {
        ...page,
        mirrored: await countMirroredEvents(
          tx,
          page.rows.map((row) => row.id),
        ),
      };
    });
    const next = offset + rows.length;
    return c.json(
      {
        connections: rows.map((row) => toCard(row, mirrored)),
        total,
        next_cursor: next < total ? encodeCursor(next) : null,
      },
      200,
    );
  })
  .openapi(patch, async (c) => {
    const { id } = c.req.valid('param');
    const { sync_enabled } = c.req.valid('json');
    const row = await setSyncEnabled(scopeOf(c), id, sync_enabled);
    const mirrored = await c.var.db.asTenant(c.var.claims, (tx) => countMirroredEvents(tx, [row.id]));
    return c.json(toCard(row, mirrored), 200);
  })
  .openapi(syncNow, async (c) => {
    const { id } = c.req.valid('param');
    const { requestedAt } = await requestSync(scopeOf(c), id);
    return c.json({ connection_id: id, status: 'queued' as const, requested_at: requestedAt }, 202);
  })
  .openapi(upcoming, async (c) => {
    requireReader(c.var.claims);
    const { id } = c.req.valid('param');
    return c.json(await upcomingEvents(scopeOf(c), id, Date.now()), 200);
  })
  .openapi(remove, async (c) => {
    const { id } = c.req.valid('param');
    requirePermission(c.var.claims, 'ce.calendar.connect');
    await disconnect(scopeOf(c), id);
    return c.body(null, 204);
  });
