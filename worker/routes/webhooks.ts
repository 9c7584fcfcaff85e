/**
 * Provider webhooks (no JWT: each notification is verified by its connection object's secret).
 * Well-formed requests all get the same empty answer, verified or not, so nothing about a connection
 * is revealed; malformed ones a 400 that echoes nothing.
 */
import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { createMiddleware } from 'hono/factory';
import type { AppEnv } from '../env.ts';
import { validationFailed } from '../errors.ts';
import { createRouter, errorResponses } from '../openapi.ts';
import { escapeValidationToken, MAX_VALIDATION_TOKEN } from '../services/validation-token.ts';
import { receiveNotification, type WebhookRequest } from '../services/webhooks.ts';
import { fieldProblems } from './field-problems.ts';

const googleWebhook = createRoute({
  method: 'post',
  path: '/v1/calendar/webhooks/google',
  operationId: 'receiveGooglePush',
  tags: ['Webhooks'],
  summary: 'Google Calendar push notification (events.watch channel)',
  description:
    'Empty body; the X-Goog-* headers carry the channel id, token, message number and resource state. ' +
    '`sync` is acknowledged, `exists`/`not_exists` start the connection’s coalesced sync. Unknown, stale ' +
    'or unverified channels get the same 204 and have no effect.',
  security: [],
  request: {
    // What the Google adapter's parseNotification requires, stated here so the document says it.
    headers: z.object({
      'x-goog-channel-id': z
        .string({ error: 'is required' })
        .min(1, 'is required')
        .max(64, 'is longer than 64 characters')
        .openapi({ description: 'The channel id CE gave events.watch' }),
      'x-goog-channel-token': z.string().max(256).optional(),
      'x-goog-message-number': z.string().max(32).optional().openapi({
        description: 'Google numbers messages from 1; a missing or non-numeric number is treated as a replay',
      }),
      'x-goog-resource-id': z.string().max(256).optional(),
      'x-goog-resource-state': z.enum(['sync', 'exists', 'not_exists'], {
        error: 'is not a Google push notification',
      }),
    }),
  },
  responses: {
    204: { description: 'Acknowledged' },
    ...errorResponses(400, 413),
  },
});

/** One Graph notification (change or lifecycle); unknown properties are allowed (Graph adds some). */
const GraphNotification = z
  .looseObject({
    id: z.string().max(512).optional(),
    subscriptionId: z
      .string()
      .max(128)
      .optional()
      .openapi({ description: 'Required for the item to be read' }),
    clientState: z.string().max(128).optional().openapi({ description: 'Required for the item to be read' }),
    changeType: z.string().max(64).optional().openapi({ example: 'updated' }),
    lifecycleEvent: z.string().max(64).optional().openapi({
      description: 'reauthorizationRequired, subscriptionRemoved or missed; other values are skipped',
    }),
    resource: z.string().max(2048).optional(),
    resourceData: z.looseObject({ id: z.string().max(512).optional() }).optional(),
    subscriptionExpirationDateTime: z.string().max(64).optional(),
    tenantId: z.string().max(64).optional(),
  })
  .openapi('GraphNotification');

const GraphNotificationBatch = z
  .object({ value: z.array(GraphNotification).max(1000, 'must hold at most 1000 notifications') })
  .openapi('GraphNotificationBatch');

const GraphQuery = z.object({
  validationToken: z.string().max(MAX_VALIDATION_TOKEN).optional().openapi({
    description:
      'Subscription handshake: echoed back as text/plain (HTML-escaped) with 200; the body is not read',
  }),
});

const microsoftWebhook = createRoute({
  method: 'post',
  path: '/v1/calendar/webhooks/microsoft',
  operationId: 'receiveGraphNotifications',
  tags: ['Webhooks'],
  summary: 'Microsoft Graph change and lifecycle notifications',
  description:
    'With `validationToken`: the subscription handshake, answered with the token as text/plain before any body is read ' +
    '(Graph sends it with an empty text/plain body). Otherwise a JSON batch `{"value":[…]}` of notifications; items that ' +
    'are not ours (no clientState of CE’s shape, unknown lifecycleEvent) are skipped one by one, and each item’s ' +
    'clientState is verified by its connection object. ' +
    'Lifecycle events: reauthorizationRequired renews, subscriptionRemoved recreates, missed resyncs.',
  security: [],
  middleware: [answerHandshake()] as const,
  request: {
    query: GraphQuery,
    body: {
      required: true,
      description: 'A notification batch (not read on the handshake)',
      content: { 'application/json': { schema: GraphNotificationBatch } },
    },
  },
  responses: {
    200: { description: 'Validation handshake', content: { 'text/plain': { schema: z.string() } } },
    202: { description: 'Accepted' },
    ...errorResponses(400, 413),
  },
});

/** The request's waitUntil (a direct `app.request` in a test has no execution context: then none). */
const waitUntilOf = (c: { executionCtx: { waitUntil(promise: Promise<unknown>): void } }) => {
  try {
    const ctx = c.executionCtx;
    return (promise: Promise<unknown>) => ctx.waitUntil(promise);
  } catch {
    return () => undefined;
  }
};

/** The request as an adapter reads it; the body through Hono, which may have buffered it already. */
const webhookRequest = (c: Context<AppEnv>): WebhookRequest => ({
  headers: c.req.raw.headers,
  query: new URL(c.req.url).searchParams,
  json: () => c.req.json(),
});

/** The Graph endpoint's call (middleware and route alike): a handshake comes back as the answer to give. */
const receiveGraph = (c: Context<AppEnv>) =>
  receiveNotification(c.env, 'microsoft', webhookRequest(c), c.var.correlationId, waitUntilOf(c));

/** Graph's validation handshake: the token echoed as plain text (escaped), never cached. */
const handshakeReply = (c: Context<AppEnv>, token: string) =>
  c.text(escapeValidationToken(token), 200, {
    'content-type': 'text/plain; charset=utf-8',
    'cache-control': 'no-store',
  });

/**
 * The handshake is answered before the body validators (Graph sends it with an empty body, which a
 * client may label JSON); the adapter reads it, the query schema bounds the token first.
 */
function answerHandshake() {
  return createMiddleware<AppEnv>(async (c, next) => {
    if (!new URL(c.req.url).searchParams.has('validationToken')) return next();
    const query = GraphQuery.safeParse(c.req.query());
    await c.req.arrayBuffer().catch(() => undefined); // the body is not read: drain it
    if (!query.success) throw validationFailed(fieldProblems(query.error, 'query'));
    const answer = await receiveGraph(c);
    if (answer.kind !== 'handshake') return next();
    return handshakeReply(c, answer.token);
  });
}

export const webhookRoutes = createRouter()
  .openapi(googleWebhook, async (c) => {
    await receiveNotification(c.env, 'google', webhookRequest(c), c.var.correlationId, waitUntilOf(c));
    return c.body(null, 204);
  })
  .openapi(microsoftWebhook, async (c) => {
    // A handshake was answered by answerHandshake; here the body passed GraphNotificationBatch.
    const answer = await receiveGraph(c);
    if (answer.kind === 'handshake') return handshakeReply(c, answer.token);
    return c.body(null, 202);
  });
