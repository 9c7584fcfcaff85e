/** HTTP helpers every adapter uses: the authenticated GET of probes and account lookups, the provider clock. */

import { ProviderError } from './errors.ts';
import type { AccessProbe } from './types.ts';

export async function bearerGet(url: string, accessToken: string): Promise<Response> {
  try {
    return await fetch(url, { headers: { authorization: `Bearer ${accessToken}` } });
  } catch (error) {
    throw new ProviderError(
      'temporary',
      `provider unreachable: ${error instanceof Error ? error.name : 'unknown'}`,
    );
  }
}

/** Probe: a 2xx means the token works; anything else is classified by the adapter's parser. */
export async function probe(
  url: string,
  accessToken: string,
  toProviderError: (response: Response) => Promise<ProviderError>,
): Promise<AccessProbe> {
  let response: Response;
  try {
    response = await bearerGet(url, accessToken);
  } catch (error) {
    return { ok: false, error: error as ProviderError };
  }
  if (response.ok) {
    await response.body?.cancel();
    return { ok: true };
  }
  return { ok: false, error: await toProviderError(response) };
}

export const trimUrl = (url: string) => url.replace(/\/+$/, '');

/** The provider's clock from its Date header (second precision), or ours. */
export function providerNow(response: Response): number {
  const date = Date.parse(response.headers.get('date') ?? '');
  return Number.isFinite(date) ? date : Date.now();
}
