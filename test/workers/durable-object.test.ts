import {
  createExecutionContext,
  createScheduledController,
  evictDurableObject,
  runDurableObjectAlarm,
  waitOnExecutionContext,
} from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { sql } from 'drizzle-orm';
import { afterEach, describe, expect, it, vi } from 'vitest';
import worker from '../../worker/index.ts';
import { connectThroughWorker, createAccount, registerPlatformClients } from './connect-helpers.ts';
import {
  ALICE,
  BOB,
  call,
  insertConnection,
  ORG_A,
  ORG_B,
  ownerQuery,
  tokenFor,
  userToken,
} from './helpers.ts';
import { counters, handledKinds, putRow, readStored, shiftSchedule } from './object-seam.ts';

afterEach(() => vi.restoreAllMocks());

const objectOf = (connectionId: string) =>
  env.CALENDAR_CONNECTION.get(env.CALENDAR_CONNECTION.idFromName(connectionId));
type Stub = ReturnType<typeof objectOf>;

/** A connection made through the real OAuth flow (the emulator), so its sync runs succeed. */
async function connectedObject(email: string, org = ORG_A): Promise<{ id: string; stub: Stub }> {
  await registerPlatformClients();
  await createAccount('google', email);
  await connectThroughWorker(
    await tokenFor({ sub: ALICE, org_id: org, permissions: ['ce.calendar.connect', 'ce.calendar.view'] }),
    'google',
    email,
  );
  const [row] = await ownerQuery<{ id: string }>(
    sql`select id from ce_calendar_connections where account_email = ${email}`,
  );
  if (!row) throw new Error('not connected');
  const stub = objectOf(row.id);
  // The first sync was queued by attach (1 s debounce); make it due and run it now.
  await shiftSchedule(stub, 2_000);
  await runDurableObjectAlarm(stub);
  await vi.waitUntil(async () => (await stub.status(crypto.randomUUID())).lastRunAt !== null, {
    timeout: 10_000,
  });
  return { id: row.id, stub };
}

describe('CalendarConnection Durable Object', () => {
  it('is reached from the sync-now route, attaches itself from the row, coalesces requests, and runs its alarm', async () => {
    const connectionId = await insertConnection(ORG_A, ALICE);
    const token = await tokenFor({ sub: ALICE, org_id: ORG_A, permissions: ['ce.calendar.view'] });
    const first = await call(`/v1/calendar/connections/${connectionId}/sync`, { method: 'POST', token });
    expect(first.status).toBe(202);
    expect(await first.json()).toMatchObject({ connection_id: connectionId, status: 'queued' });
    const second = await call(`/v1/calendar/connections/${connectionId}/sync`, { method: 'POST', token });
    expect(second.status).toBe(202);

    const stub = objectOf(connectionId);
    const before = await stub.status(crypto.randomUUID());
    expect(before).toMatchObject({ attached: true, connectionId, stage: 'waiting_first_run' });
    // Two requests, one pending poll.
    expect(before.schedule.map((r) => r.kind)).toEqual(['poll']);
    expect(before.nextAlarmAt).toBe(before.schedule[0]?.dueAt);
    expect((await counters(stub)).syncRequests).toBeGreaterThanOrEqual(1);

    await shiftSchedule(stub, 2_000);
    await runDurableObjectAlarm(stub); // false if the real alarm was quicker
    await vi.waitUntil(async () => (await handledKinds(stub)).includes('poll'), { timeout: 5_000 });
    const counted = await counters(stub);
    expect(counted.alarmRuns).toBeGreaterThanOrEqual(1);
    expect(counted.handled.map((h) => h.kind)).toContain('poll');
    // The fixture row has no tokens: the run asks the user to reconnect and stops polling.
    const after = await stub.status(crypto.randomUUID());
    expect(after).toMatchObject({ stage: 'reconnect_required', lastErrorCode: 'invalid_grant' });
    expect(after.schedule).toEqual([]);
    expect(after.nextAlarmAt).toBeNull();
  });

  it('answers 404 for another organization and for unknown ids, 403 for a colleague', async () => {
    const connectionId = await insertConnection(ORG_A, ALICE);
    const outsider = await tokenFor({ sub: BOB, org_id: ORG_B, permissions: ['ce.calendar.view-all'] });
    const res = await call(`/v1/calendar/connections/${connectionId}/sync`, {
      method: 'POST',
      token: outsider,
    });
    expect(res.status).toBe(404);
    const unknown = await call(`/v1/calendar/connections/${crypto.randomUUID()}/sync`, {
      method: 'POST',
      token: await userToken(),
    });
    expect(unknown.status).toBe(404);
    const colleague = await tokenFor({ sub: BOB, org_id: ORG_A, permissions: ['ce.calendar.view-all'] });
    const forbidden = await call(`/v1/calendar/connections/${connectionId}/sync`, {
      method: 'POST',
      token: colleague,
    });
    expect(forbidden.status).toBe(403);
    const badId = await call('/v1/calendar/connections/not-a-uuid/sync', {
      method: 'POST',
      token: colleague,
    });
    expect(badId.status).toBe(400);
  });
});

