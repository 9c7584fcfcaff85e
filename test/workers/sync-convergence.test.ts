/**
 * The sync engine's convergence property (issue 13): random provider-side edits (creates, updates,
 * deletes, instance moves/cancels, this-and-following splits, series time changes, all-day,
 * cross-DST, invitations and answers) interleaved with syncs, "sync now" pokes and faults (429 with
 * Retry-After, 503, timeouts, 410, short pages) → after the final sync the mirror equals the
 * provider's full listing and the busy occurrences equal the provider's own expansion over several
 * windows. Plus the run lifecycle: pause/resume, disconnect mid-run, restart mid-run, two "sync now"
 * at once. Seeds are printed; replay one with SYNC_SEED=<seed>.
 */
import { evictDurableObject, runDurableObjectAlarm } from 'cloudflare:test';
import { sql } from 'drizzle-orm';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { emulatorControl } from './connect-helpers.ts';
import { ALICE, call, ORG_A, ownerQuery, tokenFor } from './helpers.ts';
import {
  connect,
  createZonedAccount,
  DAY_MS,
  GoogleModel,
  inWindow,
  makeDue,
  mirrorBusy,
  mirrorRows,
  type ProviderModel,
  queueRun,
  type Stub,
  type SyncOperation,
  settle,
  syncOperations,
  tokenOf,
} from './sync-model.ts';

const unique = (label: string) => `${label}-${crypto.randomUUID().slice(0, 8)}@example.test`;
const ownerToken = () =>
  tokenFor({ sub: ALICE, org_id: ORG_A, permissions: ['ce.calendar.connect', 'ce.calendar.view'] });

async function expectConverged(id: string, model: ProviderModel, label: string) {
  const rows = await mirrorRows(id);
  const expected = await model.expectedRows();
  const shape = rows.map(({ provider_event_id, title, status, start, end }) => ({
    provider_event_id,
    title,
    status,
    start,
    end,
  }));
  expect(shape, `${label}: mirror rows`).toEqual(expected);
  expect(new Set(rows.map((r) => r.provider_event_id)).size, `${label}: duplicates`).toBe(rows.length);
  const busy = await mirrorBusy(id);
  for (const [from, to] of [
    [-3, 10],
    [10, 45],
    [45, 100],
    [100, 160],
  ] as const) {
    const window = [Date.now() + from * DAY_MS, Date.now() + to * DAY_MS] as const;
    expect(inWindow(busy, ...window), `${label}: busy days ${from}..${to}`).toEqual(
      await model.expectedBusy(...window),
    );
  }
}

/**
 * Always run besides the random sequences: events deleted while the stored cursor is no longer valid
 * (before or after it was invalidated). The next run gets 410 and lists everything again without
 * deleted items, so only the removal of rows the full round did not see takes them out of the mirror.
 */
const DELETED_WHILE_CURSOR_INVALID: SyncOperation[][] = (() => {
  const created: SyncOperation[] = [
    {
      op: 'createSingle',
      day: 2,
      hour: 9,
      minutes: 60,
      zone: 'Europe/Berlin',
      kind: 'default',
      transparent: false,
    },
    { op: 'createSeries', day: 3, hour: 10, zone: 'UTC', freq: 'DAILY', count: 5, allDay: false },
    {
      op: 'createSingle',
      day: 4,
      hour: 14,
      minutes: 30,
      zone: 'UTC',
      kind: 'outOfOffice',
      transparent: false,
    },
    { op: 'sync' },
  ];
  const deletes: SyncOperation[] = [
    { op: 'delete', ref: 0 },
    { op: 'delete', ref: 0 },
  ];
  const expire: SyncOperation = { op: 'fault', kind: 'cursor_expired' };
  return [
    [...created, ...deletes, expire, { op: 'sync' }],
    [...created, expire, ...deletes, { op: 'sync' }],
  ];
})();

afterAll(async () => {
  await emulatorControl('/options', { shortPageProbability: 0 }).catch(() => undefined);
});

