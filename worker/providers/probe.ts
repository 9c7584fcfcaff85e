/**
 * A cheap authenticated call that tells whether the provider still accepts an access token
 * (Google: calendarList with one item; Graph: /me). Used before a sync, so a revoked grant shows up
 * as "reconnect" even while a cached access token has not expired yet.
 */
import type { Env } from '../env.ts';
import { endpointsFor, type Provider } from './endpoints.ts';

export type ProbeResult = 'ok' | 'unauthorized' | 'unavailable';

export async function probeAccess(env: Env, provider: Provider, accessToken: string): Promise<ProbeResult> {
  const { apiBaseUrl } = endpointsFor(env, provider);
  const url = provider === 'google' ? `${apiBaseUrl}/users/me/calendarList?maxResults=1` : `${apiBaseUrl}/me`;
  try {
    const response = await fetch(url, { headers: { authorization: `Bearer ${accessToken}` } });
    await response.body?.cancel();
    if (response.ok) return 'ok';
    return response.status === 401 ? 'unauthorized' : 'unavailable';
  } catch {
    return 'unavailable';
  }
}
