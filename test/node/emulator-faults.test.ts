/** Every injectable fault is observable exactly as configured; large calendars are deterministic. */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type RunningEmulator, startEmulator } from '../../emulator/server.ts';
import { connect, control, type Provisioned, provision, refresh } from '../support/emulator.ts';

let emulator: RunningEmulator;
let google: Provisioned;
let microsoft: Provisioned;
let googleToken: string;
let graphToken: string;
const G = 'fault.g@acme.example';
const M = 'fault.m@contoso.example';

const listEvents = () =>
  fetch(`${emulator.url}/calendar/v3/calendars/primary/events`, {
    headers: { authorization: `Bearer ${googleToken}` },
  });
const delta = () =>
  fetch(
    `${emulator.graphUrl}/v1.0/me/calendarView/delta?startDateTime=2026-01-01T00:00:00Z&endDateTime=2026-02-01T00:00:00Z`,
    { headers: { authorization: `Bearer ${graphToken}` } },
  );

beforeAll(async () => {
  emulator = await startEmulator({ seed: 5 });
  google = await provision(emulator, 'google');
  microsoft = await provision(emulator, 'microsoft');
  await control(emulator, '/accounts', { provider: 'google', email: G });
  await control(emulator, '/accounts', { provider: 'microsoft', email: M });
  googleToken = (await connect(google, G)).access_token;
  graphToken = (await connect(microsoft, M)).access_token;
});
afterAll(() => emulator?.close());

const timeoutsFired = async () =>
  (await control<Record<string, number>>(emulator, `/accounts/microsoft/${M}/counters`))['fault.timeout'] ??
  0;

async function fault(body: Record<string, unknown>) {
  await control(emulator, '/faults', undefined, 'DELETE');
  return control<{ id: string }>(emulator, '/faults', body);
}

