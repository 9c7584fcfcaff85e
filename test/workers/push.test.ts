/**
 * Push end to end (issue 16): an event changed in the emulator reaches the mirror through the
 * webhook while the next poll is 15 minutes away; forged, replayed and malformed notifications are
 * rejected or ignored without triggering a sync, never answered 5xx, never reflected.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { channelSecret } from '../../durable-objects/push/channel-ref.ts';
import { emulatorControl } from './connect-helpers.ts';
import { call } from './helpers.ts';
import { footprint } from './object-seam.ts';
import {
  liveFor,
  mirroredTitle,
  objectCounters,
  objectOf,
  pushConnection,
  pushCounters,
  pushRecord,
  type Stub,
  startPushRelay,
} from './push-helpers.ts';

let relay: Awaited<ReturnType<typeof startPushRelay>>;
beforeAll(async () => {
  relay = await startPushRelay();
});
afterAll(async () => {
  await relay.stop();
});

const soon = (minutes: number) => new Date(Date.now() + minutes * 60_000).toISOString();

/** The next poll is far away: only a notification can explain a change reaching the mirror now. */
async function expectPollFarAway(stub: Stub) {
  const status = await stub.status(crypto.randomUUID());
  const poll = status.schedule.find((row) => row.kind === 'poll');
  expect(Date.parse(poll?.dueAt ?? '')).toBeGreaterThan(Date.now() + 10 * 60_000);
}

describe('push reaches the mirror without waiting for the poll', () => {
  it('Google: events.watch channel → X-Goog push → coalesced sync → row', async () => {
    const email = 'push.e2e@acme.example';
    const { id, stub } = await pushConnection('google', email);
    expect(await liveFor('google', email)).toHaveLength(1);
    await expectPollFarAway(stub);
    const title = `Pushed ${crypto.randomUUID().slice(0, 6)}`;
    await emulatorControl(`/accounts/google/${email}/events`, {
      event: { summary: title, start: { dateTime: soon(60) }, end: { dateTime: soon(90) } },
    });
    await vi.waitUntil(() => mirroredTitle(id, title), { timeout: 10_000, interval: 100 });
    const counters = await pushCounters(stub);
    expect(counters?.accepted).toBeGreaterThanOrEqual(2); // the sync message and the change
    expect(counters?.rejected).toBe(0);
  });

  it('Microsoft: subscription (validated through the webhook) → notification → row', async () => {
    const email = 'push.e2e@contoso.example';
    const { id, stub } = await pushConnection('microsoft', email);
    expect(await liveFor('microsoft', email)).toHaveLength(1);
    await expectPollFarAway(stub);
    const title = `Pushed ${crypto.randomUUID().slice(0, 6)}`;
    await emulatorControl(`/accounts/microsoft/${email}/events`, {
      event: {
        subject: title,
        start: { dateTime: soon(60).slice(0, 19), timeZone: 'UTC' },
        end: { dateTime: soon(90).slice(0, 19), timeZone: 'UTC' },
      },
    });
    await vi.waitUntil(() => mirroredTitle(id, title), { timeout: 10_000, interval: 100 });
    expect((await pushCounters(stub))?.accepted).toBeGreaterThanOrEqual(1);
  });
});

/** A Google push as Google would send it for `ref` (optionally with another token or number). */
const googlePush = (headers: Record<string, string>) =>
  call('/v1/calendar/webhooks/google', {
    method: 'POST',
    headers: {
      'x-goog-resource-state': 'exists',
      'x-goog-resource-id': 'rid',
      'x-goog-message-number': '999999',
      ...headers,
    },
  });