describe('sync convergence (Google)', () => {
  it('random edits, syncs, pokes and faults end with the mirror equal to the provider', async () => {
    const seed = Number(process.env.SYNC_SEED ?? Date.now() % 2 ** 31);
    console.log(`sync convergence seed: ${seed} (replay with SYNC_SEED=${seed})`);
    await emulatorControl('/options', { shortPageProbability: 0.3 });
    let run = 0;
    let mirrored = 0;
    try {
      await fc.assert(
        fc.asyncProperty(syncOperations(16), async (operations) => {
          run += 1;
          const email = unique(`conv${run}`);
          const organizer = unique(`conv${run}-org`);
          const { id, stub } = await connect('google', email, 'Europe/Berlin');
          await createZonedAccount('google', organizer, 'America/New_York');
          const model = new GoogleModel(email, organizer, tokenOf(stub));
          for (const operation of operations) {
            if (operation.op === 'sync') await settle(stub);
            else if (operation.op === 'poke')
              await Promise.all([
                stub.requestSync('manual', crypto.randomUUID()),
                stub.requestSync('webhook', crypto.randomUUID()),
              ]);
            else if (operation.op === 'fault') await model.fault(operation.kind);
            else await model.apply(operation);
          }
          await emulatorControl('/faults', undefined, 'DELETE').catch(() => undefined);
          await settle(stub);
          await expectConverged(id, model, `seed ${seed} run ${run}: ${JSON.stringify(operations)}`);
          mirrored += (await mirrorRows(id)).length;
        }),
        {
          seed,
          numRuns: Number(process.env.SYNC_RUNS ?? 10),
          endOnFailure: true,
          examples: DELETED_WHILE_CURSOR_INVALID.map((operations) => [operations]),
        },
      );
      // The runs must have mirrored something, or the comparison proved nothing.
      expect(mirrored).toBeGreaterThan(run);
    } finally {
      await emulatorControl('/options', { shortPageProbability: 0 });
    }
  }, 240_000);
});

/** Holds the next events.list for `ms` (the emulator's `slow` fault), so a run is in flight meanwhile. */
const slowNextList = (email: string, ms: number) =>
  emulatorControl('/faults', {
    provider: 'google',
    account: email,
    endpoint: 'events.list',
    kind: 'slow',
    times: 1,
    delay_ms: ms,
  });

/** Resolves once the slowed events.list reached the emulator: the run is inside its page call. */
async function listInFlight(email: string): Promise<void> {
  await expect
    .poll(
      async () =>
        (await emulatorControl<Record<string, number>>(`/accounts/google/${email}/counters`))['fault.slow'] ??
        0,
      { timeout: 20_000, interval: 25 },
    )
    .toBeGreaterThan(0);
}

async function seeded(
  label: string,
  count = 60,
): Promise<{ id: string; stub: Stub; email: string; model: GoogleModel }> {
  const email = unique(label);
  const { id, stub } = await connect('google', email);
  await emulatorControl(`/accounts/google/${email}/generate`, { count, seed: 7, days: 60 });
  return { id, stub, email, model: new GoogleModel(email, email, tokenOf(stub)) };
}

