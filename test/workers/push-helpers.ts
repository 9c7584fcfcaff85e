/**
 * Push test helpers: a relay that carries the emulator's deliveries to the worker under test (it
 * listens on no port; emulator/push.ts keeps them in an outbox for us), connections made through the
 * real OAuth flow, and readers of the object's push record and counters.
 */
import { runDurableObjectAlarm } from 'cloudflare:test';
import { env, exports } from 'cloudflare:workers';
import { sql } from 'drizzle-orm';
import { vi } from 'vitest';
import {
  connectThroughWorker,
  createAccount,
  emulatorControl,
  registerPlatformClients,
} from './connect-helpers.ts';
import { ALICE, ORG_A, ownerQuery, tokenFor } from './helpers.ts';
import { counters, readStored, scheduleRows, shiftSchedule as shiftRows } from './object-seam.ts';

export const objectOf = (connectionId: string) =>
  env.CALENDAR_CONNECTION.get(env.CALENDAR_CONNECTION.idFromName(connectionId));
export type Stub = ReturnType<typeof objectOf>;

interface OutboxEntry {
  id: string;
  url: string;
  method: string;
  headers: Record<string, string>;
  body: string | null;
}

/**
 * Turns push on for this test file (the worker and its objects share `env` with the test) with a
 * webhook origin of its own, and relays the emulator's deliveries to that origin into the worker.
 */
export interface PushRelay {
  origin: string;
  /** While true, deliveries are acknowledged (200) without reaching the worker: a channel gone silent. */
  dropping: boolean;
  stop(): Promise<void>;
}

export async function startPushRelay(): Promise<PushRelay> {
  const host = `push-${crypto.randomUUID().slice(0, 8)}.ce-calendar.test`;
  const origin = `https://${host}`;
  (env as { WEBHOOK_BASE_URL?: string }).WEBHOOK_BASE_URL = origin;
  await emulatorControl('/push/relay', { hosts: [host] });
  let running = true;
  const relay: PushRelay = {
    origin,
    dropping: false,
    async stop() {
      running = false;
      await loop;
      // Push off again, in case another file runs in this isolate after us.
      delete (env as { WEBHOOK_BASE_URL?: string }).WEBHOOK_BASE_URL;
    },
  };
  const forward = async (entry: OutboxEntry) => {
    if (relay.dropping) {
      await emulatorControl(`/push/outbox/${entry.id}`, { status: 200, body: '' });
      return;
    }
    const headers = new Headers(entry.headers);
    headers.delete('content-length');
    const response = await exports.default.fetch(
      new Request(entry.url, { method: entry.method, headers, ...(entry.body ? { body: entry.body } : {}) }),
    );
    await emulatorControl(`/push/outbox/${entry.id}`, {
      status: response.status,
      body: await response.text(),
    });
  };
  const loop = (async () => {
    while (running) {
      const entries = await emulatorControl<OutboxEntry[]>(`/push/outbox?host=${host}&wait_ms=500`).catch(
        () => [] as OutboxEntry[],
      );
      await Promise.all(entries.map((entry) => forward(entry).catch(() => undefined)));
    }
  })();
  return relay;
}

export const pushRecord = (stub: Stub) => readStored(stub, 'push');

export const pushCounters = async (stub: Stub) => (await readStored(stub, 'pushCounters')) ?? null;

export const objectCounters = (stub: Stub) => counters(stub);

/** Time travel for the schedule: every row becomes due `ms` earlier (what waiting `ms` would do). */
export const shiftSchedule = (stub: Stub, ms: number) => shiftRows(stub, ms);

/** Runs every row that is due now (the alarm may already be on its way: run it until none is due). */
export async function runDue(stub: Stub): Promise<void> {
  for (let i = 0; i < 10; i++) {
    await runDurableObjectAlarm(stub);
    const horizon = Date.now() + 1_000;
    if (!(await scheduleRows(stub)).some((row) => row.dueAt <= horizon)) return;
  }
}

/** A connection made through the real OAuth flow whose first sync ran and whose channel is open. */
export async function pushConnection(
  provider: 'google' | 'microsoft',
  email: string,
): Promise<{ id: string; stub: Stub }> {
  await registerPlatformClients();
  await createAccount(provider, email);
  await connectThroughWorker(
    await tokenFor({ sub: ALICE, org_id: ORG_A, permissions: ['ce.calendar.connect', 'ce.calendar.view'] }),
    provider,
    email,
  );
  const [row] = await ownerQuery<{ id: string }>(
    sql`select id from ce_calendar_connections where account_email = ${email}`,
  );
  if (!row) throw new Error('not connected');
  const stub = objectOf(row.id);
  await shiftSchedule(stub, 2_000);
  await runDue(stub);
  // Settled: the channel is open and the next poll is planned (no run in flight).
  await vi.waitUntil(
    async () =>
      (await pushRecord(stub))?.channel != null &&
      (await stub.status(crypto.randomUUID())).schedule.some((row) => row.kind === 'poll'),
    { timeout: 15_000, interval: 100 },
  );
  return { id: row.id, stub };
}

export interface LiveChannels {
  now: number;
  google: Array<{
    id: string;
    account: string;
    expiration: number;
    now: number;
    live: boolean;
    stopped: boolean;
  }>;
  microsoft: Array<{ id: string; account: string; expiration: number; now: number; live: boolean }>;
}

export const emulatorChannels = () => emulatorControl<LiveChannels>('/push/channels');

/** The account's live channels (Google) or subscriptions (Graph) in the emulator. */
export async function liveFor(provider: 'google' | 'microsoft', email: string) {
  const channels = await emulatorChannels();
  return channels[provider].filter((c) => c.account === `${provider}:${email}` && c.live);
}

export async function mirroredTitle(connectionId: string, title: string): Promise<boolean> {
  const rows = await ownerQuery<{ n: number }>(
    sql`select count(*)::int as n from ce_calendar_events where connection_id = ${connectionId} and title = ${title}`,
  );
  return (rows[0]?.n ?? 0) > 0;
}
