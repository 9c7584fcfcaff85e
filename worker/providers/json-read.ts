/**
 * A provider's JSON answer, parsed at the adapter's edge by a small zod schema: unknown fields are
 * kept (loose objects), and a missing or malformed required field is a `ProviderError` that names
 * it, never a crash deeper in.
 */
import type { z } from 'zod';
import { ProviderError } from './errors.ts';

export async function readProviderJson<S extends z.ZodType>(
  response: Response,
  schema: S,
  what: string,
): Promise<z.output<S>> {
  let body: unknown;
  try {
    body = await response.json();
  } catch {
    throw new ProviderError('unknown', `${what} answered a body that is not JSON`);
  }
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const field = parsed.error.issues[0]?.path.join('.') || 'body';
  throw new ProviderError('unknown', `${what} answered without a valid ${field}`);
}
