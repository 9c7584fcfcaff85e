/**
 * The one JSON write both adapters' meeting and push calls use (issues 15, 16): bearer token, JSON
 * body, a time limit. A network failure or the time limit is `temporary`: the caller cannot know whether the
 * provider applied the write, so it retries with the same client id (which makes the retry safe).
 */
import { fetchWithDeadline } from './deadline.ts';
import { ProviderError } from './errors.ts';

/** A write answered later than this is treated as lost (and retried idempotently). */
export const PROVIDER_WRITE_TIMEOUT_MS = 15_000;

export async function jsonWrite(
  method: 'POST' | 'PATCH' | 'DELETE' | 'GET',
  url: string,
  accessToken: string,
  body?: unknown,
  /** Names the call in the error (e.g. `events.watch`); never the URL, which may carry ids. */
  what = 'provider write',
): Promise<Response> {
  try {
    return await fetchWithDeadline(
      url,
      {
        method,
        headers: {
          authorization: `Bearer ${accessToken}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      },
      PROVIDER_WRITE_TIMEOUT_MS,
    );
  } catch (error) {
    const name = error instanceof Error ? error.name : 'unknown';
    throw new ProviderError('temporary', `${what} not answered: ${name}`);
  }
}
