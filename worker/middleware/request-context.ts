/**
 * Per-request plumbing: a correlationId (echoed in `x-correlation-id`), a lazily opened database
 * that is closed after the response, and one JSON access-log line. The query string is never logged:
 * OAuth callbacks carry codes in it.
 */
import { createMiddleware } from 'hono/factory';
import { Database } from '../../db/tenant.ts';
import type { AppEnv } from '../env.ts';
import { log } from '../log.ts';

const CORRELATION_ID = /^[A-Za-z0-9-]{8,64}$/;

export const requestContext = createMiddleware<AppEnv>(async (c, next) => {
  const inbound = c.req.header('x-correlation-id');
  const correlationId = inbound && CORRELATION_ID.test(inbound) ? inbound : crypto.randomUUID();
  const started = Date.now();
  const database = new Database(c.env);
  c.set('correlationId', correlationId);
  c.set('db', database);
  try {
    await next();
  } finally {
    c.header('x-correlation-id', correlationId);
    const closing = database.close();
    try {
      c.executionCtx.waitUntil(closing);
    } catch {
      await closing;
    }
    log('info', 'request', {
      correlationId,
      method: c.req.method,
      path: c.req.path,
      status: c.res.status,
      duration_ms: Date.now() - started,
    });
  }
});
