/**
 * A process that dies mid-handler must not stop a connection syncing (issue 23: after `wrangler dev`
 * restarts, 11 and then 34 objects had no poll row left and never synced again). The poll row stays
 * in the schedule while its handler runs, the alarm stays armed meanwhile (a watchdog), and the next
 * start runs the row again.
 */
import { runDurableObjectAlarm } from 'cloudflare:test';
import { expect, it, vi } from 'vitest';
import { emulatorControl } from './connect-helpers.ts';
import { die, handled } from './object-seam.ts';
import { connect, makeDue, objectOf, settle } from './sync-model.ts';

const listCalls = async (email: string) =>
  (await emulatorControl<Record<string, number>>(`/accounts/google/${email}/counters`))['events.list'] ?? 0;

it('the object dies mid-poll: the poll row is still there, due, and the connection polls again', async () => {
  const email = `crash-${crypto.randomUUID().slice(0, 8)}@example.test`;
  const { id, stub } = await connect('google', email);
  await settle(stub);
  const [periodic] = (await stub.status(crypto.randomUUID())).schedule.filter((row) => row.kind === 'poll');
  expect(periodic).toBeDefined();

  // The periodic poll comes due; its provider call hangs long enough to kill the object under it.
  await emulatorControl('/faults', {
    provider: 'google',
    account: email,
    endpoint: 'events.list',
    kind: 'slow',
    times: 1,
    delay_ms: 3_000,
  });
  const callsBefore = await listCalls(email);
  await makeDue(stub);
  const running = runDurableObjectAlarm(stub).catch(() => false);
  await vi.waitUntil(async () => (await listCalls(email)) > callsBefore, { timeout: 10_000, interval: 20 });

  // Mid-handler: the row is being handled (not pending), and the alarm is still armed (its watchdog).
  const during = await stub.status(crypto.randomUUID());
  expect(during.nextAlarmAt).not.toBeNull();

  await die(stub); // the process dies: memory, the in-flight run and its claim are gone
  await running;
  // A stub whose object was reset stays broken: callers reach the restarted object through a new one.
  const restarted = objectOf(id);

  // The restarted object still has the poll, due now, with the alarm pointing at it.
  const after = await restarted.status(crypto.randomUUID());
  const polls = after.schedule.filter((row) => row.kind === 'poll');
  expect(polls).toHaveLength(1);
  expect(Date.parse(polls[0]?.dueAt ?? '')).toBeLessThanOrEqual(Date.now());
  expect(after.nextAlarmAt).not.toBeNull();

  // …and the runtime's own alarm runs it: the connection syncs again and arms its next periodic poll.
  const handledBefore = (await handled(restarted)).length;
  await vi.waitUntil(
    async () =>
      (await handled(restarted)).slice(handledBefore).some((h) => h.kind === 'poll' && h.outcome === 'ok'),
    { timeout: 15_000, interval: 100 },
  );
  const next = await restarted.status(crypto.randomUUID());
  expect(next.schedule.filter((row) => row.kind === 'poll')).toHaveLength(1);
  expect(Date.parse(next.schedule.find((row) => row.kind === 'poll')?.dueAt ?? '')).toBeGreaterThan(
    Date.now(),
  );
}, 60_000);
