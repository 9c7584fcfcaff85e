/**
 * Issue 20 §5: when Graph's change feed stays silent about a change, the push notification that named
 * the event is enough. The emulator's `unreported` fault makes every incremental delta round of the
 * account say nothing (and move past the change), so only the object's direct re-read of the named
 * event (and its series) can bring the mirror up to date — through the real webhook, object, adapter
 * and page writer.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { counters, emulatorControl } from './connect-helpers.ts';
import { ownerQuery } from './helpers.ts';
import { readStored } from './object-seam.ts';
import { mirroredTitle, pushConnection, type Stub, startPushRelay } from './push-helpers.ts';
import { DAY_MS, mirrorBusy } from './sync-model.ts';

let relay: Awaited<ReturnType<typeof startPushRelay>>;
beforeAll(async () => {
  relay = await startPushRelay();
});
afterAll(async () => {
  await relay.stop();
});

const day = (offset: number) => new Date(Date.now() + offset * DAY_MS).toISOString().slice(0, 10);

const occurrenceIds = async (connectionId: string) =>
  (
    await ownerQuery<{ provider_event_id: string }>(
      sql`select provider_event_id from ce_calendar_events
          where connection_id = ${connectionId} and series_role = 'occurrence' order by start_at`,
    )
  ).map((r) => r.provider_event_id);

const namedEvents = (stub: Stub) => readStored(stub, 'pushNamedEvents');

/** Every incremental delta round of `email` from now on reports nothing (the account's own fault). */
const silenceDelta = (email: string) =>
  emulatorControl('/faults', {
    provider: 'microsoft',
    account: email,
    endpoint: 'delta',
    kind: 'unreported',
    times: 50,
  });

describe('a notification the delta round does not answer is read directly', () => {
  it('deleted occurrences (the last one of the series too) leave the mirror and its busy time', async () => {
    const email = `push.reread.series.${crypto.randomUUID().slice(0, 6)}@contoso.example`;
    const { id, stub } = await pushConnection('microsoft', email);
    const start = day(2);
    const series = await emulatorControl<{ id: string }>(`/accounts/microsoft/${email}/events`, {
      event: {
        subject: 'Silent series',
        start: { dateTime: `${start}T09:00:00`, timeZone: 'UTC' },
        end: { dateTime: `${start}T10:00:00`, timeZone: 'UTC' },
        recurrence: {
          pattern: { type: 'daily', interval: 1 },
          range: { type: 'numbered', startDate: start, numberOfOccurrences: 2 },
        },
      },
    });
    await vi.waitUntil(async () => (await occurrenceIds(id)).length === 2, {
      timeout: 15_000,
      interval: 100,
    });
    expect(await mirrorBusy(id)).toHaveLength(2);

    await silenceDelta(email);
    const instances = await emulatorControl<Array<{ id: string }>>(
      `/accounts/microsoft/${email}/events/${encodeURIComponent(series.id)}/instances`,
    );
    for (const instance of instances)
      await emulatorControl(
        `/accounts/microsoft/${email}/events/${encodeURIComponent(instance.id)}`,
        undefined,
        'DELETE',
      );
    await vi.waitUntil(async () => (await occurrenceIds(id)).length === 0, {
      timeout: 15_000,
      interval: 100,
    });
    expect(await mirrorBusy(id)).toEqual([]);
    // Answered names are forgotten once read (none waits for another round).
    await vi.waitUntil(async () => (await namedEvents(stub)) === undefined, {
      timeout: 15_000,
      interval: 100,
    });
    // The delta rounds really were silent: what fixed the mirror was the re-read.
    expect((await counters('microsoft', email))['fault.unreported']).toBeGreaterThanOrEqual(1);
  });

  it('a renamed single event gets its new title', async () => {
    const email = `push.reread.single.${crypto.randomUUID().slice(0, 6)}@contoso.example`;
    const { id } = await pushConnection('microsoft', email);
    const created = await emulatorControl<{ id: string }>(`/accounts/microsoft/${email}/events`, {
      event: {
        subject: 'Before',
        start: { dateTime: `${day(3)}T12:00:00`, timeZone: 'UTC' },
        end: { dateTime: `${day(3)}T13:00:00`, timeZone: 'UTC' },
      },
    });
    await vi.waitUntil(() => mirroredTitle(id, 'Before'), { timeout: 15_000, interval: 100 });
    await silenceDelta(email);
    await emulatorControl(
      `/accounts/microsoft/${email}/events/${encodeURIComponent(created.id)}`,
      { event: { subject: 'After' } },
      'PATCH',
    );
    await vi.waitUntil(() => mirroredTitle(id, 'After'), { timeout: 15_000, interval: 100 });
    expect(await mirroredTitle(id, 'Before')).toBe(false);
    expect((await counters('microsoft', email))['fault.unreported']).toBeGreaterThanOrEqual(1);
  });
});
