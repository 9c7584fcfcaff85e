/**
 * The Hono application: middleware order, route modules, the OpenAPI document and the single error
 * mapper (every thrown error becomes the SPEC §4 envelope exactly once, here).
 */
import { secureHeaders } from 'hono/secure-headers';
import { toAppError } from './error-mapping.ts';
import { AppError } from './errors.ts';
import { describeError, log } from './log.ts';
import { requireAuth } from './middleware/auth.ts';
import { bodyLimit } from './middleware/body-limit.ts';
import { ceWebCors } from './middleware/cors.ts';
import { methodNotAllowed } from './middleware/method-not-allowed.ts';
import { settleRequestBody } from './middleware/request-body.ts';
import { requestContext } from './middleware/request-context.ts';
import { rejectControlCharacters } from './middleware/text-input.ts';
import { createRouter } from './openapi.ts';
import { availabilityRoutes } from './routes/availability.ts';
import { backfillRoutes } from './routes/backfill.ts';
import { connectionRoutes } from './routes/connections.ts';
import { eventRoutes } from './routes/events.ts';
import { freeBusyRoutes } from './routes/freebusy.ts';
import { googleCredentialRoutes } from './routes/google-credentials.ts';
import { healthRoutes } from './routes/health.ts';
import { meetingRoutes } from './routes/meetings.ts';
import { oauthRoutes } from './routes/oauth.ts';
import { settingsRoutes } from './routes/settings.ts';
import { webRoutes } from './routes/web.ts';
import { webhookRoutes } from './routes/webhooks.ts';

export const MAX_BODY_BYTES = 1024 * 1024;

export const app = createRouter();

// Outermost: whatever answers, a request body nobody read to its end is cancelled before the answer leaves.
app.use('*', settleRequestBody);
app.use('*', requestContext);
// Before CORS, so every answer carries them, the refused preflight's 403 included.
app.use(
  '*',
  secureHeaders({
    contentSecurityPolicy: {
      defaultSrc: ["'self'"],
      scriptSrc: ["'self'"],
      styleSrc: ["'self'"],
      imgSrc: ["'self'", 'data:'],
      connectSrc: ["'self'"],
      frameAncestors: ["'none'"],
      baseUri: ["'none'"],
      formAction: ["'self'"],
    },
    referrerPolicy: 'no-referrer',
  }),
);
// Before auth: a preflight carries no Authorization header.
app.use('/v1/*', ceWebCors);
app.use('*', bodyLimit(MAX_BODY_BYTES));
// Before auth: a method the path does not have is a 405 with Allow, token or not.
app.use(
  '*',
  methodNotAllowed(() => app.routes),
);
// Everything under /v1 needs a CE session JWT except provider webhooks (verified by their own secrets).
app.use('/v1/*', async (c, next) => {
  if (c.req.path.startsWith('/v1/calendar/webhooks/') || c.req.path === '/v1/openapi.json') return next();
  return requireAuth(c, next);
});
app.use('/v1/*', rejectControlCharacters);

app.route('/', healthRoutes);
app.route('/', settingsRoutes);
app.route('/', connectionRoutes);
app.route('/', oauthRoutes);
app.route('/', backfillRoutes);
app.route('/', eventRoutes);
app.route('/', freeBusyRoutes);
app.route('/', availabilityRoutes);
app.route('/', meetingRoutes);
app.route('/', googleCredentialRoutes);
app.route('/', webhookRoutes);
app.route('/', webRoutes);

app.openAPIRegistry.registerComponent('securitySchemes', 'bearerAuth', {
  type: 'http',
  scheme: 'bearer',
  bearerFormat: 'JWT',
});
app.doc31('/v1/openapi.json', {
  openapi: '3.1.0',
  info: {
    title: 'CE Calendar API',
    version: '0.1.0',
    description: 'Calendar and scheduling integration of CE',
    license: { name: 'Proprietary', url: 'https://ce.example/legal/api-terms' },
  },
  // Relative: the API is served from the same origin as this document (PUBLIC_BASE_URL).
  servers: [{ url: '/', description: 'This deployment' }],
});

app.notFound((c) =>
  c.json(new AppError('not_found', `No route for ${c.req.method} ${c.req.path}`).toBody(), 404),
);

app.onError((error, c) => {
  const correlationId = c.get('correlationId') ?? 'none';
  const appError = toAppError(error, correlationId);
  if (appError.status >= 500) log('error', 'request failed', { correlationId, ...describeError(error) });
  return c.json(appError.toBody(), appError.status);
});
