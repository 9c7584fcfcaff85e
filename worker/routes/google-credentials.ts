/** GET|PUT|DELETE /v1/calendar/google-credentials — the organization's own Google OAuth client (PF-104). */
import { createRoute, z } from '@hono/zod-openapi';
import { activeGwsConnection, deactivateGwsConnection } from '../../db/queries/gws-connections.ts';
import { scopeOf } from '../env.ts';
import { adminOnly } from '../middleware/auth.ts';
import { bearerSecurity, createRouter, errorResponses } from '../openapi.ts';
import { saveGoogleClient } from '../services/organization-client.ts';
import { nonBlankText, text } from './fields.ts';

const Status = z
  .object({
    configured: z.boolean(),
    oauth_client_id: z.string().nullable(),
    updated_at: z.string().nullable(),
  })
  .openapi('GoogleCredentials');

const PutBody = z
  .object({
    oauth_client_id: nonBlankText(512),
    oauth_client_secret: text(1024).min(1, 'is required'),
  })
  .strict()
  .openapi('GoogleCredentialsInput');

const PATH = '/v1/calendar/google-credentials';

const get = createRoute({
  operationId: 'getGoogleCredentials',
  path: PATH,
  security: bearerSecurity,
  middleware: [adminOnly] as const,
  method: 'get',
  summary: "The organization's Google OAuth client (never the secret)",
  responses: {
    200: { description: 'Status', content: { 'application/json': { schema: Status } } },
    ...errorResponses(401, 403),
  },
});
const put = createRoute({
  operationId: 'putGoogleCredentials',
  path: PATH,
  security: bearerSecurity,
  middleware: [adminOnly] as const,
  method: 'put',
  summary: 'Configure the organization’s Google OAuth client; the secret goes to the vault',
  request: { body: { required: true, content: { 'application/json': { schema: PutBody } } } },
  responses: {
    200: { description: 'Saved', content: { 'application/json': { schema: Status } } },
    ...errorResponses(400, 401, 403, 413),
  },
});
const del = createRoute({
  operationId: 'deleteGoogleCredentials',
  path: PATH,
  security: bearerSecurity,
  middleware: [adminOnly] as const,
  method: 'delete',
  summary: 'Stop using the organization’s client for new connections (existing ones keep it)',
  responses: { 204: { description: 'Removed' }, ...errorResponses(401, 403, 404) },
});

export const googleCredentialRoutes = createRouter()
  .openapi(get, async (c) => {
    const row = await c.var.db.asTenant(c.var.claims, (tx) => activeGwsConnection(tx));
    return c.json(
      {
        configured: Boolean(row),
        oauth_client_id: row?.oauthClientId ?? null,
        updated_at: row?.updatedAt.toISOString() ?? null,
      },
      200,
    );
  })
  .openapi(put, async (c) => {
    const body = c.req.valid('json');
    const row = await saveGoogleClient(scopeOf(c), body.oauth_client_id, body.oauth_client_secret);
    return c.json(
      { configured: true, oauth_client_id: row.oauthClientId, updated_at: row.updatedAt.toISOString() },
      200,
    );
  })
  .openapi(del, async (c) => {
    const removed = await c.var.db.asTenant(c.var.claims, (tx) => deactivateGwsConnection(tx));
    if (removed === 0)
      return c.json(
        { error: { code: 'not_found', message: 'No organization Google client is configured' } },
        404,
      );
    return c.body(null, 204);
  });
