/**
 * Sync engine edges (issue 13), in workerd against the emulator and Postgres:
 * - the owner's calendar zone is filled from the provider on a full round (Google events.list
 *   `timeZone`, Graph working-hours zone from getSchedule);
 * - a provider page that hangs past the page timeout ends the run as a retryable `temporary` with
 *   the stored cursor kept, and the next run converges;
 * - a disconnect or pause during a hung page aborts the page fetch instead of waiting for its timeout
 *   (the page hangs far longer than the test may run; nothing of that run is written).
 */
import { runDurableObjectAlarm } from 'cloudflare:test';
import { sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { GOOGLE_LIST_TIMEOUT_MS } from '../../worker/providers/google/changes.ts';
import { horizonAt } from '../../worker/sync/horizon.ts';
import { emulatorControl } from './connect-helpers.ts';
import { ownerQuery } from './helpers.ts';
import { handled as handledRows, readStored, writeStored } from './object-seam.ts';
import { MicrosoftModel } from './sync-microsoft-model.ts';
import {
  connect,
  DAY_MS,
  GoogleModel,
  inWindow,
  mirrorBusy,
  mirrorRows,
  queueRun,
  settle,
  tokenOf,
} from './sync-model.ts';

const unique = (label: string) => `${label}-${crypto.randomUUID().slice(0, 8)}@example.test`;
const at = (offsetDays: number, hour: number) =>
  new Date(Math.floor(Date.now() / DAY_MS) * DAY_MS + offsetDays * DAY_MS + hour * 3_600_000).toISOString();

async function createEvent(provider: 'google' | 'microsoft', email: string, event: Record<string, unknown>) {
  return emulatorControl<{ id: string }>(`/accounts/${provider}/${email}/events`, { event });
}

async function connectionRow(id: string) {
  const [row] = await ownerQuery<{
    calendar_time_zone: string | null;
    sync_cursor: string | null;
    last_error_code: string | null;
  }>(
    sql`select calendar_time_zone, sync_cursor, last_error_code from ce_calendar_connections where id = ${id}`,
  );
  if (!row) throw new Error('connection row missing');
  return row;
}

const faultCount = async (provider: string, email: string, kind: string) =>
  (await emulatorControl<Record<string, number>>(`/accounts/${provider}/${email}/counters`))[
    `fault.${kind}`
  ] ?? 0;

async function waitFor(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not reached');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('calendar time zone', () => {
  it('Google: the calendar zone from events.list is stored on the connection', async () => {
    const email = unique('tz-g');
    const { id, stub } = await connect('google', email, 'America/New_York');
    await settle(stub);
    expect((await connectionRow(id)).calendar_time_zone).toBe('America/New_York');
  });

  it('Microsoft: the mailbox working-hours zone (getSchedule) is stored on a full round', async () => {
    const email = unique('tz-m');
    const { id, stub } = await connect('microsoft', email, 'Asia/Kolkata');
    await settle(stub);
    expect((await connectionRow(id)).calendar_time_zone).toBe('Asia/Kolkata');
  });
});

describe('hung provider page', () => {
  it('a page past the timeout ends the run as temporary, keeps the cursor, and the next run converges', async () => {
    const email = unique('hung');
    const { id, stub } = await connect('google', email, 'Europe/Berlin');
    await createEvent('google', email, {
      summary: 'Before',
      start: { dateTime: at(1, 9) },
      end: { dateTime: at(1, 10) },
    });
    await settle(stub);
    const before = await connectionRow(id);
    expect(before.sync_cursor).not.toBeNull();
    await createEvent('google', email, {
      summary: 'After',
      start: { dateTime: at(2, 9) },
      end: { dateTime: at(2, 10) },
    });
    // The emulator holds the page longer than the engine waits, then answers 504 (never seen).
    await emulatorControl('/faults', {
      provider: 'google',
      account: email,
      endpoint: 'events.list',
      kind: 'timeout',
      times: 1,
      delay_ms: GOOGLE_LIST_TIMEOUT_MS + 5_000,
    });
    await queueRun(stub);
    await runDurableObjectAlarm(stub);
    const status = await stub.status(crypto.randomUUID());
    expect(status).toMatchObject({ stage: 'backoff', lastErrorCode: 'temporary', consecutiveFailures: 1 });
    expect(status.schedule.map((row) => row.kind)).toContain('retry');
    const failed = await connectionRow(id);
    expect(failed.sync_cursor).toBe(before.sync_cursor);
    expect(failed.last_error_code).toBe('temporary');
    expect((await mirrorRows(id)).map((row) => row.title)).toEqual(['Before']);

    await settle(stub);
    const model = new GoogleModel(email, unique('unused'), tokenOf(stub));
    const rows = await mirrorRows(id);
    expect(rows.map(({ provider_event_id, title }) => ({ provider_event_id, title }))).toEqual(
      (await model.expectedRows()).map(({ provider_event_id, title }) => ({ provider_event_id, title })),
    );
    expect(rows.map((row) => row.title).sort()).toEqual(['After', 'Before']);
    expect((await connectionRow(id)).last_error_code).toBeNull();
  }, 90_000);
});

