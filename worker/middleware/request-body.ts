/**
 * Every answer leaves the request body settled (issue 20 §1). Early answers — 401/403, 405, 413,
 * 415, a validation 400, a webhook's 204, a 404 — are given before anyone reads the body, and
 * `@hono/zod-openapi`'s content-type gate tees it (`Request.clone()`) to peek at one chunk. A body
 * nobody read to its end is cancelled here, once the answer is ready and before it leaves, so no
 * stream (nor tee branch) is left half-read behind a response: the runtime can close or reuse the
 * connection at once instead of holding the upload. Cancelling, not draining: a client that
 * declared more than it sends would otherwise hold the answer until it gave up (Cloudflare's edge
 * does not drain either). Bodies that were read (JSON, the body limit's buffer) are already closed.
 */
import { createMiddleware } from 'hono/factory';
import type { AppEnv } from '../env.ts';

/** Cancels what is left of `request`'s body; a stream someone still holds a reader on is theirs. */
export async function settleBody(request: Request): Promise<void> {
  const body = request.body;
  if (!body || body.locked) return;
  try {
    await body.cancel();
  } catch {
    // already errored (the client went away): nothing left to settle
  }
}

/** Outermost middleware: the request as it arrived, settled after every answer, error or not. */
export const settleRequestBody = createMiddleware<AppEnv>(async (c, next) => {
  const arrived = c.req.raw;
  try {
    await next();
  } finally {
    await settleBody(arrived);
  }
});