describe('sync runs: lifecycle', () => {
  it('pause stops runs; resume continues from the stored cursor', async () => {
    const { id, stub, email, model } = await seeded('pause');
    await settle(stub);
    const token = await ownerToken();
    const paused = await call(`/v1/calendar/connections/${id}`, {
      method: 'PATCH',
      token,
      json: { sync_enabled: false },
    });
    expect(paused.status).toBe(200);
    await emulatorControl(`/accounts/google/${email}/events`, {
      event: {
        summary: 'While paused',
        start: { dateTime: new Date(Date.now() + 3 * DAY_MS).toISOString() },
        end: { dateTime: new Date(Date.now() + 3 * DAY_MS + 3_600_000).toISOString() },
      },
    });
    await queueRun(stub);
    await makeDue(stub);
    await runDurableObjectAlarm(stub);
    expect((await mirrorRows(id)).some((r) => r.title === 'While paused')).toBe(false);
    const [card] = await ownerQuery<{ sync_status: string }>(
      sql`select sync_status from ce_calendar_connections where id = ${id}`,
    );
    expect(card?.sync_status).toBe('paused');
    const resumed = await call(`/v1/calendar/connections/${id}`, {
      method: 'PATCH',
      token,
      json: { sync_enabled: true },
    });
    expect(resumed.status).toBe(200);
    const before =
      (await emulatorControl<Record<string, number>>(`/accounts/google/${email}/counters`))['events.list'] ??
      0;
    await settle(stub);
    const after =
      (await emulatorControl<Record<string, number>>(`/accounts/google/${email}/counters`))['events.list'] ??
      0;
    expect(after - before).toBeLessThanOrEqual(2); // incremental from the cursor, not a full listing
    await expectConverged(id, model, 'resume');
  });

  it('disconnect mid-run leaves no rows behind', async () => {
    const { id, stub, email } = await seeded('disconnect');
    await slowNextList(email, 5_000);
    await queueRun(stub);
    await makeDue(stub);
    const running = runDurableObjectAlarm(stub);
    await listInFlight(email);
    const gone = await call(`/v1/calendar/connections/${id}`, {
      method: 'DELETE',
      token: await ownerToken(),
    });
    expect(gone.status).toBe(204);
    await running;
    const [left] = await ownerQuery<{ events: number; busy: number; connections: number }>(sql`
      select (select count(*)::int from ce_calendar_events where connection_id = ${id}) as events,
             (select count(*)::int from ce_calendar_busy_occurrences where connection_id = ${id}) as busy,
             (select count(*)::int from ce_calendar_connections where id = ${id}) as connections`);
    expect(left).toEqual({ events: 0, busy: 0, connections: 0 });
    expect((await stub.status(crypto.randomUUID())).attached).toBe(false);
  });

  it('a connection row deleted behind the object’s back: the next run clears the object, writes nothing', async () => {
    const { id, stub } = await seeded('orphan', 10);
    await settle(stub);
    await ownerQuery(sql`delete from ce_calendar_connections where id = ${id}`);
    await queueRun(stub);
    await makeDue(stub);
    await runDurableObjectAlarm(stub);
    const status = await stub.status(crypto.randomUUID());
    expect(status.attached).toBe(false);
    expect(status.schedule).toEqual([]);
    const [left] = await ownerQuery<{ events: number }>(
      sql`select count(*)::int as events from ce_calendar_events where connection_id = ${id}`,
    );
    expect(left?.events).toBe(0);
  });

  it('an object restart mid-run ends consistent after the next run', async () => {
    const { id, stub, email, model } = await seeded('restart');
    await slowNextList(email, 5_000);
    await queueRun(stub);
    await makeDue(stub);
    const running = runDurableObjectAlarm(stub).catch(() => false);
    await listInFlight(email);
    await evictDurableObject(stub);
    await running;
    await settle(stub);
    await expectConverged(id, model, 'restart');
  });

  it('two "sync now" at once make one run; two alarms at once never overlap', async () => {
    const { id, stub, email, model } = await seeded('twice', 20);
    await settle(stub);
    const token = await ownerToken();
    const [a, b] = await Promise.all([
      call(`/v1/calendar/connections/${id}/sync`, { method: 'POST', token }),
      call(`/v1/calendar/connections/${id}/sync`, { method: 'POST', token }),
    ]);
    expect([a.status, b.status]).toEqual([202, 202]);
    const status = await stub.status(crypto.randomUUID());
    expect(status.schedule.filter((r) => r.kind === 'poll')).toHaveLength(1);
    await emulatorControl(`/accounts/google/${email}/events`, {
      event: {
        summary: 'Between',
        start: { dateTime: new Date(Date.now() + 2 * DAY_MS).toISOString() },
        end: { dateTime: new Date(Date.now() + 2 * DAY_MS + 3_600_000).toISOString() },
      },
    });
    await slowNextList(email, 500);
    await makeDue(stub);
    const outcomes = await Promise.all([runDurableObjectAlarm(stub), runDurableObjectAlarm(stub)]);
    expect(outcomes.filter(Boolean).length).toBeGreaterThanOrEqual(1);
    await settle(stub);
    await expectConverged(id, model, 'twice');
  });
});
