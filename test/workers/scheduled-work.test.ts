/**
 * The alarm's work loop (durable-objects/scheduled-work.ts) over a real SQLite schedule: a row stays
 * until its handler finished; a handler that throws keeps its work (due again after the first retry
 * delay) unless it already scheduled its successor. Run on a scratch object nobody attached, with
 * handlers the test supplies.
 */
import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { expect, it, vi } from 'vitest';
import { Counters } from '../../durable-objects/counters.ts';
import { Schedule, type ScheduleKind } from '../../durable-objects/schedule.ts';
import { type Handler, runDueWork } from '../../durable-objects/scheduled-work.ts';
import { ObjectStorage } from '../../durable-objects/storage.ts';
import { RETRY_BASE_MS } from '../../durable-objects/timing.ts';

const scratch = () => env.CALENDAR_CONNECTION.get(env.CALENDAR_CONNECTION.newUniqueId());

async function withSchedule<T>(
  work: (schedule: Schedule, run: (h: Partial<Record<ScheduleKind, Handler>>) => Promise<void>) => Promise<T>,
) {
  return runInDurableObject(scratch(), async (_instance, state) => {
    const schedule = new Schedule(state.storage.sql);
    const counters = new Counters(new ObjectStorage(state.storage));
    const idle: Handler = async () => 'idle';
    const run = (handlers: Partial<Record<ScheduleKind, Handler>>) =>
      runDueWork(
        {
          schedule,
          counters,
          handlers: {
            poll: idle,
            retry: idle,
            renew_channel: idle,
            reminder: idle,
            meeting_outbox: idle,
            ...handlers,
          },
          connectionId: () => 'scratch',
          armWatchdog: async () => undefined,
        },
        Date.now(),
      );
    return work(schedule, run);
  });
}

it('a poll handler that throws keeps the poll, due again after the first retry delay', async () => {
  vi.spyOn(console, 'error').mockImplementation(() => undefined);
  await withSchedule(async (schedule, run) => {
    schedule.schedule('poll', Date.now() - 1);
    const seenDuringHandler: number[] = [];
    const before = Date.now();
    await run({
      poll: async () => {
        // While the handler runs, its row is still in the table (not pending: nobody else takes it).
        seenDuringHandler.push(schedule.earliestDueAt(Date.now()) ?? -1);
        throw new Error('database unreachable');
      },
    });
    expect(seenDuringHandler[0]).toBeGreaterThan(0);
    const [poll, ...rest] = schedule.pending();
    expect(rest).toEqual([]);
    expect(poll?.kind).toBe('poll');
    expect(poll?.dueAt).toBeGreaterThanOrEqual(before + RETRY_BASE_MS);
  });
  vi.restoreAllMocks();
});

it('a handler that scheduled its successor and then threw leaves only the successor', async () => {
  vi.spyOn(console, 'error').mockImplementation(() => undefined);
  await withSchedule(async (schedule, run) => {
    schedule.schedule('poll', Date.now() - 1);
    const next = Date.now() + 300_000;
    await run({
      poll: async () => {
        schedule.schedule('poll', next, {}, 'earliest');
        throw new Error('late failure');
      },
    });
    expect(schedule.pending().map((row) => [row.kind, row.dueAt])).toEqual([['poll', next]]);
  });
  vi.restoreAllMocks();
});

it('a finished handler removes its row; a "sync now" during it is one new poll after it', async () => {
  await withSchedule(async (schedule, run) => {
    schedule.schedule('poll', Date.now() - 1);
    let requested = 0;
    await run({
      poll: async () => {
        requested = schedule.schedule('poll', Date.now() + 1_000, {}, 'earliest').dueAt;
        return 'ok';
      },
    });
    expect(schedule.pending().map((row) => [row.kind, row.dueAt])).toEqual([['poll', requested]]);
  });
});

it('a restart keeps one row per singleton kind: the claimed row and the successor a dead handler left collapse to the earliest', async () => {
  await runInDurableObject(scratch(), async (_instance, state) => {
    const before = new Schedule(state.storage.sql);
    const claimedPoll = before.schedule('poll', Date.now() - 1);
    expect(before.claim(claimedPoll, Date.now())).toBe(true);
    // While it is claimed, scheduling a poll makes a second row (the successor)…
    before.schedule('poll', Date.now() + 60_000);
    before.schedule('reminder', Date.now() + 5_000);
    before.schedule('reminder', Date.now() + 6_000);
    // …and the process dies before `finish`: a new instance sees both rows.
    const afterRestart = new Schedule(state.storage.sql);
    const polls = afterRestart.pending('poll');
    expect(polls).toHaveLength(1);
    expect(polls[0]?.id).toBe(claimedPoll.id);
    // Reminders are not singletons: both stay.
    expect(afterRestart.pending('reminder')).toHaveLength(2);
  });
});
