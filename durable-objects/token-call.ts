/**
 * "Refresh once, then retry" for the object's provider calls (push channels, the meeting outbox):
 * a call the provider refuses with `unauthorized` is made once more with a forced refresh. A second
 * refusal is the provider's answer. The sync round keeps its own loop (sync/round.ts): it refreshes
 * in the middle of paging and resumes where it stood.
 */
import { ProviderError } from '../worker/providers/errors.ts';
import type { AccessTokenResult } from './token-refresher.ts';

export type TokenFailure = Extract<AccessTokenResult, { ok: false }>;

export async function withAccessToken<T>(
  token: (force: boolean) => Promise<AccessTokenResult>,
  /** The error a token that could not be had becomes (each caller classifies it its own way). */
  refused: (failure: TokenFailure) => ProviderError,
  call: (accessToken: string) => Promise<T>,
): Promise<T> {
  for (const force of [false, true]) {
    const result = await token(force);
    if (!result.ok) throw refused(result);
    try {
      return await call(result.accessToken);
    } catch (error) {
      if (force || !(error instanceof ProviderError) || error.code !== 'unauthorized') throw error;
    }
  }
  throw new ProviderError('unauthorized', 'access token rejected'); // not reached: the forced pass returns or throws
}
