/**
 * Nothing a client sends knocks over the worker of `npm start` (issue 20 §1), against the real stack:
 * in a row, the two unauthenticated POSTs that used to kill `wrangler dev`, a 415, a 413 by an
 * honest Content-Length, a chunked 2 MiB body, a Content-Length that promises 5 MiB and sends 150
 * bytes, 1,000 concurrent webhook deliveries, and 300 concurrent provider writes on a connected
 * calendar (each one a push from the emulator to the worker) — then a normal request succeeds, and
 * the workerd process is the one that started: same pid, alive, and Miniflare never restarted it.
 */
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalStack, startLocalStack } from './stack.ts';

const OWNER_EMAIL = 'alex.morgan@demo.example';
let stack: LocalStack;
let token: string;

interface RunningStack {
  runtimePid: number | null;
  runtimeRestarts: number;
}
const running = (): RunningStack =>
  JSON.parse(readFileSync(`${stack.localDir}/running-stack.json`, 'utf8')) as RunningStack;

/** The process' state letter from /proc (Z = exited, waiting to be reaped); undefined when gone. */
function processState(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
  } catch {
    return undefined;
  }
}

interface Reply {
  status: number;
  body: string;
}

/** A request whose body `write` sends by hand, as curl or a broken client would. */
function raw(
  method: string,
  path: string,
  headers: Record<string, string>,
  write: (out: NodeJS.WritableStream) => void,
  giveUpMs = 20_000,
): Promise<Reply> {
  return new Promise<Reply>((resolve, reject) => {
    const outgoing = request(new URL(path, stack.baseUrl), { method, headers }, (response) => {
      let body = '';
      response.on('data', (chunk) => {
        body += chunk;
      });
      response.on('end', () => {
        resolve({ status: response.statusCode ?? 0, body });
        outgoing.destroy();
      });
    });
    outgoing.on('error', reject);
    const timer = setTimeout(() => outgoing.destroy(new Error('no reply before giving up')), giveUpMs);
    outgoing.on('close', () => clearTimeout(timer));
    write(outgoing);
  });
}

const auth = () => ({ authorization: `Bearer ${token}` });

async function control(path: string, body?: unknown): Promise<Response> {
  const res = await fetch(`${stack.emulatorUrl}/_control${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!res.ok) throw new Error(`emulator control ${path}: ${res.status}`);
  return res;
}

/** Connects the demo Google calendar through the OAuth flow over plain HTTP (consent posted as the form would). */
async function connectGoogle(): Promise<void> {
  const start = await fetch(`${stack.baseUrl}/v1/calendar/oauth/start`, {
    method: 'POST',
    headers: { ...auth(), 'content-type': 'application/json' },
    body: JSON.stringify({ provider: 'google' }),
  });
  expect(start.status).toBe(200);
  const authorize = new URL(((await start.json()) as { authorization_url: string }).authorization_url);
  const form = new URLSearchParams(authorize.searchParams);
  form.set('account', OWNER_EMAIL);
  form.set('decision', 'allow');
  const consent = await fetch(`${authorize.origin}${authorize.pathname}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: form,
    redirect: 'manual',
  });
  const callback = consent.headers.get('location') ?? '';
  expect(callback).toContain('/functions/v1/calendar-oauth-callback');
  const done = await fetch(callback, { redirect: 'manual' });
  expect(done.status).toBe(302);
  expect(done.headers.get('location')).toContain('calendar_connected');
}

async function settings(): Promise<number> {
  const response = await fetch(`${stack.baseUrl}/v1/calendar/settings`, { headers: auth() });
  await response.arrayBuffer();
  return response.status;
}

beforeAll(async () => {
  stack = await startLocalStack();
  token = stack.signInUrl.split('#token=')[1] ?? '';
});

afterAll(async () => {
  await stack?.stop();
});

