/**
 * Meeting benchmark (issue 15): create latency through the worker with the emulator at 0 ms provider
 * latency (so the figures are CE's own overhead: validation, the object's two transactions, one
 * provider call), and the provider calls per meeting as the emulator counted them (goal: one create,
 * no extra reads). The connection's own sync is paused first, so every counted call is a meeting's.
 */
import { expect, it } from 'vitest';
import { emulatorControl } from '../../test/workers/connect-helpers.ts';
import { call } from '../../test/workers/helpers.ts';
import { inMinutes, postMeeting, schedulerToken, unique } from '../../test/workers/meetings-helpers.ts';
import { connect, type ProviderName, settle } from '../../test/workers/sync-model.ts';
import { report, summarize } from './stats.ts';

const MEETINGS = 60;

async function benchProvider(provider: ProviderName): Promise<void> {
  const organizer = unique(`bench-${provider}`);
  const { id, stub } = await connect(provider, organizer);
  await settle(stub);
  const token = await schedulerToken();
  const paused = await call(`/v1/calendar/connections/${id}`, {
    method: 'PATCH',
    token,
    json: { sync_enabled: false },
  });
  expect(paused.status).toBe(200);
  // Warm: isolate, pool, token cache.
  await postMeeting(token, {
    connection_id: id,
    title: 'warm',
    start: inMinutes(60),
    time_zone: 'UTC',
    attendees: [],
  });
  const before = await emulatorControl<Record<string, number>>(`/accounts/${provider}/${organizer}/counters`);
  const samples: number[] = [];
  for (let i = 0; i < MEETINGS; i++) {
    const started = performance.now();
    const { status, body } = await postMeeting(
      token,
      {
        connection_id: id,
        title: `Bench ${i}`,
        start: inMinutes(120 + i * 60),
        duration_minutes: 30,
        time_zone: 'Europe/Berlin',
        attendees: [unique('guest'), unique('guest')],
      },
      `bench-${crypto.randomUUID()}`,
    );
    samples.push(performance.now() - started);
    expect(status).toBe(201);
    expect(body.sync_status).toBe('synced');
  }
  const after = await emulatorControl<Record<string, number>>(`/accounts/${provider}/${organizer}/counters`);
  const calls: Record<string, number> = {};
  for (const [endpoint, n] of Object.entries(after)) {
    const delta = n - (before[endpoint] ?? 0);
    if (delta > 0) calls[endpoint] = delta;
  }
  const total = Object.values(calls).reduce((sum, n) => sum + n, 0);
  // The object's share: the same create as a direct RPC (no JWT check, no route transaction).
  const direct: number[] = [];
  for (let i = 0; i < MEETINGS / 2; i++) {
    const started = performance.now();
    const result = await stub.createMeeting(
      {
        title: `Direct ${i}`,
        startMs: Date.parse(inMinutes(24 * 60 + i * 60)),
        durationMinutes: 30,
        timeZone: 'Europe/Berlin',
        attendees: [unique('guest')],
        description: null,
        location: null,
        conference: false,
        idempotency: null,
      },
      crypto.randomUUID(),
    );
    direct.push(performance.now() - started);
    expect(result.attached && result.ok).toBe(true);
  }
  const latency = summarize(samples);
  report('meetings', `${provider}: create latency (0 ms provider)`, latency);
  report('meetings', `${provider}: object share (direct RPC create)`, summarize(direct));
  report('meetings', `${provider}: provider calls per meeting`, {
    meetings: MEETINGS,
    calls_per_meeting: Math.round((total / MEETINGS) * 100) / 100,
    by_endpoint: JSON.stringify(calls),
  });
  expect(total / MEETINGS).toBe(1);
}

it('meetings: create latency and provider calls per meeting, Google and Microsoft', async () => {
  await benchProvider('google');
  await benchProvider('microsoft');
});
