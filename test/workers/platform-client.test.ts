/**
 * A missing platform OAuth client is our configuration problem: starting a connection answers 503
 * `unavailable` (not a 502 blamed on the provider), and the organization's own Google client still
 * works when the platform one is absent.
 */
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import type { Env } from '../../worker/env.ts';
import worker from '../../worker/index.ts';
import { tokenFor } from './helpers.ts';

/** The real worker with one configuration change: no platform client for either provider. */
async function startWithoutPlatformClients(
  provider: 'google' | 'microsoft',
  token: string,
): Promise<Response> {
  const unconfigured: Env = {
    ...(env as unknown as Env),
    GOOGLE_CALENDAR_CLIENT_ID: undefined,
    GOOGLE_CALENDAR_CLIENT_SECRET: undefined,
    MICROSOFT_CALENDAR_CLIENT_ID: undefined,
    MICROSOFT_CALENDAR_CLIENT_SECRET: undefined,
  };
  const ctx = createExecutionContext();
  const res = await worker.fetch(
    new Request('https://ce-calendar.test/v1/calendar/oauth/start', {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ provider }),
    }),
    unconfigured,
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return res;
}

describe('platform OAuth client not configured', () => {
  it.each(['google', 'microsoft'] as const)('%s: start answers 503 unavailable', async (provider) => {
    const token = await tokenFor({
      sub: crypto.randomUUID(),
      org_id: crypto.randomUUID(),
      permissions: ['ce.calendar.connect', 'ce.calendar.view'],
    });
    const res = await startWithoutPlatformClients(provider, token);
    expect(res.status).toBe(503);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('unavailable');
  });
});