describe('fault injection', () => {
  it('429 with Retry-After for the next N calls only (Google and Graph shapes)', async () => {
    await fault({
      provider: 'google',
      account: G,
      endpoint: 'events.list',
      kind: 'http_429',
      times: 2,
      retry_after: 7,
    });
    const first = await listEvents();
    expect(first.status).toBe(429);
    expect(first.headers.get('retry-after')).toBe('7');
    expect(await first.json()).toMatchObject({
      error: {
        code: 429,
        status: 'RESOURCE_EXHAUSTED',
        errors: [{ reason: 'rateLimitExceeded', domain: 'usageLimits' }],
      },
    });
    expect((await listEvents()).status).toBe(429);
    expect((await listEvents()).status).toBe(200);

    await fault({ provider: 'microsoft', endpoint: 'delta', kind: 'http_429', times: 1, retry_after: 2.128 });
    const throttled = await delta();
    expect(throttled.status).toBe(429);
    expect(throttled.headers.get('retry-after')).toBe('2.128');
    expect(await throttled.json()).toMatchObject({
      error: { code: 'TooManyRequests', innerError: { status: '429' } },
    });
    expect((await delta()).status).toBe(200);
  });

  it('Google 403 rateLimitExceeded and userRateLimitExceeded carry PERMISSION_DENIED and the quota metric', async () => {
    await fault({ account: G, endpoint: 'events.list', kind: 'google_rate_limit', times: 1 });
    expect(await (await listEvents()).json()).toMatchObject({
      error: {
        code: 403,
        status: 'PERMISSION_DENIED',
        errors: [{ reason: 'rateLimitExceeded', domain: 'usageLimits' }],
      },
    });
    await fault({ account: G, endpoint: 'events.list', kind: 'google_user_rate_limit', times: 1 });
    const res = await listEvents();
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({
      error: {
        status: 'PERMISSION_DENIED',
        message: expect.stringMatching(
          /^Quota exceeded for quota metric 'Queries' and limit 'Queries per minute per user'/,
        ),
        errors: [{ reason: 'userRateLimitExceeded' }],
      },
    });
  });

  it('500 and 503 (with Retry-After) on both providers', async () => {
    await fault({ endpoint: '*', kind: 'http_500', times: 2 });
    expect(await (await listEvents()).json()).toMatchObject({
      error: { code: 500, errors: [{ reason: 'backendError' }] },
    });
    expect(await (await delta()).json()).toMatchObject({ error: { code: 'generalException' } });
    await fault({ endpoint: '*', kind: 'http_503', times: 1, retry_after: 30 });
    const unavailable = await listEvents();
    expect(unavailable.status).toBe(503);
    expect(unavailable.headers.get('retry-after')).toBe('30');
  });

  it('slow responses are delayed and then succeed; timeouts hang, then 504', async () => {
    await fault({ endpoint: 'events.list', kind: 'slow', times: 1, delay_ms: 300 });
    let started = performance.now();
    expect((await listEvents()).status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
    // A timeout holds the call without an answer: the client gives up (here once the emulator has
    // taken the call) and gets nothing back.
    await fault({ endpoint: 'delta', kind: 'timeout', times: 1, delay_ms: 3_000 });
    const giveUp = new AbortController();
    const hung = fetch(
      `${emulator.graphUrl}/v1.0/me/calendarView/delta?startDateTime=2026-01-01T00:00:00Z&endDateTime=2026-02-01T00:00:00Z`,
      { headers: { authorization: `Bearer ${graphToken}` }, signal: giveUp.signal },
    );
    await expect.poll(() => timeoutsFired(), { interval: 10 }).toBe(1);
    giveUp.abort();
    await expect(hung).rejects.toThrow();
    // A shorter hold ends in a 504 after the delay.
    await fault({ endpoint: 'delta', kind: 'timeout', times: 1, delay_ms: 200 });
    started = performance.now();
    expect((await delta()).status).toBe(504);
    expect(performance.now() - started).toBeGreaterThanOrEqual(190);
    expect((await delta()).status).toBe(200);
  });

  it('invalid_grant on the token endpoint, then recovery', async () => {
    const tokens = await connect(microsoft, M);
    await fault({ provider: 'microsoft', account: M, endpoint: 'token', kind: 'invalid_grant', times: 1 });
    await expect(refresh(microsoft, tokens.refresh_token ?? '')).rejects.toMatchObject({
      error: 'invalid_grant',
      error_description: expect.stringMatching(/^AADSTS50173/),
    });
    expect((await refresh(microsoft, tokens.refresh_token ?? '')).access_token).toBeTruthy();
    const gTokens = await connect(google, G);
    await fault({ provider: 'google', endpoint: 'token', kind: 'invalid_grant', times: 1 });
    await expect(refresh(google, gTokens.refresh_token ?? '')).rejects.toMatchObject({
      error: 'invalid_grant',
    });
  });

  it('probability faults are seeded: the same seed fires on the same calls', async () => {
    const run = async () => {
      await control(emulator, '/reset', { seed: 99 });
      google = await provision(emulator, 'google');
      await control(emulator, '/accounts', { provider: 'google', email: G });
      googleToken = (await connect(google, G)).access_token;
      await control(emulator, '/faults', { endpoint: 'events.list', kind: 'http_500', probability: 0.3 });
      const statuses: number[] = [];
      for (let i = 0; i < 60; i++) statuses.push((await listEvents()).status);
      return statuses;
    };
    const a = await run();
    const b = await run();
    expect(a).toEqual(b);
    const failures = a.filter((s) => s === 500).length;
    expect(failures).toBeGreaterThan(8);
    expect(failures).toBeLessThan(30);
    const counters = await control<Record<string, number>>(emulator, `/accounts/google/${G}/counters`);
    expect(counters['fault.http_500']).toBe(failures);
    expect(counters['events.list']).toBe(60 - failures);
  });
});

describe('generated calendars', () => {
  it('10,000 events from a seed: deterministic mix of series, exceptions, all-day and zones, fully listable', async () => {
    const make = async () => {
      await control(emulator, '/reset', { seed: 1234 });
      google = await provision(emulator, 'google');
      await control(emulator, '/accounts', { provider: 'google', email: G });
      return control<Record<string, number>>(emulator, `/accounts/google/${G}/generate`, {
        count: 10_000,
        seed: 77,
      });
    };
    const summary = await make();
    expect(await make()).toEqual(summary);
    expect(summary.created).toBe(10_000);
    expect(summary.series).toBeGreaterThan(1000);
    expect(summary.exceptions).toBeGreaterThan(300);
    expect(summary.allDay).toBeGreaterThan(500);
    const token = (await connect(google, G)).access_token;
    const zones = new Set<string>();
    let count = 0;
    let pageToken = '';
    do {
      const res = await fetch(
        `${emulator.url}/calendar/v3/calendars/primary/events?maxResults=2500&showDeleted=true${pageToken ? `&pageToken=${pageToken}` : ''}`,
        { headers: { authorization: `Bearer ${token}` } },
      );
      const body = (await res.json()) as {
        items: Array<{ start?: { timeZone?: string } }>;
        nextPageToken?: string;
      };
      count += body.items.length;
      for (const item of body.items) if (item.start?.timeZone) zones.add(item.start.timeZone);
      pageToken = body.nextPageToken ?? '';
    } while (pageToken);
    expect(count).toBe(10_000);
    expect(zones.size).toBeGreaterThanOrEqual(5);
  });
});

describe('closing the emulator', () => {
  it('ends a fault delay still running (its timer would keep the hosting process alive)', async () => {
    const own = await startEmulator({ seed: 6 });
    const provisioned = await provision(own, 'google');
    const email = 'close.g@acme.example';
    await control(own, '/accounts', { provider: 'google', email });
    const token = (await connect(provisioned, email)).access_token;
    const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const before = timers();
    await control(own, '/faults', {
      provider: 'google',
      account: email,
      endpoint: 'events.list',
      kind: 'slow',
      times: 1,
      delay_ms: 10 * 60_000,
    });
    const call = fetch(`${own.url}/calendar/v3/calendars/primary/events`, {
      headers: { authorization: `Bearer ${token}` },
    }).catch(() => 'lost');
    await vi.waitFor(async () => {
      const counters = await control<Record<string, number>>(own, `/accounts/google/${email}/counters`);
      expect(counters['fault.slow']).toBe(1);
    });
    // (No count of the process' timers before the close: other work in this process moves it.)
    await own.close();
    expect(await call).toBe('lost');
    await vi.waitFor(() => expect(timers()).toBeLessThanOrEqual(before));
  });
});
