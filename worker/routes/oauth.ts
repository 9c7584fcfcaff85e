/** OAuth: POST /v1/calendar/oauth/start and the provider redirect GET /functions/v1/calendar-oauth-callback. */
import { createRoute, z } from '@hono/zod-openapi';
import { scopeOf } from '../env.ts';
import { requirePermission } from '../middleware/auth.ts';
import { bearerSecurity, createRouter, errorResponses } from '../openapi.ts';
import { completeConnect, startConnect } from '../services/connect.ts';
import { appOrigin, CALLBACK_PATH } from '../services/origin.ts';
import { PROVIDERS } from '../services/provider-names.ts';
import { sameOrigin } from './fields.ts';

/** The syntactic half of the same-origin rule (the service resolves it against the origin). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point.
const RETURN_TO_SHAPE = /^(?:(?:\/(?![/\\])|[Hh][Tt][Tt][Pp][Ss]?:\/\/)[^\u0000-\u001f\u007f\\]*)?$/;

const StartBody = z
  .object({
    provider: z.enum(PROVIDERS, { error: `must be ${PROVIDERS.join(' or ')}` }),
    return_to: z
      .string()
      .max(2048, 'must be at most 2048 characters')
      .regex(RETURN_TO_SHAPE, { error: 'must be a path or URL on this origin' })
      .optional()
      .openapi({
        description:
          "Where the browser returns after consent: a path on this API's origin (`/admin?tab=2`) or an absolute http(s) URL whose origin is exactly this API's origin (PUBLIC_BASE_URL); resolved (dot-segments too) it must stay on that origin, else 400. No backslashes or control characters. Empty or absent: `/admin`",
        format: 'uri-reference',
        ...sameOrigin(),
      }),
  })
  .strict()
  .openapi('OAuthStart');

const start = createRoute({
  method: 'post',
  operationId: 'startOAuth',
  path: '/v1/calendar/oauth/start',
  summary: 'Start connecting a Google or Microsoft calendar (needs ce.calendar.connect)',
  security: bearerSecurity,
  request: { body: { required: true, content: { 'application/json': { schema: StartBody } } } },
  responses: {
    200: {
      description: 'Where to send the browser',
      content: { 'application/json': { schema: z.object({ authorization_url: z.url() }) } },
    },
    ...errorResponses(400, 401, 403, 503),
  },
});

/**
 * Left out of the API document: a browser redirect target registered with the providers, not an
 * operation a client calls (a generated client method for it would be useless, and it has no 2xx).
 */
const callback = createRoute({
  method: 'get',
  path: CALLBACK_PATH,
  hide: true,
  security: [],
  summary: 'OAuth redirect URI registered with the providers; redirects back to return_to',
  request: {
    query: z
      .object({ code: z.string().optional(), state: z.string().optional(), error: z.string().optional() })
      .passthrough(),
  },
  responses: { 302: { description: 'Redirect to return_to with calendar_connected or calendar_error' } },
});

export const oauthRoutes = createRouter()
  .openapi(start, async (c) => {
    requirePermission(c.var.claims, 'ce.calendar.connect');
    const body = c.req.valid('json');
    const result = await startConnect(scopeOf(c), appOrigin(c.env, c.req.url), body);
    return c.json(result, 200);
  })
  .openapi(callback, async (c) => {
    const query = new URL(c.req.url).searchParams;
    const outcome = await completeConnect(
      c.env,
      c.var.db,
      appOrigin(c.env, c.req.url),
      query,
      c.var.correlationId,
    );
    c.header('cache-control', 'no-store');
    return c.redirect(outcome.redirectTo, 302);
  });
