/**
 * Request body limit, like `hono/body-limit` but leaving nothing half-read: a declared
 * Content-Length over the limit is refused at once without reading anything (`settleRequestBody`
 * then drains what the client still sends before the 413 leaves); a streamed (chunked) body is
 * buffered up to the limit, and one past it is drained the same way (`drainReader`: to its end,
 * at most DRAIN_LIMIT, cancelled when the client goes quiet) before the 413, so the client can
 * finish sending and read the answer.
 */
import { createMiddleware } from 'hono/factory';
import type { AppEnv } from '../env.ts';
import { AppError } from '../errors.ts';
import { drainReader } from './request-body.ts';

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
        await drainReader(reader);
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
