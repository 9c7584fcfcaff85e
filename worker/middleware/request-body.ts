/**
 * Every answer leaves the request body settled (issue 20 §1). Early answers — 401/403, 405, 413,
 * 415, a validation 400, a webhook's 204, a 404 — are given before anyone reads the body, and
 * `@hono/zod-openapi`'s content-type gate tees it (`Request.clone()`) to peek at one chunk. What
 * nobody read is drained here, once the answer is ready and before it leaves:
 * - read on while the client keeps sending (at most DRAIN_LIMIT bytes): workerd closes a
 *   connection that still holds unread request bytes with a reset, and the client then loses the
 *   answer it was sent (measured on Miniflare: every second honest 2 MiB upload answered 413 got
 *   ECONNRESET instead; none with the drain);
 * - cancelled once the client stops sending for DRAIN_IDLE_MS or passes DRAIN_LIMIT, so a client
 *   that declared more than it sends (a lying Content-Length) still gets its answer, a second
 *   later, instead of holding it until it gives up.
 * Reading after the answer has left is not possible (workerd: "Can't read from request stream after
 * response has been sent"), hence before. Bodies that were read (JSON, the body limit's buffer) are
 * already closed, and a cancelled tee branch releases its source once the other branch is done.
 */
import { createMiddleware } from 'hono/factory';
import type { AppEnv } from '../env.ts';

/** Past this much discarded input the stream is cancelled: the client is not a well-behaved one. */
export const DRAIN_LIMIT = 32 * 1024 * 1024;
/** A client that sent nothing for this long is not going to send the rest it declared. */
export const DRAIN_IDLE_MS = 1_000;

/** The next chunk, or 'idle' when none came within DRAIN_IDLE_MS (the timer never outlives the read). */
async function readOrIdle(
  reader: ReadableStreamDefaultReader<Uint8Array>,
): Promise<ReadableStreamReadResult<Uint8Array> | 'idle'> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const idle = new Promise<'idle'>((resolve) => {
    timer = setTimeout(() => resolve('idle'), DRAIN_IDLE_MS);
  });
  try {
    return await Promise.race([reader.read(), idle]);
  } finally {
    clearTimeout(timer);
  }
}

/** Reads and discards what the client still sends; cancels when it goes quiet or sends too much. */
export async function drainReader(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<void> {
  let discarded = 0;
  try {
    while (discarded <= DRAIN_LIMIT) {
      const next = await readOrIdle(reader);
      if (next === 'idle') break;
      if (next.done) return;
      discarded += next.value.byteLength;
    }
    await reader.cancel();
  } catch {
    // The client went away mid-body: nothing left to settle.
  }
}

/** Settles what is left of `request`'s body; a stream someone still holds a reader on is theirs. */
export async function settleBody(request: Request): Promise<void> {
  const body = request.body;
  if (!body || body.locked) return;
  await drainReader(body.getReader());
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
