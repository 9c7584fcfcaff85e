/** Push's pure parts (issue 16): channel identity, renewal timing, silence detection, notification parsing. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  channelSecret,
  newChannelKey,
  newChannelRef,
  parseChannelRef,
  verifyChannelSecret,
} from '../../durable-objects/push/channel-ref.ts';
import {
  assessDelivery,
  type DeliveryWatch,
  isOpeningInFlight,
  isReplayedSequence,
  MIN_RENEW_DELAY_MS,
  OPENING_STALE_MS,
  RENEW_LEAD_MS,
  renewalDelayMs,
  SILENT_RUNS_BEFORE_RECREATE,
} from '../../durable-objects/push/plan.ts';
import { parseGoogleNotification } from '../../worker/providers/google/push.ts';
import { clientStateOf, parseGraphNotifications } from '../../worker/providers/microsoft/push.ts';
import { escapeValidationToken } from '../../worker/services/validation-token.ts';

const CONNECTION = '6f1c2a9e-3b4d-4e5f-8a7b-9c0d1e2f3a4b';

describe('channel identity', () => {
  it('a ref names its connection, fits Google (64) and, with the secret, Graph clientState (128)', async () => {
    const key = newChannelKey();
    for (let i = 0; i < 50; i++) {
      const ref = newChannelRef(CONNECTION);
      expect(parseChannelRef(ref)).toEqual({ connectionId: CONNECTION });
      expect(ref.length).toBeLessThanOrEqual(64);
      const secret = await channelSecret(key, ref);
      expect(clientStateOf({ channelRef: ref, secret }).length).toBeLessThanOrEqual(128);
    }
  });

  it('refuses refs that are not ours', () => {
    for (const ref of [
      '',
      'x',
      `${CONNECTION}`,
      `${CONNECTION}.short`,
      `not-a-uuid-at-all-000000000000000000.AAAAAAAAAAAAAAAA`,
    ]) {
      expect(parseChannelRef(ref)).toBeUndefined();
    }
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), (text) => {
        const parsed = parseChannelRef(text);
        return parsed === undefined || text.startsWith(`${parsed.connectionId}.`);
      }),
    );
  });

  it("verifies the object's own secret only: another key, another ref, or any other string fails", async () => {
    const key = newChannelKey();
    const ref = newChannelRef(CONNECTION);
    const secret = await channelSecret(key, ref);
    expect(await verifyChannelSecret(key, ref, secret)).toBe(true);
    expect(await verifyChannelSecret(newChannelKey(), ref, secret)).toBe(false);
    expect(await verifyChannelSecret(key, newChannelRef(CONNECTION), secret)).toBe(false);
    await fc.assert(
      fc.asyncProperty(fc.string({ minLength: 0, maxLength: 60 }), async (presented) => {
        fc.pre(presented !== secret);
        return !(await verifyChannelSecret(key, ref, presented));
      }),
      { numRuns: 200 },
    );
  });
});

describe('renewal timing', () => {
  it('renews before expiry, a lead ahead for long channels, halfway for short ones, never instantly', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2 * MIN_RENEW_DELAY_MS, max: 40 * 86_400_000 }), (remaining) => {
        const delay = renewalDelayMs(remaining);
        expect(delay).toBeGreaterThanOrEqual(MIN_RENEW_DELAY_MS);
        expect(delay).toBeLessThan(remaining);
        // Time left for retries after the renewal is due: a full lead, or half a short channel's life.
        expect(remaining - delay).toBeGreaterThanOrEqual(Math.min(RENEW_LEAD_MS, remaining / 2) - 1);
      }),
    );
    expect(renewalDelayMs(7 * 86_400_000)).toBe(6 * 86_400_000);
    expect(renewalDelayMs(45 * 60_000)).toBe(22.5 * 60_000);
  });
});

describe('silent channels', () => {
  const start: DeliveryWatch = { lastNotificationAt: null, previousRunStartedAt: null, silentRuns: 0 };

  it(`recreates after ${SILENT_RUNS_BEFORE_RECREATE} incremental runs that found changes nobody announced`, () => {
    let watch = assessDelivery(start, { startedAt: 1_000, full: true, changes: 50 }).watch;
    const first = assessDelivery(watch, { startedAt: 2_000, full: false, changes: 1 });
    expect(first.recreate).toBe(false);
    const second = assessDelivery(first.watch, { startedAt: 3_000, full: false, changes: 2 });
    expect(second.recreate).toBe(true);
    expect(second.watch.silentRuns).toBe(0);
    watch = second.watch;
    // A notification since the previous run: the channel works.
    const noticed = assessDelivery(
      { ...watch, lastNotificationAt: 3_500 },
      { startedAt: 4_000, full: false, changes: 3 },
    );
    expect(noticed.watch.silentRuns).toBe(0);
  });

  it('runs without changes, and full rounds, never count as silence', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ full: fc.boolean(), changes: fc.nat(5) }), { maxLength: 30 }),
        (runs) => {
          let watch = { ...start };
          let at = 0;
          for (const run of runs) {
            at += 1_000;
            const result = assessDelivery(watch, { startedAt: at, ...run });
            if (run.full || run.changes === 0) expect(result.recreate).toBe(false);
            watch = result.watch;
          }
        },
      ),
    );
  });

  it('Google message numbers: not above the last seen is a replay', () => {
    expect(isReplayedSequence(10, 10)).toBe(true);
    expect(isReplayedSequence(10, 3)).toBe(true);
    expect(isReplayedSequence(10, 11)).toBe(false);
    expect(isReplayedSequence(10, undefined)).toBe(true);
    expect(isReplayedSequence(0, 0)).toBe(true); // a missing/invalid number (parsed as 0) on a fresh channel
  });

  it('an open counts as in flight only for a few minutes after it started (an evicted object does not block)', () => {
    const now = Date.UTC(2026, 10, 25, 12);
    expect(isOpeningInFlight(null, now, now)).toBe(false);
    expect(isOpeningInFlight('ref', now - 1_000, now)).toBe(true);
    expect(isOpeningInFlight('ref', now - OPENING_STALE_MS + 1, now)).toBe(true);
    expect(isOpeningInFlight('ref', now - OPENING_STALE_MS, now)).toBe(false);
    expect(isOpeningInFlight('ref', undefined, now)).toBe(false); // stored before the start time was kept
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10 * OPENING_STALE_MS }), (age) => {
        return isOpeningInFlight('ref', now - age, now) === age < OPENING_STALE_MS;
      }),
    );
  });
});

describe('notification parsing (nothing trusted yet)', () => {
  it('Google: the X-Goog headers, or nothing', () => {
    const headers = new Headers({
      'x-goog-channel-id': 'abc',
      'x-goog-channel-token': 'tok',
      'x-goog-message-number': '23533',
      'x-goog-resource-id': 'rid',
      'x-goog-resource-state': 'exists',
    });
    expect(parseGoogleNotification(headers)).toEqual({
      channelRef: 'abc',
      providerId: 'abc',
      secret: 'tok',
      kind: 'changed',
      sequence: 23533,
      resourceId: 'rid',
    });
    headers.set('x-goog-resource-state', 'sync');
    expect(parseGoogleNotification(headers)?.kind).toBe('sync');
    headers.set('x-goog-resource-state', 'not_exists');
    expect(parseGoogleNotification(headers)?.kind).toBe('changed');
    headers.set('x-goog-resource-state', 'bogus');
    expect(parseGoogleNotification(headers)).toBeUndefined();
    for (const inherited of ['constructor', '__proto__', 'toString']) {
      headers.set('x-goog-resource-state', inherited);
      expect(parseGoogleNotification(headers)).toBeUndefined();
    }
    headers.set('x-goog-resource-state', 'exists');
    for (const number of ['0', '-3', 'abc', '1.5']) {
      headers.set('x-goog-message-number', number);
      expect(parseGoogleNotification(headers)?.sequence).toBe(0);
    }
    headers.delete('x-goog-message-number');
    expect(parseGoogleNotification(headers)?.sequence).toBe(0);
    expect(parseGoogleNotification(new Headers())).toBeUndefined();
  });

  it('Graph: change and lifecycle items; foreign items dropped one by one; a non-batch refused', () => {
    const ref = newChannelRef(CONNECTION);
    const clientState = `${ref}.${'S'.repeat(43)}`;
    const notices = parseGraphNotifications({
      value: [
        { id: 'n1', subscriptionId: 'sub', clientState, changeType: 'updated' },
        { subscriptionId: 'sub', clientState, lifecycleEvent: 'reauthorizationRequired' },
        { subscriptionId: 'sub', clientState, lifecycleEvent: 'subscriptionRemoved' },
        { subscriptionId: 'sub', clientState, lifecycleEvent: 'missed' },
        { subscriptionId: 'sub', clientState, lifecycleEvent: 'somethingNew' },
        { subscriptionId: 'sub', clientState, lifecycleEvent: 'constructor' },
        { subscriptionId: 'sub', clientState, lifecycleEvent: 'toString' },
        { subscriptionId: 'sub', changeType: 'updated' },
        'garbage',
      ],
    });
    expect(notices?.map((n) => n.kind)).toEqual(['changed', 'reauthorization_required', 'removed', 'missed']);
    expect(notices?.[0]).toMatchObject({ channelRef: ref, secret: 'S'.repeat(43), notificationId: 'n1' });
    expect(parseGraphNotifications({ value: 'x' })).toBeUndefined();
    expect(parseGraphNotifications([1])).toBeUndefined();
  });

  it('an echoed validationToken never carries markup', () => {
    fc.assert(
      fc.property(fc.string(), (token) => {
        const echoed = escapeValidationToken(token);
        return !/[<>"']/.test(echoed) && (!/[&<>"']/.test(token) ? echoed === token : true);
      }),
    );
  });
});