const graphPost = (body: string, query = '') =>
  call(`/v1/calendar/webhooks/microsoft${query}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
  });

describe('forged and malformed notifications', () => {
  it('Google: wrong token, unknown channel, replayed message, malformed, oversized → no sync, no 5xx', async () => {
    const { stub, id } = await pushConnection('google', 'push.forged@acme.example');
    // The sync message (number 1) reached the channel, whether it came before or after the watch answered.
    await vi.waitUntil(async () => (await pushRecord(stub))?.channel?.lastSequence === 1, {
      timeout: 10_000,
      interval: 100,
    });
    const record = await pushRecord(stub);
    const ref = record?.channel?.channelRef ?? '';
    expect(ref.startsWith(id)).toBe(true);
    const before = await objectCounters(stub);
    const pushBefore = await pushCounters(stub);

    const forgedToken = await googlePush({
      'x-goog-channel-id': ref,
      'x-goog-channel-token': 'A'.repeat(43),
    });
    const noToken = await googlePush({ 'x-goog-channel-id': ref });
    const unknownShape = await googlePush({ 'x-goog-channel-id': 'not-ours', 'x-goog-channel-token': 'x' });
    const otherObject = await googlePush({
      'x-goog-channel-id': `${crypto.randomUUID()}.AAAAAAAAAAAAAAAA`,
      'x-goog-channel-token': 'A'.repeat(43),
    });
    // Replays: the right token (as Google holds it) with the number of the sync message Google
    // actually sent (1), with no number, and with 0.
    expect(record?.channel?.lastSequence).toBe(1);
    const secret = await channelSecret(record?.key ?? '', ref);
    const replay = await googlePush({
      'x-goog-channel-id': ref,
      'x-goog-channel-token': secret,
      'x-goog-message-number': '1',
    });
    const replayNoNumber = await call('/v1/calendar/webhooks/google', {
      method: 'POST',
      headers: {
        'x-goog-channel-id': ref,
        'x-goog-channel-token': secret,
        'x-goog-resource-state': 'exists',
        'x-goog-resource-id': 'rid',
      },
    });
    const replayZero = await googlePush({
      'x-goog-channel-id': ref,
      'x-goog-channel-token': secret,
      'x-goog-message-number': '0',
    });
    const replayNonNumeric = await googlePush({
      'x-goog-channel-id': ref,
      'x-goog-channel-token': secret,
      'x-goog-message-number': 'abc',
    });
    const replays = [replay, replayNoNumber, replayZero, replayNonNumeric];
    for (const response of [forgedToken, noToken, unknownShape, otherObject, ...replays]) {
      expect(response.status).toBe(204);
      expect(await response.text()).toBe('');
    }
    const malformed = await call('/v1/calendar/webhooks/google', {
      method: 'POST',
      headers: { 'x-goog-channel-id': ref, 'x-goog-resource-state': '<b>exists</b>' },
    });
    expect(malformed.status).toBe(400);
    expect(await malformed.text()).not.toContain('<b>');
    // Names of Object.prototype members are not resource states.
    for (const state of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
      const inherited = await googlePush({
        'x-goog-channel-id': ref,
        'x-goog-channel-token': secret,
        'x-goog-resource-state': state,
        'x-goog-message-number': '5000',
      });
      expect(inherited.status).toBe(400);
      expect(JSON.stringify(await inherited.json())).toContain('x-goog-resource-state');
    }
    // The 400 names the header that is actually missing.
    const noChannel = await call('/v1/calendar/webhooks/google', {
      method: 'POST',
      headers: { 'x-goog-resource-state': 'exists', 'x-goog-message-number': '5001' },
    });
    expect(noChannel.status).toBe(400);
    const noChannelBody = JSON.stringify(await noChannel.json());
    expect(noChannelBody).toContain('x-goog-channel-id');
    expect(noChannelBody).not.toContain('x-goog-resource-state');
    const huge = await call('/v1/calendar/webhooks/google', {
      method: 'POST',
      headers: { 'x-goog-channel-id': ref, 'x-goog-resource-state': 'exists' },
      body: 'x'.repeat(1024 * 1024 + 1),
    });
    expect(huge.status).toBe(413);

    const after = await objectCounters(stub);
    const pushAfter = await pushCounters(stub);
    expect(after.syncRequests).toBe(before.syncRequests);
    expect((pushAfter?.rejected ?? 0) - (pushBefore?.rejected ?? 0)).toBe(2);
    expect((pushAfter?.ignored ?? 0) - (pushBefore?.ignored ?? 0)).toBe(replays.length);
    expect(pushAfter?.accepted).toBe(pushBefore?.accepted);

    // The same channel with the right token and a new number is accepted (the checks above were not vacuous).
    const fresh = await googlePush({
      'x-goog-channel-id': ref,
      'x-goog-channel-token': secret,
      'x-goog-message-number': '1001',
    });
    expect(fresh.status).toBe(204);
    expect((await objectCounters(stub)).syncRequests).toBe(before.syncRequests + 1);
  });

  it('Microsoft: one batch carrying notifications for two connections syncs both', async () => {
    const connections = await Promise.all(
      ['push.fanout1@contoso.example', 'push.fanout2@contoso.example'].map((email) =>
        pushConnection('microsoft', email),
      ),
    );
    const items = await Promise.all(
      connections.map(async ({ stub }, index) => {
        const record = await pushRecord(stub);
        const ref = record?.channel?.channelRef ?? '';
        return {
          id: `fanout-${index}-${crypto.randomUUID()}`,
          subscriptionId: record?.channel?.providerId,
          clientState: `${ref}.${await channelSecret(record?.key ?? '', ref)}`,
          changeType: 'updated',
          resource: 'Users/x/Events/y',
        };
      }),
    );
    const before = await Promise.all(
      connections.map(async ({ stub }) => (await objectCounters(stub)).syncRequests),
    );
    expect((await graphPost(JSON.stringify({ value: items }))).status).toBe(202);
    await vi.waitUntil(
      async () => {
        const after = await Promise.all(
          connections.map(async ({ stub }) => (await objectCounters(stub)).syncRequests),
        );
        return after.every((n, index) => n === (before[index] ?? 0) + 1);
      },
      { timeout: 10_000, interval: 100 },
    );
  });

  it('Microsoft: wrong clientState, replayed id, malformed, oversized, markup in validationToken', async () => {
    const { stub } = await pushConnection('microsoft', 'push.forged@contoso.example');
    const record = await pushRecord(stub);
    const channel = record?.channel;
    const ref = channel?.channelRef ?? '';
    const secret = await channelSecret(record?.key ?? '', ref);
    const before = await objectCounters(stub);
    const item = (clientState: string, id: string) => ({
      id,
      subscriptionId: channel?.providerId,
      clientState,
      changeType: 'updated',
      resource: 'Users/x/Events/y',
    });

    const forged = await graphPost(JSON.stringify({ value: [item(`${ref}.${'B'.repeat(43)}`, 'n-1')] }));
    const foreign = await graphPost(
      JSON.stringify({ value: [item(`${crypto.randomUUID()}.AAAAAAAAAAAAAAAA.${'B'.repeat(43)}`, 'n-2')] }),
    );
    const notOurs = await graphPost(JSON.stringify({ value: [item('whatever', 'n-3'), { nonsense: true }] }));
    expect([forged.status, foreign.status, notOurs.status]).toEqual([202, 202, 202]);
    expect((await objectCounters(stub)).syncRequests).toBe(before.syncRequests);

    const genuine = JSON.stringify({ value: [item(`${ref}.${secret}`, 'n-genuine')] });
    expect((await graphPost(genuine)).status).toBe(202);
    expect((await objectCounters(stub)).syncRequests).toBe(before.syncRequests + 1);
    expect((await graphPost(genuine)).status).toBe(202); // replayed: same notification id
    expect((await objectCounters(stub)).syncRequests).toBe(before.syncRequests + 1);
    // Names of Object.prototype members are not lifecycle events: skipped, nothing accepted.
    const acceptedBefore = (await pushCounters(stub))?.accepted;
    const inherited = ['constructor', '__proto__', 'toString'].map((lifecycleEvent, index) => ({
      ...item(`${ref}.${secret}`, `n-inherited-${index}`),
      lifecycleEvent,
    }));
    expect((await graphPost(JSON.stringify({ value: inherited }))).status).toBe(202);
    expect((await pushCounters(stub))?.accepted).toBe(acceptedBefore);
    expect((await objectCounters(stub)).syncRequests).toBe(before.syncRequests + 1);

    for (const body of ['{not json', JSON.stringify({ value: 'x' }), JSON.stringify([1, 2])]) {
      const response = await graphPost(body);
      expect(response.status).toBe(400);
      expect((await response.json()) as object).toHaveProperty('error.code');
    }
    const huge = await graphPost(JSON.stringify({ value: [{ pad: 'x'.repeat(1024 * 1024) }] }));
    expect(huge.status).toBe(413);

    const markup = '<script>alert(1)</script>&"\'';
    const handshake = await graphPost('', `?validationToken=${encodeURIComponent(markup)}`);
    expect(handshake.status).toBe(200);
    expect(handshake.headers.get('content-type')).toMatch(/^text\/plain/);
    const echoed = await handshake.text();
    expect(echoed).not.toContain('<');
    expect(echoed).toBe('&#60;script&#62;alert(1)&#60;/script&#62;&#38;&#34;&#39;');
    const plain = 'Validation: Testing client application reachability for subscription Request-Id: 1';
    expect(await (await graphPost('', `?validationToken=${encodeURIComponent(plain)}`)).text()).toBe(plain);
    const tooLong = await graphPost('', `?validationToken=${'a'.repeat(2000)}`);
    expect(tooLong.status).toBe(400);
    expect((await objectCounters(stub)).syncRequests).toBe(before.syncRequests + 1);
    expect((await pushCounters(stub))?.rejected).toBe(1);
  });
});

describe('a forged notification naming a connection that does not exist', () => {
  /** Everything the object keeps: its key-value pairs, its SQLite tables, its alarm. */
  const storageOf = (connectionId: string) => footprint(objectOf(connectionId));

  it('leaves no storage behind in the object it names, and is answered like any unknown channel', async () => {
    const googleTarget = crypto.randomUUID();
    const graphTarget = crypto.randomUUID();
    const forgedGoogle = await googlePush({
      'x-goog-channel-id': `${googleTarget}.AAAAAAAAAAAAAAAA`,
      'x-goog-channel-token': 'A'.repeat(43),
    });
    const unknownGoogle = await googlePush({ 'x-goog-channel-id': 'not-ours', 'x-goog-channel-token': 'x' });
    const graphItem = (clientState: string) =>
      JSON.stringify({
        value: [{ id: 'n-1', subscriptionId: 's-1', clientState, changeType: 'updated', resource: 'x' }],
      });
    const forgedGraph = await graphPost(graphItem(`${graphTarget}.AAAAAAAAAAAAAAAA.${'B'.repeat(43)}`));
    const unknownGraph = await graphPost(graphItem('whatever'));
    const answer = async (response: Response) => ({
      status: response.status,
      body: await response.text(),
      type: response.headers.get('content-type'),
    });
    expect(await answer(forgedGoogle)).toEqual(await answer(unknownGoogle));
    expect(await answer(forgedGraph)).toEqual(await answer(unknownGraph));
    expect(forgedGoogle.status).toBe(204);
    expect(forgedGraph.status).toBe(202);

    // The RPC itself says so, and (like the route's calls) stores nothing.
    const direct = crypto.randomUUID();
    const verdict = await objectOf(direct).pushNotification(
      {
        channelRef: `${direct}.AAAAAAAAAAAAAAAA`,
        secret: 'A'.repeat(43),
        providerId: 'p',
        kind: 'changed',
      },
      crypto.randomUUID(),
    );
    expect(verdict).toEqual({ outcome: 'unknown', action: 'none' });

    for (const target of [googleTarget, graphTarget, direct]) {
      const stored = await storageOf(target);
      expect(stored.keys).toEqual([]);
      // workerd's own bookkeeping tables (_cf_*) aside, the object created nothing.
      expect(stored.tables.filter((name) => !name.startsWith('_cf_'))).toEqual([]);
      expect(stored.alarm).toBeNull();
    }
  });
});
