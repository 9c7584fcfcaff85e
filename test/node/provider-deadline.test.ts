/**
 * The provider calls' time limit (worker/providers/deadline.ts, issue 20 §4): its timer is gone as
 * soon as the call settles (a leftover timer kept Durable Objects from being evicted for 15–30 s after
 * every sync), the limit covers reading the body, and the run's own abort still cancels the call.
 * Around real fetches the long timers (≥ 10 s: the limits are 15–30 s) are tracked by wrapping
 * setTimeout/clearTimeout, since Node's fetch keeps short timers of its own.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { fetchWithDeadline, withDeadline } from '../../worker/providers/deadline.ts';
import { ProviderError } from '../../worker/providers/errors.ts';
import { listGoogleChanges } from '../../worker/providers/google/changes.ts';
import { jsonWrite } from '../../worker/providers/json-write.ts';
import { graphChangeSource } from '../../worker/providers/microsoft/changes.ts';

let server: Server;
let base: string;
/** Requests to /stall-body get their headers and never the rest of the body. */
const stalled = new Set<import('node:http').ServerResponse>();

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url?.startsWith('/stall-body')) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"items":[');
      stalled.add(res);
      return;
    }
    if (req.url?.startsWith('/no-content')) {
      res.writeHead(204).end();
      return;
    }
    if (req.url?.includes('/calendarView/delta')) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ value: [], '@odata.deltaLink': `${base}/v1.0/me/calendarView/delta?d=1` }));
      return;
    }
    if (req.url?.startsWith('/v1.0/me')) {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{}');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ items: [], nextSyncToken: 'sync-1', timeZone: 'Europe/Berlin', echo: req.url }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  for (const res of stalled) res.destroy();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

const fakeTimers = () => vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });

/** Live timers of 10 s or more set from now on (neither fired nor cleared yet). */
function longTimers(): Set<unknown> {
  const live = new Set<unknown>();
  const realSet = globalThis.setTimeout;
  const realClear = globalThis.clearTimeout;
  vi.spyOn(globalThis, 'setTimeout').mockImplementation(((
    callback: (...args: unknown[]) => void,
    ms?: number,
    ...args: unknown[]
  ) => {
    const handle: ReturnType<typeof setTimeout> = realSet(
      (...a: unknown[]) => {
        live.delete(handle);
        callback(...a);
      },
      ms,
      ...args,
    );
    if ((ms ?? 0) >= 10_000) live.add(handle);
    return handle;
  }) as typeof setTimeout);
  vi.spyOn(globalThis, 'clearTimeout').mockImplementation((handle) => {
    live.delete(handle);
    realClear(handle);
  });
  return live;
}

describe('withDeadline', () => {
  it('clears its timer when the work succeeds', async () => {
    fakeTimers();
    let seen: AbortSignal | undefined;
    const value = await withDeadline(30_000, undefined, async (signal) => {
      seen = signal;
      expect(vi.getTimerCount()).toBe(1);
      return 42;
    });
    expect(value).toBe(42);
    expect(vi.getTimerCount()).toBe(0);
    expect(seen?.aborted).toBe(false);
  });

  it('clears its timer when the work fails', async () => {
    fakeTimers();
    await expect(
      withDeadline(30_000, undefined, async () => {
        throw new Error('provider said no');
      }),
    ).rejects.toThrow('provider said no');
    expect(vi.getTimerCount()).toBe(0);
  });

  it('aborts the work with a TimeoutError when the time is up', async () => {
    fakeTimers();
    const outcome = withDeadline(
      20_000,
      undefined,
      (signal) => new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason))),
    );
    const caught = outcome.catch((error: unknown) => error);
    vi.advanceTimersByTime(20_000);
    expect(await caught).toMatchObject({ name: 'TimeoutError' });
    expect(vi.getTimerCount()).toBe(0);
  });

  it('follows an outer abort, and lets go of the outer signal once settled', async () => {
    fakeTimers();
    const run = new AbortController();
    const caught = withDeadline(
      30_000,
      run.signal,
      (signal) => new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason))),
    ).catch((error: unknown) => error);
    run.abort(new DOMException('disconnected', 'AbortError'));
    expect(await caught).toMatchObject({ name: 'AbortError', message: 'disconnected' });
    expect(vi.getTimerCount()).toBe(0);

    // Settled calls no longer listen: a later abort of the run reaches none of their signals.
    const later = new AbortController();
    let inner: AbortSignal | undefined;
    await withDeadline(30_000, later.signal, async (signal) => {
      inner = signal;
    });
    later.abort();
    expect(inner?.aborted).toBe(false);
  });

  it('starts aborted when the outer signal already is', async () => {
    const run = new AbortController();
    run.abort(new DOMException('paused', 'AbortError'));
    const aborted = await withDeadline(30_000, run.signal, async (signal) => signal.aborted);
    expect(aborted).toBe(true);
  });
});

describe('fetchWithDeadline', () => {
  it('hands back the whole body and leaves no timer', async () => {
    const timers = longTimers();
    const response = await fetchWithDeadline(`${base}/anything`, {}, 30_000);
    expect(timers.size).toBe(0);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(await response.json()).toMatchObject({ echo: '/anything' });
  });

  it('keeps a body-less answer body-less', async () => {
    const response = await fetchWithDeadline(`${base}/no-content`, { method: 'DELETE' }, 30_000);
    expect(response.status).toBe(204);
    expect(response.body).toBeNull();
  });

  it('times out a body that stops half way (the limit covers reading it)', async () => {
    await expect(fetchWithDeadline(`${base}/stall-body`, {}, 200)).rejects.toMatchObject({
      name: 'TimeoutError',
    });
  });
});

describe('the provider calls use it', () => {
  it('jsonWrite leaves no timer after an answer', async () => {
    const timers = longTimers();
    const response = await jsonWrite('POST', `${base}/calendars/primary/events`, 'token', { a: 1 });
    expect(response.status).toBe(200);
    expect(timers.size).toBe(0);
  });

  it('Google events.list leaves no timer after a page', async () => {
    const timers = longTimers();
    const page = await listGoogleChanges(`${base}/calendar/v3`, 'token', {
      calendarId: 'primary',
      window: { startMs: 0, endMs: 86_400_000 },
    });
    expect(page.nextCursor).toBe('sync-1');
    expect(timers.size).toBe(0);
  });

  it('Graph delta leaves no timer after a full round (its zone lookups included)', async () => {
    const timers = longTimers();
    const source = graphChangeSource({ graphBase: `${base}/v1.0`, now: () => 1_000_000 });
    const page = await source.listChanges(
      'token',
      { calendarId: 'primary', window: { startMs: 0, endMs: 86_400_000 } },
      { get: async () => undefined } as never,
    );
    expect(page.nextCursor).toMatch(/^ce1:/);
    expect(timers.size).toBe(0);
  });

  it("a Google page whose body stalls ends with the run's abort, as a temporary failure", async () => {
    const run = new AbortController();
    const call = listGoogleChanges(`${base}/stall-body`, 'token', {
      calendarId: 'primary',
      window: { startMs: 0, endMs: 86_400_000 },
      signal: run.signal,
    });
    // The run's own abort ends the call; its limit (20 s) would too, later.
    run.abort(new DOMException('paused', 'AbortError'));
    await expect(call).rejects.toBeInstanceOf(ProviderError);
    await expect(call).rejects.toMatchObject({ code: 'temporary' });
  });
});
