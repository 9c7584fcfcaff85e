/**
 * CORS for CE web, which calls the API from its own origin with a bearer token. Exactly the origins
 * listed in `CE_WEB_ORIGINS` (comma-separated, e.g. `https://app.ce.example`) are allowed — never `*`,
 * and no credentials mode: auth is the Authorization header, so cookies never ride along. A preflight
 * from any other origin is refused with 403 so the browser blocks the call; a simple request from one
 * gets no CORS headers, so the browser hides the response from the page.
 */

import { cors } from 'hono/cors';
import { createMiddleware } from 'hono/factory';
import type { AppEnv } from '../env.ts';
import { forbidden } from '../errors.ts';

const ALLOWED_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];
const ALLOWED_HEADERS = ['Authorization', 'Content-Type', 'Idempotency-Key', 'X-Correlation-Id'];
const EXPOSED_HEADERS = ['X-Correlation-Id', 'Retry-After'];
const PREFLIGHT_CACHE_SECONDS = 600;

/** Parses `CE_WEB_ORIGINS` into canonical origins; entries that are not plain http(s) origins are ignored. */
export function parseAllowedOrigins(value: string | undefined): Set<string> {
  const origins = new Set<string>();
  for (const entry of (value ?? '').split(',')) {
    const trimmed = entry.trim();
    if (!trimmed || trimmed === '*') continue;
    try {
      const url = new URL(trimmed);
      if (
        (url.protocol === 'https:' || url.protocol === 'http:') &&
        url.origin === trimmed.replace(/\/$/, '')
      )
        origins.add(url.origin);
    } catch {
      // not an origin: ignored rather than widening the list
    }
  }
  return origins;
}

const originsCache = new Map<string, Set<string>>();
function allowedOrigins(value: string | undefined): Set<string> {
  const key = value ?? '';
  let origins = originsCache.get(key);
  if (!origins) {
    origins = parseAllowedOrigins(value);
    originsCache.set(key, origins);
  }
  return origins;
}

const corsHeaders = cors({
  origin: (origin, c) => (allowedOrigins(c.env?.CE_WEB_ORIGINS).has(origin) ? origin : null),
  allowMethods: ALLOWED_METHODS,
  allowHeaders: ALLOWED_HEADERS,
  exposeHeaders: EXPOSED_HEADERS,
  maxAge: PREFLIGHT_CACHE_SECONDS,
  credentials: false,
});

export const ceWebCors = createMiddleware<AppEnv>(async (c, next) => {
  const origin = c.req.header('origin');
  const isPreflight = c.req.method === 'OPTIONS' && c.req.header('access-control-request-method');
  if (isPreflight && !(origin && allowedOrigins(c.env?.CE_WEB_ORIGINS).has(origin))) {
    // The refusal depends on Origin too; every other answer gets its one `Vary: Origin` from hono/cors.
    c.header('Vary', 'Origin');
    throw forbidden('This origin may not call the CE Calendar API');
  }
  return corsHeaders(c, next);
});
