/**
 * Push over time (issue 16): 30 simulated days on the emulator clock never leave a connection without
 * a live channel or subscription; Graph lifecycle notifications recover; a channel we own but no
 * longer keep is stopped when it calls; pause and disconnect stop channels.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { emulatorControl } from './connect-helpers.ts';
import { ALICE, call, ORG_A, ownerQuery, tokenFor } from './helpers.ts';
import { readStored, scheduleRows, writeStored } from './object-seam.ts';
import {
  emulatorChannels,
  liveFor,
  mirroredTitle,
  objectCounters,
  pushConnection,
  pushCounters,
  pushRecord,
  runDue,
  shiftSchedule,
  startPushRelay,
} from './push-helpers.ts';

let relay: Awaited<ReturnType<typeof startPushRelay>>;
beforeAll(async () => {
  relay = await startPushRelay();
});
afterAll(async () => {
  await relay.stop();
});

const HOUR = 3_600_000;
const STEP_HOURS = 12;

describe('renewal across 30 simulated days', () => {
  for (const provider of ['google', 'microsoft'] as const) {
    it(`${provider}: a live channel at every step, renewed before expiry`, { timeout: 180_000 }, async () => {
      const email = `push.days.${provider}@renewal.example`;
      const { stub } = await pushConnection(provider, email);
      for (let hours = 0; hours < 30 * 24; hours += STEP_HOURS) {
        // The account's push clock (emulator/push.ts): other tests share the emulator's global clock.
        await emulatorControl('/push/clock', {
          account: `${provider}:${email}`,
          advance_seconds: STEP_HOURS * 3600,
        });
        const before = await liveFor(provider, email);
        expect(
          before.length,
          `live at +${hours + STEP_HOURS} h before the object ran`,
        ).toBeGreaterThanOrEqual(1);
        await shiftSchedule(stub, STEP_HOURS * HOUR);
        await runDue(stub);
        const after = await liveFor(provider, email);
        expect(after.length, `live at +${hours + STEP_HOURS} h`).toBeGreaterThanOrEqual(1);
        // Never left closer to expiry than one step: the next step cannot find it lapsed.
        expect(Math.max(...after.map((c) => c.expiration - c.now))).toBeGreaterThan(STEP_HOURS * HOUR);
      }
      const counters = await pushCounters(stub);
      expect(counters?.renewed).toBeGreaterThanOrEqual(4);
      expect(counters?.failures).toBe(0);
      // Google replaces channels: the replaced ones were stopped, so one channel lives, not five.
      expect(await liveFor(provider, email)).toHaveLength(1);
    });
  }
});

describe('Graph lifecycle notifications', () => {
  it('reauthorizationRequired renews, subscriptionRemoved recreates, missed runs a full round', async () => {
    const email = 'push.lifecycle@contoso.example';
    const { id, stub } = await pushConnection('microsoft', email);
    const first = (await pushRecord(stub))?.channel;
    if (!first) throw new Error('no subscription');

    await emulatorControl(`/subscriptions/${first.providerId}/lifecycle`, {
      event: 'reauthorizationRequired',
    });
    await vi.waitUntil(async () => (await pushCounters(stub))?.renewed === 1, {
      timeout: 10_000,
      interval: 100,
    });
    // The emulator held changes until the renewal (as Graph does); renewed, a change arrives by push again.
    const title = `Reauthorized ${crypto.randomUUID().slice(0, 6)}`;
    const at = (minutes: number) => new Date(Date.now() + minutes * 60_000).toISOString().slice(0, 19);
    await emulatorControl(`/accounts/microsoft/${email}/events`, {
      event: {
        subject: title,
        start: { dateTime: at(60), timeZone: 'UTC' },
        end: { dateTime: at(90), timeZone: 'UTC' },
      },
    });
    await vi.waitUntil(() => mirroredTitle(id, title), { timeout: 10_000, interval: 100 });

    // A row Graph no longer has, as if its deletion's notification was lost: only a full round
    // (which removes what it did not list) takes it away; a delta from the stored cursor would not.
    await ownerQuery(sql`insert into ce_calendar_events (organization_id, connection_id, provider_event_id, title, start_at, end_at, series_key)
      values (${ORG_A}, ${id}, 'missed-deletion', 'Missed', now(), now() + interval '1 hour', 'missed-deletion')`);
    const phantomLeft = async () =>
      (
        await ownerQuery<{ n: number }>(
          sql`select count(*)::int as n from ce_calendar_events where connection_id = ${id} and provider_event_id = 'missed-deletion'`,
        )
      )[0]?.n ?? 0;
    expect(await phantomLeft()).toBe(1);
    const syncsBefore = (await objectCounters(stub)).syncRequests;
    const missedAt = Date.now();
    await emulatorControl(`/subscriptions/${first.providerId}/lifecycle`, { event: 'missed' });
    await vi.waitUntil(async () => (await objectCounters(stub)).syncRequests === syncsBefore + 1, {
      timeout: 10_000,
      interval: 100,
    });
    await shiftSchedule(stub, 2_000);
    await runDue(stub);
    await vi.waitUntil(async () => (await phantomLeft()) === 0, { timeout: 10_000, interval: 100 });
    const baseline = await readStored(stub, 'cursorBaseline');
    const owed = await readStored(stub, 'fullRoundOwedAt');
    expect(baseline?.startedAtMs).toBeGreaterThanOrEqual(missedAt); // the run after `missed` was a full round
    expect(owed).toBeUndefined(); // and it paid what was owed: the next poll is incremental again

    await emulatorControl(`/subscriptions/${first.providerId}/lifecycle`, { event: 'subscriptionRemoved' });
    await vi.waitUntil(
      async () => {
        const current = (await pushRecord(stub))?.channel;
        return current != null && current.providerId !== first.providerId;
      },
      { timeout: 10_000, interval: 100 },
    );
    const live = await liveFor('microsoft', email);
    expect(live.map((s) => s.id)).toEqual([(await pushRecord(stub))?.channel?.providerId]);
    expect((await pushCounters(stub))?.recreated).toBe(1);
  });
});

describe('provider failures', () => {
  it('a failed renewal is retried with back-off while the current channel keeps working', async () => {
    const email = 'push.faults@acme.example';
    const { stub } = await pushConnection('google', email);
    const before = (await pushRecord(stub))?.channel;
    await emulatorControl('/faults', {
      provider: 'google',
      account: email,
      endpoint: 'events.watch',
      kind: 'http_503',
      times: 2,
    });
    const renewalRow = async () => {
      const row = (await scheduleRows(stub)).find((r) => r.kind === 'renew_channel');
      if (!row) throw new Error('no renew_channel row');
      return { due_at: row.dueAt };
    };
    // The renewal becomes due now: the replacement watch fails twice, then succeeds.
    await shiftSchedule(stub, (await renewalRow()).due_at - Date.now());
    const delays: number[] = [];
    for (let attempt = 0; attempt < 2; attempt++) {
      await runDue(stub);
      const record = await pushRecord(stub);
      expect(record?.consecutiveFailures).toBe(attempt + 1);
      expect(record?.channel?.providerId).toBe(before?.providerId);
      const wait = (await renewalRow()).due_at - Date.now();
      delays.push(wait);
      await shiftSchedule(stub, wait + 1);
    }
    expect(delays[0]).toBeGreaterThanOrEqual(29_000);
    expect(delays[1]).toBeGreaterThanOrEqual(59_000); // exponential: 30 s, then 60 s (+ jitter)
    expect(await liveFor('google', email)).toHaveLength(1); // never without a channel meanwhile
    await runDue(stub);
    const after = await pushRecord(stub);
    expect(after?.consecutiveFailures).toBe(0);
    expect(after?.channel?.providerId).not.toBe(before?.providerId);
    expect((await pushCounters(stub))?.failures).toBe(2);
    expect(await liveFor('google', email)).toHaveLength(1);
  });
});

describe('a channel that stopped delivering', () => {
  it('is recreated after two polls found changes no notification announced', async () => {
    const email = 'push.silent@acme.example';
    const { stub } = await pushConnection('google', email);
    const silent = (await pushRecord(stub))?.channel;
    relay.dropping = true;
    try {
      for (let poll = 0; poll < 2; poll++) {
        await emulatorControl(`/accounts/google/${email}/events`, {
          event: {
            summary: `unannounced ${poll}`,
            start: { dateTime: new Date(Date.now() + HOUR).toISOString() },
            end: { dateTime: new Date(Date.now() + 2 * HOUR).toISOString() },
          },
        });
        await emulatorControl('/settle', {});
        // The next poll (15 min away) becomes due now and finds the change.
        await shiftSchedule(stub, 20 * 60_000);
        await runDue(stub);
      }
    } finally {
      relay.dropping = false;
    }
    await runDue(stub);
    // `recreated` is counted when the silent channel is closed; the replacement is stored after its open.
    await vi.waitUntil(
      async () => (await pushCounters(stub))?.recreated === 1 && (await pushRecord(stub))?.channel != null,
      { timeout: 10_000, interval: 100 },
    );
    const current = (await pushRecord(stub))?.channel;
    expect(current?.providerId).not.toBe(silent?.providerId);
    expect((await liveFor('google', email)).map((c) => c.id)).toEqual([current?.providerId]);
  });
});

describe('channels we own but do not keep', () => {
  it('Google: a channel whose record was lost is stopped when it calls', async () => {
    const email = 'push.stale@acme.example';
    const { stub } = await pushConnection('google', email);
    const lost = (await pushRecord(stub))?.channel;
    const record = await readStored(stub, 'push');
    if (record) await writeStored(stub, 'push', { ...record, channel: null });
    const syncs = (await objectCounters(stub)).syncRequests;
    await emulatorControl(`/accounts/google/${email}/events`, {
      event: {
        summary: 'stale',
        start: { dateTime: new Date(Date.now() + HOUR).toISOString() },
        end: { dateTime: new Date(Date.now() + 2 * HOUR).toISOString() },
      },
    });
    await vi.waitUntil(
      async () => (await emulatorChannels()).google.find((c) => c.id === lost?.providerId)?.stopped === true,
      { timeout: 10_000, interval: 100 },
    );
    expect((await objectCounters(stub)).syncRequests).toBe(syncs);
    expect((await pushCounters(stub))?.ignored).toBe(1);
  });

  // Disconnect clears the object before the token is revoked: a Google channel left running would call for a week.
  it.each([
    ['google', 'push.pause@acme.example'],
    ['microsoft', 'push.pause@contoso.example'],
  ] as const)(
    '%s: pause stops the channel; re-enabling opens one; disconnect stops it',
    async (provider, email) => {
      const { id, stub } = await pushConnection(provider, email);
      const token = await tokenFor({
        sub: ALICE,
        org_id: ORG_A,
        permissions: ['ce.calendar.connect', 'ce.calendar.view'],
      });
      const paused = await call(`/v1/calendar/connections/${id}`, {
        method: 'PATCH',
        token,
        json: { sync_enabled: false },
      });
      expect(paused.status).toBe(200);
      expect(await liveFor(provider, email)).toHaveLength(0);
      expect((await stub.status(crypto.randomUUID())).schedule.map((r) => r.kind)).not.toContain(
        'renew_channel',
      );

      await call(`/v1/calendar/connections/${id}`, { method: 'PATCH', token, json: { sync_enabled: true } });
      await shiftSchedule(stub, 2_000);
      await runDue(stub);
      await vi.waitUntil(async () => (await liveFor(provider, email)).length === 1, {
        timeout: 10_000,
        interval: 100,
      });

      const removed = await call(`/v1/calendar/connections/${id}`, { method: 'DELETE', token });
      expect(removed.status).toBeLessThan(300);
      expect(await liveFor(provider, email)).toHaveLength(0);
    },
  );
});
