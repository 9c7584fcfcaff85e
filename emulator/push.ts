/**
 * Change notifications, fired after every event change: Google push channels (empty POST with the
 * X-Goog-* headers) and Graph subscriptions (JSON with clientState), plus Graph's validation
 * handshake. Deliveries are fire-and-forget and recorded so tests can assert on them.
 *
 * Relay: a worker under test (vitest-pool-workers) listens on no port, so deliveries to hosts named
 * with `POST /_control/push/relay` wait in an outbox instead; the test takes them
 * (`GET /_control/push/outbox`, long-poll), hands them to the worker and posts the answer back
 * (`POST /_control/push/outbox/:id`). The emulator sees the worker's real status and body, so the
 * validation handshake works the same way through the relay.
 */

import type { Hono } from 'hono';
import { controlNotFound } from './http.ts';
import { toGraphId } from './microsoft/ids.ts';
import { type Account, accountKey, type Calendar, type StoredEvent } from './model.ts';
import type { EmulatorState, GoogleChannel, GraphSubscription } from './state.ts';

export type ChangeType = 'created' | 'updated' | 'deleted';
type DeliveryKind = 'google_push' | 'graph_notification' | 'graph_lifecycle' | 'graph_validation';

/** Deliveries wait at most this long for an answer, as the real services do (Graph: 10 s handshake). */
const DELIVERY_TIMEOUT_MS = 10_000;

interface RelayEntry {
  id: string;
  kind: DeliveryKind;
  url: string;
  method: string;
  headers: Record<string, string>;
  body: string | null;
  answer: (result: { status: number; text: string }) => void;
}

class Relay {
  readonly hosts = new Set<string>();
  readonly queue: RelayEntry[] = [];
  readonly taken = new Map<string, RelayEntry>();
  #waiters: Array<() => void> = [];
  #next = 0;

