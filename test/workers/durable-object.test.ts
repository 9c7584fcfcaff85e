import {
  createExecutionContext,
  createScheduledController,
  runDurableObjectAlarm,
  runInDurableObject,
  waitOnExecutionContext,
} from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { CalendarConnection } from '../../durable-objects/calendar-connection.ts';
import worker from '../../worker/index.ts';
import { ALICE, BOB, call, insertConnection, ORG_A, ORG_B, tokenFor, userToken } from './helpers.ts';

afterEach(() => vi.restoreAllMocks());

describe('CalendarConnection Durable Object', () => {
  it('is reached from the sync-now route, coalesces requests, and runs its alarm', async () => {
    const connectionId = await insertConnection(ORG_A, ALICE);
    const token = await tokenFor({ sub: ALICE, org_id: ORG_A, permissions: ['ce.calendar.view'] });
    const first = await call(`/v1/calendar/connections/${connectionId}/sync`, { method: 'POST', token });
    expect(first.status).toBe(202);
    expect(await first.json()).toMatchObject({ connection_id: connectionId, status: 'queued' });
    const second = await call(`/v1/calendar/connections/${connectionId}/sync`, { method: 'POST', token });
    expect(second.status).toBe(202);

    const stub = env.CALENDAR_CONNECTION.get(env.CALENDAR_CONNECTION.idFromName(connectionId));
    const before = await stub.status();
    expect(before).toMatchObject({ connectionId, syncRequests: 2, alarmRuns: 0 });
    expect(before.nextAlarmAt).not.toBeNull();

    expect(await runDurableObjectAlarm(stub)).toBe(true);
    const after = await stub.status();
    expect(after.alarmRuns).toBe(1);
    expect(after.nextAlarmAt).toBeNull();
    expect(await runDurableObjectAlarm(stub)).toBe(false);

    await runInDurableObject(stub, async (instance, state) => {
      expect((instance as unknown as CalendarConnection).requestSync).toBeTypeOf('function');
      expect(instance).toBeDefined();
      expect(await state.storage.get('pendingRequests')).toBe(0);
    });
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
