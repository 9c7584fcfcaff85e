/**
 * Memory of the sync during initial syncs of growing Google calendars (issue 13): the object must
 * stream pages (one page and its rows at a time), not hold the calendar. workerd shows no heap
 * figure inside an object, so bench/run.ts samples the workerd process' resident set from the host
 * (bench/workers/sync-rss-sampler.ts) between the phase marks printed here. Calendars grow from
 * 1,000 to 40,000 events; each phase is one initial sync from an empty mirror and no cursor.
 *
 * Smaller calendars run first: V8 keeps pages it grew into, so a later phase starts from a higher
 * resident set and a phase's growth above its own start is what it needed beyond the earlier ones.
 * A calendar held whole would still show as growth that follows its size.
 */
import { sql } from 'drizzle-orm';
import { expect, it } from 'vitest';
import { emulatorControl } from '../../test/workers/connect-helpers.ts';
import { ownerQuery } from '../../test/workers/helpers.ts';
import { connect, DAY_MS, settle } from '../../test/workers/sync-model.ts';
import { GOOGLE_PAGE_SIZE } from '../../worker/providers/google/changes.ts';
import { report } from './stats.ts';

const SUITE = 'sync';
const SIZES = [1_000, 10_000, 20_000, 40_000] as const;
const phaseName = (size: number) =>
  `workerd RSS, initial sync of a ${size.toLocaleString('en-US')}-event calendar`;

/** Read by bench/run.ts (RssSampler.line): the host samples workerd's RSS between start and end. */
function mark(mark: 'start' | 'end', label: string, baseline?: string): void {
  console.log(
    `BENCH-RSS ${JSON.stringify({ mark, suite: SUITE, label, ...(baseline ? { baseline } : {}) })}`,
  );
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

it('sync memory: initial sync of 1,000 / 10,000 / 20,000 / 40,000-event calendars, workerd RSS from the host', async () => {
  for (const size of SIZES) {
    const email = `bench-mem-${size}-${crypto.randomUUID().slice(0, 8)}@bench.example`;
    const { id, stub } = await connect('google', email);
    // The object's own first sync (of the still empty calendar) ends first; then the calendar is
    // filled and its cursor dropped, so the measured run is exactly an initial sync, and no earlier
    // sync of this calendar has already grown the process.
    await settle(stub, 3, 300_000);
    await emulatorControl(`/accounts/google/${email}/generate`, {
      count: size,
      seed: 13,
      start_date: new Date(Date.now() - 20 * DAY_MS).toISOString().slice(0, 10),
      days: 300,
    });
    await ownerQuery(sql`delete from ce_calendar_events where connection_id = ${id}`);
    await ownerQuery(sql`update ce_calendar_connections set sync_cursor = null where id = ${id}`);
    // Marks travel through vitest's log forwarding: a pause each side keeps the phase around the sync.
    const label = phaseName(size);
    mark('start', label);
    await pause(500);
    const t0 = performance.now();
    await settle(stub, 3, 300_000);
    const ms = performance.now() - t0;
    await pause(500);
    mark('end', label, size === SIZES[0] ? undefined : phaseName(SIZES[0]));
    const [counts] = await ownerQuery<{ events: number }>(
      sql`select count(*)::int as events from ce_calendar_events where connection_id = ${id}`,
    );
    expect(counts?.events).toBeGreaterThanOrEqual(size);
    report(SUITE, `initial sync for the memory phases, ${size.toLocaleString('en-US')} events`, {
      events: counts?.events ?? 0,
      events_per_page_max: GOOGLE_PAGE_SIZE,
      ms: Math.round(ms),
    });
  }
}, 1_500_000);
