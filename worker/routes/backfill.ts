/**
 * Vault token migration (PF-101 WS4): POST /functions/v1/calendar-token-backfill (the edge-function
 * path the admin guide names) and its alias POST /v1/calendar/token-backfill; GET …/status.
 * org_admin migrates their own organization; platform_admin may name another one, or "all".
 */
import { createRoute, z } from '@hono/zod-openapi';
import { forbidden } from '../errors.ts';
import { adminOnly, requireAuth } from '../middleware/auth.ts';
import { bearerSecurity, createRouter, errorResponses } from '../openapi.ts';
import { backfillStatus, pendingOrganizations, runBackfillBatch } from '../services/backfill.ts';
import { loadKeyring } from '../vault/keys.ts';
import { uuid } from './fields.ts';

const BackfillBody = z
  .object({
    organization_id: z
      .union([uuid('an organization id'), z.literal('all')], { error: 'must be an organization id or "all"' })
      .optional(),
  })
  .strict()
  .openapi('BackfillRequest');

const BatchResult = z
  .object({
    correlation_id: z.string(),
    migrated: z.number().int(),
    failed: z.number().int(),
    nothing_to_migrate: z
      .number()
      .int()
      .openapi({ description: 'Rows with neither legacy token: recorded as no_legacy_tokens, not migrated' }),
    pending: z.number().int(),
    failures: z.array(z.object({ connection_id: z.uuid(), reason: z.string() })),
    skipped: z.array(z.object({ connection_id: z.uuid(), reason: z.literal('no_legacy_tokens') })),
  })
  .openapi('BackfillBatch');

const Status = z
  .object({
    pending: z.number().int(),
    failed: z.number().int(),
    nothing_to_migrate: z
      .number()
      .int()
      .openapi({ description: 'Connections that had no legacy token to move (they need a reconnect)' }),
  })
  .openapi('BackfillStatus');

const batchRoute = (path: string, operationId: string) =>
  createRoute({
    method: 'post',
    path,
    operationId,
    summary: 'Migrate at most 25 legacy connections of the organization into the credential vault',
    security: bearerSecurity,
    middleware: [adminOnly] as const,
    request: { body: { required: false, content: { 'application/json': { schema: BackfillBody } } } },
    responses: {
      200: { description: 'Batch result', content: { 'application/json': { schema: BatchResult } } },
      ...errorResponses(400, 401, 403),
    },
  });

const statusRoute = createRoute({
  method: 'get',
  operationId: 'getBackfillStatus',
  path: '/v1/calendar/token-backfill/status',
  summary: 'Connections of the organization still needing migration, and how many of them failed',
  security: bearerSecurity,
  middleware: [adminOnly] as const,
  responses: {
    200: { description: 'Status', content: { 'application/json': { schema: Status } } },
    ...errorResponses(401, 403),
  },
});

export const backfillRoutes = createRouter();

// The edge-function path sits outside /v1, so it gets the same bearer check explicitly.
backfillRoutes.use('/functions/v1/calendar-token-backfill', requireAuth);

// The SPEC names both paths (the source system's edge function and the API); one handler serves both.
for (const [path, operationId] of [
  ['/functions/v1/calendar-token-backfill', 'runTokenBackfillFunction'],
  ['/v1/calendar/token-backfill', 'runTokenBackfill'],
] as const) {
  backfillRoutes.openapi(batchRoute(path, operationId), async (c) => {
    const claims = c.var.claims;
    const raw =
      c.req.header('content-length') === '0' || !c.req.header('content-type') ? {} : c.req.valid('json');
    const target = raw.organization_id ?? claims.org_id;
    if (target !== claims.org_id && !claims.roles.includes('platform_admin')) {
      throw forbidden('Only a platform_admin can migrate another organization');
    }
    const organizations = target === 'all' ? await pendingOrganizations(c.var.db) : [target];
    const keyring = loadKeyring(c.env.CREDENTIAL_VAULT_KEYS);
    const result = await runBackfillBatch(c.var.db, keyring, organizations, c.var.correlationId);
    return c.json(result, 200);
  });
}

backfillRoutes.openapi(statusRoute, async (c) =>
  c.json(await backfillStatus(c.var.db, c.var.claims.org_id), 200),
);
