/**
 * Provider webhooks (no JWT: each notification is verified by its connection object's secret).
 * Well-formed requests all get the same empty answer, verified or not, so nothing about a connection
 * is revealed; malformed ones a 400 that echoes nothing.
 */
import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { AppEnv } from '../env.ts';
import { createRouter, errorResponses } from '../openapi.ts';
import { escapeValidationToken, MAX_VALIDATION_TOKEN } from '../services/validation-token.ts';
import { receiveNotification, type WebhookRequest } from '../services/webhooks.ts';

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
    headers: z.object({
      'x-goog-channel-id': z.string().max(64).optional(),
      'x-goog-channel-token': z.string().max(256).optional(),
      'x-goog-message-number': z.string().max(32).optional(),
      'x-goog-resource-id': z.string().max(256).optional(),
      'x-goog-resource-state': z.string().max(32).optional(),
    }),
  },
  responses: {
    204: { description: 'Acknowledged' },
    ...errorResponses(400, 413),
  },
});

const microsoftWebhook = createRoute({
  method: 'post',
  path: '/v1/calendar/webhooks/microsoft',
  operationId: 'receiveGraphNotifications',
  tags: ['Webhooks'],
  summary: 'Microsoft Graph change and lifecycle notifications',
  description:
    'With `validationToken`: the subscription handshake, answered with the token as text/plain. ' +
    'Otherwise a JSON batch `{"value":[…]}` of notifications (read by the handler: the handshake is text/plain, ' +
    'so no body schema is enforced before it); each item’s clientState is verified by its connection object. ' +
    'Lifecycle events: reauthorizationRequired renews, subscriptionRemoved recreates, missed resyncs.',
  security: [],
  request: {
    query: z.object({
      validationToken: z.string().max(MAX_VALIDATION_TOKEN).optional(),
    }),
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

export const webhookRoutes = createRouter()
  .openapi(googleWebhook, async (c) => {
    await receiveNotification(c.env, 'google', webhookRequest(c), c.var.correlationId, waitUntilOf(c));
    return c.body(null, 204);
  })
  .openapi(microsoftWebhook, async (c) => {
    // The query schema above has bounded validationToken before the adapter reads it.
    const answer = await receiveNotification(
      c.env,
      'microsoft',
      webhookRequest(c),
      c.var.correlationId,
      waitUntilOf(c),
    );
    if (answer.kind === 'handshake') {
      return c.text(escapeValidationToken(answer.token), 200, {
        'content-type': 'text/plain; charset=utf-8',
        'cache-control': 'no-store',
      });
    }
    return c.body(null, 202);
  });
