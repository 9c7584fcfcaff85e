import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';

describe('provider base URLs from configuration', () => {
  it('point at this run’s emulator, reachable from inside workerd', async () => {
    expect(env.GOOGLE_OAUTH_BASE_URL).toBe(env.TEST_EMULATOR_URL);
    expect(env.MICROSOFT_GRAPH_BASE_URL).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const health = await fetch(`${env.TEST_EMULATOR_URL}/_control/health`);
    expect(await health.json()).toEqual({ ok: true });
    const graph = await fetch(`${env.MICROSOFT_GRAPH_BASE_URL}/v1.0/me`);
    expect(graph.status).toBe(401);
    expect(await graph.json()).toMatchObject({ error: { code: 'InvalidAuthenticationToken' } });
  });
});