describe('disconnect or pause during a hung page', () => {
  /**
   * The hung page is held far longer than this test may run, and the test's own time limit is below the
   * adapter's page timeout: only the abort lets `run` return in time (no elapsed-time assertion).
   */
  const HUNG_MS = 10 * 60_000;
  const ABORT_TEST_TIMEOUT_MS = GOOGLE_LIST_TIMEOUT_MS * 0.75;
  for (const action of ['disconnect', 'pause'] as const) {
    let prepared: { id: string; stub: Awaited<ReturnType<typeof connect>>['stub']; email: string };
    beforeAll(async () => {
      const email = unique(`abort-${action}`);
      const { id, stub } = await connect('google', email, 'Europe/Berlin');
      await settle(stub);
      // A change the hung run would mirror if it went on after the abort.
      await createEvent('google', email, {
        summary: 'Unseen',
        start: { dateTime: at(2, 9) },
        end: { dateTime: at(2, 10) },
      });
      prepared = { id, stub, email };
    }, 60_000);

    it(
      `${action} aborts the in-flight page fetch instead of waiting for its timeout`,
      async () => {
        const { id, stub, email } = prepared;
        const before = await mirrorRows(id);
        await emulatorControl('/faults', {
          provider: 'google',
          account: email,
          endpoint: 'events.list',
          kind: 'slow',
          times: 1,
          delay_ms: HUNG_MS,
        });
        await queueRun(stub);
        const run = runDurableObjectAlarm(stub);
        await waitFor(async () => (await faultCount('google', email, 'slow')) === 1);
        if (action === 'disconnect') await stub.disconnect(crypto.randomUUID());
        else await stub.setSyncEnabled(false, crypto.randomUUID());
        await run;
        // Nothing of the hung run reached the mirror or the card.
        expect(await mirrorRows(id)).toEqual(before);
        expect((await mirrorRows(id)).map((row) => row.title)).not.toContain('Unseen');
        expect((await connectionRow(id)).last_error_code).toBeNull();
        if (action === 'pause') {
          const status = await stub.status(crypto.randomUUID());
          // Pausing is not a failure: no retry, no error on the card.
          expect(status).toMatchObject({ syncEnabled: false, consecutiveFailures: 0, lastErrorCode: null });
          expect(status.schedule).toEqual([]);
          const handled = await handledRows(stub);
          expect(handled.at(-1)).toMatchObject({ kind: 'poll', outcome: 'paused' });
        } else {
          expect((await stub.status(crypto.randomUUID())).attached).toBe(false);
        }
      },
      ABORT_TEST_TIMEOUT_MS,
    );
  }
});

/**
 * The daily horizon advance re-derives every series reaching into the new days; it runs under the
 * object's write lock together with the run, so a meeting write queued during the run starts only after
 * the re-derivation is done (never in between).
 */
/** The object's storage key of the horizon the busy table was derived for (calendar-connection.ts). */