describe('the schedule', () => {
  it('after attach, a restart (same storage, new instance) still polls on schedule, at the org interval', async () => {
    const org = crypto.randomUUID();
    await ownerQuery(
      sql`insert into ce_module_settings (organization_id, calendar_sync_poll_interval_minutes) values (${org}, 5)`,
    );
    const { stub } = await connectedObject('schedule.restart@acme.example', org);
    const status = await stub.status(crypto.randomUUID());
    expect(status).toMatchObject({ attached: true, stage: 'idle', consecutiveFailures: 0 });
    const [poll] = status.schedule;
    expect(poll?.kind).toBe('poll');
    const dueIn = Date.parse(poll?.dueAt ?? '') - Date.parse(status.lastRunAt ?? '');
    // 5 minutes plus at most 10 % jitter.
    expect(dueIn).toBeGreaterThanOrEqual(5 * 60_000 - 1_000);
    expect(dueIn).toBeLessThanOrEqual(5.5 * 60_000 + 1_000);

    await evictDurableObject(stub);
    const restarted = await stub.status(crypto.randomUUID());
    expect(restarted.schedule).toEqual(status.schedule);
    expect(restarted.nextAlarmAt).toBe(poll?.dueAt);
    expect(restarted).toMatchObject({ attached: true, stage: 'idle' });

    // The poll comes due: it runs with the identity the object stored, and arms the next one.
    await ownerQuery(
      sql`update ce_module_settings set calendar_sync_poll_interval_minutes = 20 where organization_id = ${org}`,
    );
    await shiftSchedule(stub, 6 * 60_000);
    const runsBefore = (await handledKinds(stub)).length;
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect((await handledKinds(stub)).slice(runsBefore)).toEqual(['poll']);
    const next = await stub.status(crypto.randomUUID());
    expect(next.stage).toBe('idle');
    // The settings change took effect at this run: 20 minutes (+ jitter) now.
    const nextIn = Date.parse(next.schedule[0]?.dueAt ?? '') - Date.parse(next.lastRunAt ?? '');
    expect(nextIn).toBeGreaterThanOrEqual(20 * 60_000 - 1_000);
    expect(nextIn).toBeLessThanOrEqual(22 * 60_000 + 1_000);
  });

  it('"sync now" while the poll is 10 minutes away runs within the debounce', async () => {
    const { id, stub } = await connectedObject('schedule.now@acme.example');
    await putRow(stub, 'poll', Date.now() + 10 * 60_000);
    const token = await tokenFor({ sub: ALICE, org_id: ORG_A, permissions: ['ce.calendar.view'] });
    expect((await call(`/v1/calendar/connections/${id}/sync`, { method: 'POST', token })).status).toBe(202);
    // The debounce counts from when the object took the request, which is before the answer arrived.
    const answered = Date.now();
    const status = await stub.status(crypto.randomUUID());
    expect(status.schedule.map((r) => r.kind)).toEqual(['poll']);
    const due = Date.parse(status.schedule[0]?.dueAt ?? '');
    expect(due).toBeLessThanOrEqual(answered + 1_000);
    expect(status.nextAlarmAt).toBe(status.schedule[0]?.dueAt);
    // A second request does not push it back.
    await stub.requestSync('manual', crypto.randomUUID());
    expect((await stub.status(crypto.randomUUID())).schedule[0]?.dueAt).toBe(status.schedule[0]?.dueAt);
    // It runs within the debounce window on its own (the real alarm, no test trigger).
    const before = (await handledKinds(stub)).length;
    await vi.waitUntil(async () => (await handledKinds(stub)).length > before, { timeout: 5_000 });
    expect((await handledKinds(stub)).slice(before)).toEqual(['poll']);
  });

  it('a retry due in 30 s and a poll due in 15 min both fire, in order; the later poll never hides the retry', async () => {
    const { stub } = await connectedObject('schedule.order@acme.example');
    const now = Date.now();
    await putRow(stub, 'poll', now + 15 * 60_000);
    await putRow(stub, 'retry', now + 30_000);
    // Re-arm from the table (an alarm with nothing due only re-arms).
    await runDurableObjectAlarm(stub);
    const armed = await stub.status(crypto.randomUUID());
    expect(armed.schedule.map((r) => r.kind)).toEqual(['retry', 'poll']);
    expect(armed.nextAlarmAt).toBe(new Date(now + 30_000).toISOString());

    const before = (await handledKinds(stub)).length;
    await shiftSchedule(stub, 31_000);
    await runDurableObjectAlarm(stub);
    expect((await handledKinds(stub)).slice(before)).toEqual(['retry']);
    const afterRetry = await stub.status(crypto.randomUUID());
    expect(afterRetry.schedule.map((r) => r.kind)).toEqual(['poll']);
    expect(afterRetry.nextAlarmAt).toBe(afterRetry.schedule[0]?.dueAt);

    await shiftSchedule(stub, 15 * 60_000);
    await runDurableObjectAlarm(stub);
    expect((await handledKinds(stub)).slice(before)).toEqual(['retry', 'poll']);
    // …and the poll armed its successor.
    expect((await stub.status(crypto.randomUUID())).schedule.map((r) => r.kind)).toEqual(['poll']);
  });

  it('identity comes from attach only: another connection cannot take the object over', async () => {
    const connectionId = await insertConnection(ORG_A, ALICE);
    const stub = objectOf(connectionId);
    const identity = { connectionId, organizationId: ORG_A, userId: ALICE, provider: 'google' as const };
    expect(await stub.getAccessToken(crypto.randomUUID())).toMatchObject({ ok: false, code: 'not_attached' });
    expect(await stub.attach(identity, crypto.randomUUID())).toEqual({ attached: true });
    expect(
      await stub.attach({ ...identity, connectionId: crypto.randomUUID() }, crypto.randomUUID()),
    ).toEqual({ attached: false });
    expect(await readStored(stub, 'identity')).toEqual(identity);
    // Disconnect forgets everything: identity, schedule, alarm.
    await stub.disconnect(crypto.randomUUID());
    expect(await stub.status(crypto.randomUUID())).toMatchObject({
      attached: false,
      schedule: [],
      nextAlarmAt: null,
    });
    expect(await stub.requestSync('manual', crypto.randomUUID())).toMatchObject({ attached: false });
  });
});

describe('Cron Trigger', () => {
  it('runs the scheduled handler and logs the tick with a correlationId', async () => {
    const lines: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((line: unknown) => {
      lines.push(String(line));
    });
    const controller = createScheduledController({
      scheduledTime: new Date('2026-11-25T10:00:00Z'),
      cron: '*/5 * * * *',
    });
    const ctx = createExecutionContext();
    worker.scheduled(controller, env, ctx);
    await waitOnExecutionContext(ctx);
    const tick = lines
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .find((l) => l.message === 'cron tick');
    expect(tick).toMatchObject({ cron: '*/5 * * * *' });
    expect(tick?.correlationId).toMatch(/^[0-9a-f-]{36}$/);
  });
});