describe('the worker of npm start survives every early answer and a push storm', () => {
  it('answers the whole sequence, serves the next request, and its process never exited', async () => {
    const pid = running().runtimePid;
    expect(pid).toBeGreaterThan(0);
    const json = { 'content-type': 'application/json' };
    const small = '{"provider":"google"}';

    // 1. The two unauthenticated POSTs from the report: the second used to get a 500 and kill the worker.
    for (let i = 0; i < 2; i++) {
      const reply = await raw(
        'POST',
        '/v1/calendar/oauth/start',
        { ...json, 'content-length': String(small.length) },
        (out) => out.end(small),
      );
      expect(reply.status).toBe(401);
    }
    // 2. 415: a body that is not JSON.
    const typed = await raw(
      'PUT',
      '/v1/calendar/settings',
      { ...auth(), 'content-type': 'text/plain', 'content-length': '5' },
      (out) => out.end('hello'),
    );
    expect(typed.status).toBe(415);
    // 3. 413 by an honest Content-Length over 1 MiB, on an authenticated and an unauthenticated route.
    const twoMiB = Buffer.alloc(2 * 1024 * 1024, 0x20);
    for (const path of ['/v1/calendar/settings', '/v1/calendar/webhooks/microsoft']) {
      const honest = await raw(
        path.includes('settings') ? 'PUT' : 'POST',
        path,
        { ...auth(), ...json, 'content-length': String(twoMiB.length) },
        (out) => out.end(twoMiB),
      );
      expect(honest.status, path).toBe(413);
    }
    // 4. A chunked 2 MiB body (no Content-Length).
    const chunked = await raw('PUT', '/v1/calendar/settings', { ...auth(), ...json }, (out) => {
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      for (let i = 0; i < 32; i++) out.write(chunk);
      out.end();
    });
    expect(chunked.status).toBe(413);
    expect(JSON.parse(chunked.body).error.code).toBe('payload_too_large');
    // 5. A Content-Length that promises 5 MiB and sends 150 bytes: the 413 comes without waiting.
    const lying = await raw(
      'PUT',
      '/v1/calendar/settings',
      { ...auth(), ...json, 'content-length': String(5 * 1024 * 1024) },
      (out) => out.write(Buffer.alloc(150, 0x20)),
    );
    expect(lying.status).toBe(413);
    // 405 with a body, and a body on a method the path does not have, without a token.
    const wrongMethod = await raw(
      'DELETE',
      '/v1/calendar/settings',
      { ...json, 'content-length': '2' },
      (out) => out.end('{}'),
    );
    expect(wrongMethod.status).toBe(405);

    // 6. 1,000 concurrent webhook deliveries (forged: each gets the same answer as a real one).
    const deliveries = await Promise.all(
      Array.from({ length: 1000 }, async (_, i) => {
        const google = i % 2 === 0;
        const res = await fetch(`${stack.baseUrl}/v1/calendar/webhooks/${google ? 'google' : 'microsoft'}`, {
          method: 'POST',
          headers: google
            ? {
                'x-goog-channel-id': `${crypto.randomUUID()}.n${i}`,
                'x-goog-channel-token': 'forged',
                'x-goog-resource-state': 'exists',
                'x-goog-message-number': String(i),
              }
            : json,
          body: google
            ? '{}'
            : JSON.stringify({
                value: [
                  {
                    subscriptionId: crypto.randomUUID(),
                    clientState: `${crypto.randomUUID()}.n.s${i}`,
                    changeType: 'updated',
                    resource: `me/events/${i}`,
                  },
                ],
              }),
        });
        await res.arrayBuffer();
        return res.status;
      }),
    );
    expect(deliveries.filter((status) => status === 204)).toHaveLength(500);
    expect(deliveries.filter((status) => status === 202)).toHaveLength(500);

    // 7. 300 concurrent provider writes on a connected calendar, each pushed to the worker.
    await connectGoogle();
    await expect
      .poll(
        async () => {
          const channels = (await (await control('/push/channels')).json()) as {
            google: Array<{ account: string; live: boolean }>;
          };
          return channels.google.some((channel) => channel.live && channel.account.includes(OWNER_EMAIL));
        },
        { timeout: 90_000, interval: 500 },
      )
      .toBe(true);
    const before = ((await (await control('/deliveries')).json()) as unknown[]).length;
    const start = Date.now() + 48 * 3_600_000;
    await Promise.all(
      Array.from({ length: 300 }, (_, i) =>
        control(`/accounts/google/${OWNER_EMAIL}/events`, {
          event: {
            summary: `Storm ${i}`,
            start: { dateTime: new Date(start + i * 60_000).toISOString() },
            end: { dateTime: new Date(start + i * 60_000 + 1_800_000).toISOString() },
          },
        }),
      ),
    );
    await control('/settle', {});
    const pushes = (
      (await (await control('/deliveries')).json()) as Array<{ kind: string; status: number | 'error' }>
    )
      .slice(before)
      .filter((delivery) => delivery.kind === 'google_push');
    expect(pushes.length).toBeGreaterThanOrEqual(300);
    // Every push the worker answered got its 204 (never a 4xx/5xx). A few of the emulator's 300
    // simultaneous connections can fail before reaching workerd ('error', never logged by the
    // worker); the storm still has to land in the mirror below, and the process to stay up.
    expect(pushes.filter((delivery) => delivery.status !== 204 && delivery.status !== 'error')).toEqual([]);
    expect(pushes.filter((delivery) => delivery.status === 204).length).toBeGreaterThan(pushes.length / 2);

    // Then: a normal request succeeds, the storm reached the mirror, and workerd never exited.
    expect(await settings()).toBe(200);
    await expect
      .poll(
        async () => {
          const res = await fetch(
            `${stack.baseUrl}/v1/calendar/events?time_min=${encodeURIComponent(new Date(start - 60_000).toISOString())}&time_max=${encodeURIComponent(new Date(start + 301 * 60_000).toISOString())}&limit=500`,
            { headers: auth() },
          );
          const body = (await res.json()) as { events?: Array<{ title?: string }> };
          return (body.events ?? []).length;
        },
        { timeout: 90_000, interval: 1_000 },
      )
      .toBeGreaterThanOrEqual(300);
    expect(running()).toMatchObject({ runtimePid: pid, runtimeRestarts: 0 });
    expect(processState(pid ?? 0)).toMatch(/^[RSD]$/);
    expect(stack.output()).not.toContain('crashed');
  });
});