describe('horizon advance under the write lock', () => {
  it('a meeting queued during a run waits for the run and its horizon re-derivation', async () => {
    const email = unique('horizon-lock');
    const { id, stub } = await connect('google', email, 'UTC');
    await emulatorControl(`/accounts/google/${email}/generate`, { count: 20, seed: 11, days: 60 });
    await settle(stub);
    // The busy table was last derived for yesterday's horizon: the next good run advances it.
    const yesterday = horizonAt(Date.now() - DAY_MS).startMs;
    await writeStored(stub, 'busyHorizonStart', yesterday);
    await emulatorControl('/faults', {
      provider: 'google',
      account: email,
      endpoint: 'events.list',
      kind: 'slow',
      times: 1,
      delay_ms: 1_500,
    });
    await queueRun(stub);
    const run = runDurableObjectAlarm(stub);
    await waitFor(async () => (await faultCount('google', email, 'slow')) === 1);
    const meeting = await stub.createMeeting(
      {
        title: 'Queued behind the run',
        startMs: Date.now() + 3 * DAY_MS,
        durationMinutes: 30,
        timeZone: 'UTC',
        attendees: [],
        description: null,
        location: null,
        conference: false,
        idempotency: null,
      },
      crypto.randomUUID(),
    );
    const horizonWhenMeetingDone = await readStored(stub, 'busyHorizonStart');
    await run;
    expect(meeting).toMatchObject({ attached: true, ok: true });
    expect(horizonWhenMeetingDone).toBe(horizonAt(Date.now()).startMs);
    // Start order, from the database's own clock: every series the advance derived again was written
    // before the meeting's first transaction began (before the fix the meeting started in between).
    const activityId = meeting.attached && meeting.ok ? meeting.meeting.activityId : '';
    const [order] = await ownerQuery<{ rederived_first: boolean | null; series: number }>(sql`
      select max(b.created_at) <= (select created_at from ce_activities where id = ${activityId})
               as rederived_first,
             count(distinct b.series_key)::int as series
        from ce_calendar_busy_occurrences b
       where b.connection_id = ${id}
         and b.series_key in (select provider_event_id from ce_calendar_events
                               where connection_id = ${id} and series_role = 'master')`);
    expect(order?.series).toBeGreaterThan(0);
    expect(order?.rederived_first).toBe(true);
  }, 90_000);
});

/**
 * The free/busy fixtures once saw recurring busy rows missing on Postgres for events created right
 * after connect, while a run of the engine raced the fixture's own writes. Here only the engine
 * writes: recurring series are created while the object's first run may be in flight, and bursts of
 * concurrent alarm runs and webhook pokes follow; the busy table must equal the provider's expansion.
 */
describe('recurring series created during concurrent runs', () => {
  const windows = [
    [0, 14],
    [14, 60],
    [60, 140],
  ] as const;

  async function burst(stub: Awaited<ReturnType<typeof connect>>['stub']): Promise<void> {
    await queueRun(stub);
    await Promise.all([
      runDurableObjectAlarm(stub),
      stub.requestSync('webhook', crypto.randomUUID()),
      runDurableObjectAlarm(stub),
      stub.requestSync('manual', crypto.randomUUID()),
      runDurableObjectAlarm(stub),
    ]);
  }

  async function expectBusyEqual(
    id: string,
    model: { expectedBusy(from: number, to: number): Promise<string[]> },
  ) {
    const busy = await mirrorBusy(id);
    for (const [from, to] of windows) {
      const window = [Date.now() + from * DAY_MS, Date.now() + to * DAY_MS] as const;
      expect(inWindow(busy, ...window), `busy days ${from}..${to}`).toEqual(
        await model.expectedBusy(...window),
      );
    }
  }

  it('Google: busy occurrences equal events.list singleEvents=true', async () => {
    const email = unique('race-g');
    const { id, stub } = await connect('google', email, 'America/New_York');
    const model = new GoogleModel(email, unique('race-g-org'), tokenOf(stub));
    for (let i = 0; i < 3; i += 1) {
      await createEvent('google', email, {
        summary: `Series ${i}`,
        start: { dateTime: at(1 + i, 14 + i), timeZone: 'America/New_York' },
        end: { dateTime: at(1 + i, 15 + i), timeZone: 'America/New_York' },
        recurrence: [`RRULE:FREQ=${i === 1 ? 'WEEKLY' : 'DAILY'};COUNT=${8 + i}`],
      });
      await burst(stub);
    }
    await settle(stub);
    await expectBusyEqual(id, model);
  }, 90_000);

  it('Microsoft: busy occurrences equal calendarView', async () => {
    const email = unique('race-m');
    const { id, stub } = await connect('microsoft', email, 'Europe/Berlin');
    const model = new MicrosoftModel(email, unique('race-m-org'), tokenOf(stub));
    for (let i = 0; i < 3; i += 1) {
      const startDay = at(1 + i, 0).slice(0, 10);
      await createEvent('microsoft', email, {
        subject: `Series ${i}`,
        start: {
          dateTime: `${startDay}T${String(9 + i).padStart(2, '0')}:00:00`,
          timeZone: 'W. Europe Standard Time',
        },
        end: {
          dateTime: `${startDay}T${String(10 + i).padStart(2, '0')}:00:00`,
          timeZone: 'W. Europe Standard Time',
        },
        recurrence: {
          pattern: { type: 'daily', interval: 1 },
          range: { type: 'numbered', startDate: startDay, numberOfOccurrences: 6 + i },
        },
      });
      await burst(stub);
    }
    await settle(stub);
    await expectBusyEqual(id, model);
  }, 90_000);
});