  enqueue(entry: Omit<RelayEntry, 'id'>): void {
    this.#next += 1;
    this.queue.push({ ...entry, id: String(this.#next) });
    for (const wake of this.#waiters.splice(0)) wake();
  }

  /** Entries for `host`, waiting up to `waitMs` for the first one. */
  async take(host: string, waitMs: number): Promise<RelayEntry[]> {
    const deadline = Date.now() + waitMs;
    for (;;) {
      const mine = this.queue.filter((entry) => new URL(entry.url).host === host);
      if (mine.length || Date.now() >= deadline) {
        for (const entry of mine) {
          this.queue.splice(this.queue.indexOf(entry), 1);
          this.taken.set(entry.id, entry);
        }
        return mine;
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, deadline - Date.now());
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }
}

/**
 * Push time of one account: the emulator clock plus that account's own offset
 * (`POST /_control/push/clock`). Moving it ages the account's channels and subscriptions (expiry,
 * renewal limits, Date headers) without moving tokens, codes or cursors of anyone else, so a test
 * can simulate weeks of push while other tests share the emulator.
 */
const pushOffsets = new WeakMap<EmulatorState, Map<string, number>>();
export function pushNow(state: EmulatorState, account: string): number {
  return state.clock.now() + (pushOffsets.get(state)?.get(account) ?? 0);
}

const relays = new WeakMap<EmulatorState, Relay>();
const relayOf = (state: EmulatorState): Relay => {
  let relay = relays.get(state);
  if (!relay) {
    relay = new Relay();
    relays.set(state, relay);
  }
  return relay;
};

/** One request to a subscriber's URL (directly, or through the relay); its status and body text. */
export async function exchange(
  state: EmulatorState,
  kind: DeliveryKind,
  url: string,
  init: { method: string; headers: Record<string, string>; body?: string },
): Promise<{ status: number | 'error'; text: string }> {
  let result: { status: number | 'error'; text: string } = { status: 'error', text: '' };
  const relay = relays.get(state);
  if (relay?.hosts.has(new URL(url).host)) {
    result = await new Promise((resolve) => {
      const timer = setTimeout(() => resolve({ status: 'error', text: '' }), DELIVERY_TIMEOUT_MS);
      relay.enqueue({
        kind,
        url,
        method: init.method,
        headers: init.headers,
        body: init.body ?? null,
        answer: (answer) => {
          clearTimeout(timer);
          resolve(answer);
        },
      });
    });
  } else {
    try {
      const res = await fetch(url, { ...init, signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS) });
      result = { status: res.status, text: await res.text() };
    } catch {
      result = { status: 'error', text: '' };
    }
  }
  state.deliveries.push({ kind, url, status: result.status, at: state.clock.now() });
  return result;
}

async function deliver(
  state: EmulatorState,
  kind: 'google_push' | 'graph_notification' | 'graph_lifecycle',
  url: string,
  init: { method: string; headers: Record<string, string>; body?: string },
) {
  await exchange(state, kind, url, init);
}

export function sendGooglePush(
  state: EmulatorState,
  channel: GoogleChannel,
  resourceState: 'sync' | 'exists',
): void {
  channel.messageNumber += resourceState === 'sync' ? 0 : state.random.int(1, 5);
  const headers: Record<string, string> = {
    'x-goog-channel-id': channel.id,
    'x-goog-channel-expiration': new Date(channel.expiration).toUTCString(),
    'x-goog-message-number': String(resourceState === 'sync' ? 1 : channel.messageNumber),
    'x-goog-resource-id': channel.resourceId,
    'x-goog-resource-state': resourceState,
    'x-goog-resource-uri': `https://www.googleapis.com/calendar/v3/calendars/${encodeURIComponent(channel.calendarIdAsGiven)}/events?alt=json`,
    'user-agent': 'APIs-Google; (+https://developers.google.com/webmasters/APIs-Google.html)',
    'content-length': '0',
  };
  if (channel.token) headers['x-goog-channel-token'] = channel.token;
  state.track(deliver(state, 'google_push', channel.address, { method: 'POST', headers }));
}

export function sendGraphNotification(
  state: EmulatorState,
  subscription: GraphSubscription,
  account: Account,
  event: StoredEvent,
  change: ChangeType,
): void {
  // Waiting for reauthorization: Graph delivers nothing on this subscription until it is renewed.
  if (subscription.reauthorizationRequired) return;
  const resource = `Users/${account.id}/Events/${toGraphId(event.id)}`;
  const body = {
    value: [
      {
        id: state.token('', 16),
        subscriptionId: subscription.id,
        subscriptionExpirationDateTime: new Date(subscription.expirationDateTime).toISOString(),
        ...(subscription.clientState !== undefined ? { clientState: subscription.clientState } : {}),
        changeType: change,
        resource,
        tenantId: '72f988bf-86f1-41af-91ab-2d7cd011db47',
        resourceData: {
          '@odata.type': '#Microsoft.Graph.Event',
          '@odata.id': resource,
          '@odata.etag': `W/"${event.version}"`,
          id: toGraphId(event.id),
        },
      },
    ],
  };
  state.track(
    deliver(state, 'graph_notification', subscription.notificationUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify(body),
    }),
  );
}

export function sendGraphLifecycle(
  state: EmulatorState,
  subscription: GraphSubscription,
  lifecycleEvent: 'reauthorizationRequired' | 'subscriptionRemoved' | 'missed',
): boolean {
  const url = subscription.lifecycleNotificationUrl;
  if (!url) return false;
  const body = {
    value: [
      {
        subscriptionId: subscription.id,
        subscriptionExpirationDateTime: new Date(subscription.expirationDateTime).toISOString(),
        tenantId: '72f988bf-86f1-41af-91ab-2d7cd011db47',
        ...(subscription.clientState !== undefined ? { clientState: subscription.clientState } : {}),
        lifecycleEvent,
      },
    ],
  };
  state.track(
    deliver(state, 'graph_lifecycle', url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    }),
  );
  return true;
}

/** Call after every change of `event` in `calendar` of `account`. */
export function notifyChange(
  state: EmulatorState,
  account: Account,
  calendar: Calendar,
  event: StoredEvent,
  change: ChangeType,
): void {
  const key = accountKey(account.provider, account.email);
  const now = pushNow(state, key);
  if (account.provider === 'google') {
    for (const channel of state.channels.values()) {
      if (
        channel.stopped ||
        channel.expiration <= now ||
        channel.accountKey !== key ||
        channel.calendarId !== calendar.id
      )
        continue;
      sendGooglePush(state, channel, 'exists');
    }
    return;
  }
  for (const subscription of state.subscriptions.values()) {
    if (subscription.accountKey !== key || subscription.expirationDateTime <= now) continue;
    if (!subscription.changeType.split(',').includes(change)) continue;
    sendGraphNotification(state, subscription, account, event, change);
  }
}

type ControlEnv = { Variables: { state: EmulatorState } };

/** Control API of push: the relay (see the top of this file) and the live channels and subscriptions. */
export function registerPushControl(control: Hono<ControlEnv>): void {
  control.post('/push/relay', async (c) => {
    const body = (await c.req.json().catch(() => ({}))) as { hosts?: unknown };
    const hosts = Array.isArray(body.hosts)
      ? body.hosts.filter((h): h is string => typeof h === 'string')
      : [];
    for (const host of hosts) relayOf(c.get('state')).hosts.add(host);
    return c.json({ hosts: [...relayOf(c.get('state')).hosts] });
  });
  control.get('/push/outbox', async (c) => {
    const host = c.req.query('host') ?? '';
    const waitMs = Math.min(Math.max(Number(c.req.query('wait_ms') ?? 0) || 0, 0), 25_000);
    const entries = await relayOf(c.get('state')).take(host, waitMs);
    return c.json(entries.map(({ answer: _answer, ...entry }) => entry));
  });
  control.post('/push/outbox/:id', async (c) => {
    const entry = relayOf(c.get('state')).taken.get(c.req.param('id'));
    if (!entry) return controlNotFound('no such delivery');
    relayOf(c.get('state')).taken.delete(entry.id);
    const body = (await c.req.json().catch(() => ({}))) as { status?: number; body?: string };
    entry.answer({ status: Number(body.status) || 0, text: typeof body.body === 'string' ? body.body : '' });
    return c.body(null, 204);
  });
  control.post('/push/clock', async (c) => {
    const state = c.get('state');
    const body = (await c.req.json().catch(() => ({}))) as { account?: string; advance_seconds?: number };
    if (!body.account) return c.json({ error: 'account (provider:email) is required' }, 400);
    let offsets = pushOffsets.get(state);
    if (!offsets) {
      offsets = new Map();
      pushOffsets.set(state, offsets);
    }
    offsets.set(body.account, (offsets.get(body.account) ?? 0) + (Number(body.advance_seconds) || 0) * 1000);
    return c.json({ now: new Date(pushNow(state, body.account)).toISOString() });
  });
  control.get('/push/channels', (c) => {
    const state = c.get('state');
    return c.json({
      now: state.clock.now(),
      google: [...state.channels.values()].map((ch) => ({
        id: ch.id,
        account: ch.accountKey,
        address: ch.address,
        expiration: ch.expiration,
        stopped: ch.stopped,
        now: pushNow(state, ch.accountKey),
        live: !ch.stopped && ch.expiration > pushNow(state, ch.accountKey),
      })),
      microsoft: [...state.subscriptions.values()].map((sub) => ({
        id: sub.id,
        account: sub.accountKey,
        notificationUrl: sub.notificationUrl,
        expiration: sub.expirationDateTime,
        now: pushNow(state, sub.accountKey),
        live: sub.expirationDateTime > pushNow(state, sub.accountKey),
      })),
    });
  });
}
