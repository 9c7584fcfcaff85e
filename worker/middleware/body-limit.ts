/**
 * Request body limit, like `hono/body-limit` but leaving nothing half-read: a declared
 * Content-Length over the limit is refused at once without reading anything (the unread body is
 * cancelled by `settleRequestBody` before the 413 leaves, so a client that declared more than it
 * sends gets its answer); a streamed (chunked) body is buffered up to the limit, and one past it is
 * read on to its end (at most DISCARD_LIMIT, then cancelled) before the 413, so the client can
 * finish sending and read the answer on a connection that stays usable.
 */
import { createMiddleware } from 'hono/factory';
import type { AppEnv } from '../env.ts';
import { AppError } from '../errors.ts';

/** Past this much discarded input the stream is cancelled: the client is not a well-behaved one. */
const DISCARD_LIMIT = 32 * 1024 * 1024;

async function discardRest(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<void> {
  let discarded = 0;
  try {
    while (discarded <= DISCARD_LIMIT) {
      const { done, value } = await reader.read();
      if (done) return;
      discarded += value.byteLength;
    }
    await reader.cancel();
  } catch {
    // The client went away mid-body: nothing left to discard.
  }
}

export function bodyLimit(maxBytes: number) {
  const tooLarge = () =>
    new AppError('payload_too_large', `Request body exceeds ${maxBytes / 1024 / 1024} MiB`);
  return createMiddleware<AppEnv>(async (c, next) => {
    const body = c.req.raw.body;
    if (!body) return next();
    const declared = c.req.raw.headers.get('content-length');
    if (declared !== null && !c.req.raw.headers.has('transfer-encoding')) {
      if (Number(declared) > maxBytes) throw tooLarge();
      return next();
    }
    const reader = body.getReader();
    const chunks: Uint8Array[] = [];
    let size = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > maxBytes) {
        await discardRest(reader);
        throw tooLarge();
      }
      chunks.push(value);
    }
    const buffered = new Uint8Array(size);
    let offset = 0;
    for (const chunk of chunks) {
      buffered.set(chunk, offset);
      offset += chunk.byteLength;
    }
    c.req.raw = new Request(c.req.raw, { body: buffered });
    return next();
  });
}
