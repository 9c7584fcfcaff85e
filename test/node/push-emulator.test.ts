/**
 * The emulator's push extras (issue 16): the relay outbox that carries deliveries (including Graph's
 * validation handshake) to a worker that listens on no port, each account's push clock, Date headers
 * from that clock, and Graph's refusal to renew an expired subscription.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningEmulator, startEmulator } from '../../emulator/server.ts';
import { connect, control, provision } from '../support/emulator.ts';

const MEGAN = 'megan@push.example';
const ALICE = 'alice@push.example';
const RELAY_HOST = 'relay.push.test';
let emulator: RunningEmulator;
let graphToken: string;
let googleToken: string;

interface Entry {
  id: string;
  kind: string;
  url: string;
  headers: Record<string, string>;
  body: string | null;
}

beforeAll(async () => {
  emulator = await startEmulator({ seed: 5 });
  await control(emulator, '/accounts', { provider: 'microsoft', email: MEGAN });
  await control(emulator, '/accounts', { provider: 'google', email: ALICE });
  graphToken = (await connect(await provision(emulator, 'microsoft'), MEGAN)).access_token;
  googleToken = (await connect(await provision(emulator, 'google'), ALICE)).access_token;
  await control(emulator, '/push/relay', { hosts: [RELAY_HOST] });
});
afterAll(() => emulator?.close());

const take = (waitMs = 2_000) =>
  control<Entry[]>(emulator, `/push/outbox?host=${RELAY_HOST}&wait_ms=${waitMs}`);
const answer = (entry: Entry, status: number, body = '') =>
  control(emulator, `/push/outbox/${entry.id}`, { status, body });

const graph = (path: string, method: string, body?: unknown) =>
  fetch(`${emulator.graphUrl}/v1.0${path}`, {
    method,
    headers: { authorization: `Bearer ${graphToken}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });

describe('relay and push clock', () => {
  it('Graph: the handshake and notifications go through the outbox; an expired subscription cannot be renewed', async () => {
    const creating = graph('/subscriptions', 'POST', {
      changeType: 'created,updated,deleted',
      notificationUrl: `https://${RELAY_HOST}/hook`,
      lifecycleNotificationUrl: `https://${RELAY_HOST}/hook`,
      resource: 'me/events',
      expirationDateTime: new Date(Date.now() + 3 * 86_400_000).toISOString(),
      clientState: 'state',
    });
    for (let handshakes = 0; handshakes < 2; ) {
      for (const entry of await take()) {
        expect(entry.kind).toBe('graph_validation');
        const token = new URL(entry.url).searchParams.get('validationToken') ?? '';
        await answer(entry, 200, token);
        handshakes += 1;
      }
    }
    const created = await creating;
    expect(created.status).toBe(201);
    const subscription = (await created.json()) as { id: string; expirationDateTime: string };
    expect(Math.abs(Date.parse(created.headers.get('date') ?? '') - Date.now())).toBeLessThan(5_000);

    await control(emulator, `/accounts/microsoft/${MEGAN}/events`, {
      event: {
        subject: 'Relayed',
        start: { dateTime: '2027-06-01T10:00:00', timeZone: 'UTC' },
        end: { dateTime: '2027-06-01T11:00:00', timeZone: 'UTC' },
      },
    });
    const [notification] = await take();
    expect(notification?.kind).toBe('graph_notification');
    expect(JSON.parse(notification?.body ?? '{}').value[0]).toMatchObject({
      clientState: 'state',
      changeType: 'created',
    });
    if (notification) await answer(notification, 202);

    // reauthorizationRequired holds change notifications until the subscription is renewed.
    const event = (subject: string) =>
      control(emulator, `/accounts/microsoft/${MEGAN}/events`, {
        event: {
          subject,
          start: { dateTime: '2027-06-02T10:00:00', timeZone: 'UTC' },
          end: { dateTime: '2027-06-02T11:00:00', timeZone: 'UTC' },
        },
      });
    await control(emulator, `/subscriptions/${subscription.id}/lifecycle`, {
      event: 'reauthorizationRequired',
    });
    const [lifecycle] = await take();
    expect(JSON.parse(lifecycle?.body ?? '{}').value[0]).toMatchObject({
      lifecycleEvent: 'reauthorizationRequired',
    });
    if (lifecycle) await answer(lifecycle, 202);
    await event('Held');
    expect(await take(500)).toEqual([]);
    const reauthorized = await graph(`/subscriptions/${subscription.id}`, 'PATCH', {
      expirationDateTime: new Date(Date.now() + 3 * 86_400_000).toISOString(),
    });
    expect(reauthorized.status).toBe(200);
    await event('Delivered again');
    const [resumed] = await take();
    expect(resumed?.kind).toBe('graph_notification');
    if (resumed) await answer(resumed, 202);

    // Four days later on this account's push clock: the subscription lapsed and is gone.
    await control(emulator, '/push/clock', { account: `microsoft:${MEGAN}`, advance_seconds: 4 * 86_400 });
    const { microsoft } = await control<{ microsoft: Array<{ id: string; live: boolean }> }>(
      emulator,
      '/push/channels',
    );
    expect(microsoft.find((s) => s.id === subscription.id)?.live).toBe(false);
    const renewal = await graph(`/subscriptions/${subscription.id}`, 'PATCH', {
      expirationDateTime: new Date(Date.now() + 5 * 86_400_000).toISOString(),
    });
    expect(renewal.status).toBe(404);
    expect(Date.parse(renewal.headers.get('date') ?? '') - Date.now()).toBeGreaterThan(3.9 * 86_400_000);
  });

  it('Google: a relayed sync message, expiry on the push clock, no delivery after it', async () => {
    const watch = await fetch(`${emulator.url}/calendar/v3/calendars/primary/events/watch`, {
      method: 'POST',
      headers: { authorization: `Bearer ${googleToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        id: 'chan-relay',
        type: 'web_hook',
        address: `https://${RELAY_HOST}/g`,
        token: 't',
      }),
    });
    expect(watch.status).toBe(200);
    const channel = (await watch.json()) as { expiration: string };
    expect(Number(channel.expiration) - Date.now()).toBeGreaterThan(6.9 * 86_400_000);
    const [sync] = await take();
    expect(sync?.headers).toMatchObject({ 'x-goog-resource-state': 'sync', 'x-goog-message-number': '1' });
    if (sync) await answer(sync, 200);

    await control(emulator, '/push/clock', { account: `google:${ALICE}`, advance_seconds: 8 * 86_400 });
    await control(emulator, `/accounts/google/${ALICE}/events`, {
      event: {
        summary: 'After expiry',
        start: { dateTime: '2027-06-01T10:00:00Z' },
        end: { dateTime: '2027-06-01T11:00:00Z' },
      },
    });
    expect(await take(300)).toEqual([]);
  });
});
