/**
 * Sync benchmarks (issue 13), in workerd against Postgres and the emulator:
 * - initial sync of a 10,000-event Google calendar (series, exceptions, all-day, OOO, …): events/s,
 *   and the ratio to a raw multi-row INSERT of the same rows (events and busy occurrences) into the
 *   same tables;
 * - incremental sync of 1 changed event in a 100-event vs a 10,000-event calendar;
 * - memory of the object during the 10,000-event sync, as far as workerd lets a test see it (the
 *   process' RSS sampled from the host, across calendar sizes, is sync-memory.bench.test.ts).
 */
import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { sql } from 'drizzle-orm';
import { expect, it } from 'vitest';
import { ceCalendarBusyOccurrences, ceCalendarEvents } from '../../db/schema.ts';
import { emulatorControl } from '../../test/workers/connect-helpers.ts';
import { ownerDrizzle, ownerQuery } from '../../test/workers/helpers.ts';
import { connect, DAY_MS, type Stub, settle, tokenOf } from '../../test/workers/sync-model.ts';
import { GOOGLE_PAGE_SIZE } from '../../worker/providers/google/changes.ts';
import { report, summarize } from './stats.ts';

const unique = (label: string) => `${label}-${crypto.randomUUID().slice(0, 8)}@bench.example`;
const startDate = () => new Date(Date.now() - 20 * DAY_MS).toISOString().slice(0, 10);

async function calendar(label: string, count: number) {
  const email = unique(label);
  const { id, stub } = await connect('google', email);
  const summary = await emulatorControl<Record<string, number>>(`/accounts/google/${email}/generate`, {
    count,
    seed: 13,
    start_date: startDate(),
    days: 300,
  });
  return { email, id, stub, summary };
}

const listCalls = async (email: string) =>
  (await emulatorControl<Record<string, number>>(`/accounts/google/${email}/counters`))['events.list'] ?? 0;

/** Heap figure of the object's isolate if workerd exposes one (nodejs_compat `process.memoryUsage`). */
const objectHeap = (stub: Stub) =>
  runInDurableObject(stub, () => {
    try {
      const usage = (
        globalThis as { process?: { memoryUsage?: () => { heapUsed: number } } }
      ).process?.memoryUsage?.();
      return usage && usage.heapUsed > 0 ? usage.heapUsed : null;
    } catch {
      return null;
    }
  });

async function changeOne(email: string): Promise<void> {
  const created = await emulatorControl<{ id: string }>(`/accounts/google/${email}/events`, {
    event: {
      summary: `Bench change ${crypto.randomUUID().slice(0, 6)}`,
      start: { dateTime: new Date(Date.now() + 2 * DAY_MS).toISOString() },
      end: { dateTime: new Date(Date.now() + 2 * DAY_MS + 3_600_000).toISOString() },
    },
  });
  await emulatorControl(
    `/accounts/google/${email}/events/${created.id}`,
    { event: { summary: 'Bench changed' } },
    'PATCH',
  );
}

it('sync: initial 10,000-event calendar vs raw INSERT; incremental 1 change at 100 vs 10,000 events', async () => {
  const big = await calendar('bench-big', 10_000);
  // The object's own first sync may already be running from connect: let it finish, then start
  // again from an empty mirror and no cursor, which is exactly an initial sync.
  await settle(big.stub, 3, 300_000);
  await ownerQuery(sql`delete from ce_calendar_events where connection_id = ${big.id}`);
  await ownerQuery(sql`update ce_calendar_connections set sync_cursor = null where id = ${big.id}`);
  const heapBefore = await objectHeap(big.stub);
  const callsBefore = await listCalls(big.email);
  const t0 = performance.now();
  await settle(big.stub, 3, 300_000);
  const initialMs = performance.now() - t0;
  const heapAfter = await objectHeap(big.stub);
  const pages = (await listCalls(big.email)) - callsBefore;
  const [counts] = await ownerQuery<{ events: number; busy: number }>(sql`
    select (select count(*)::int from ce_calendar_events where connection_id = ${big.id}) as events,
           (select count(*)::int from ce_calendar_busy_occurrences where connection_id = ${big.id}) as busy`);
  expect(counts?.events).toBeGreaterThanOrEqual(10_000);

  // Raw baseline: the same rows, as multi-row INSERTs (500 rows each) into the same tables, for a
  // second connection of the same user (what the engine's writes cost without any sync logic).
  const other = await connect('google', unique('bench-raw'));
  // The second connection's own (empty) first sync must not run: its full round would remove the
  // rows copied in below. Paused in the row (pages check it under lock) and in the object.
  await ownerQuery(sql`update ce_calendar_connections set sync_enabled = false where id = ${other.id}`);
  await other.stub.setSyncEnabled(false, crypto.randomUUID());
  await new Promise((resolve) => setTimeout(resolve, 2000));
  const owner = ownerDrizzle();
  let rawMs: number;
  try {
    // One snapshot of both tables (the object may still be finishing a no-op run of its own).
    const { events, busy } = await owner.db.transaction(
      async (tx) => ({
        events: await tx.select().from(ceCalendarEvents).where(sql`connection_id = ${big.id}`),
        busy: await tx.select().from(ceCalendarBusyOccurrences).where(sql`connection_id = ${big.id}`),
      }),
      { isolationLevel: 'repeatable read' },
    );
    const newId = new Map(events.map((e) => [e.id, crypto.randomUUID()]));
    const eventRows = events.map((e) => ({ ...e, id: newId.get(e.id)!, connectionId: other.id }));
    const busyRows = busy.map((b) => ({
      ...b,
      id: crypto.randomUUID(),
      connectionId: other.id,
      eventId: newId.get(b.eventId)!,
    }));
    const t1 = performance.now();
    for (let i = 0; i < eventRows.length; i += 500)
      await owner.db.insert(ceCalendarEvents).values(eventRows.slice(i, i + 500));
    for (let i = 0; i < busyRows.length; i += 500)
      await owner.db.insert(ceCalendarBusyOccurrences).values(busyRows.slice(i, i + 500));
    rawMs = performance.now() - t1;
  } finally {
    await owner.close();
  }
  const events = counts?.events ?? 0;
  report('sync', 'initial sync, 10,000-event Google calendar', {
    events,
    busy_occurrences: counts?.busy ?? 0,
    pages,
    ms: Math.round(initialMs),
    events_per_s: Math.round(events / (initialMs / 1000)),
    raw_insert_ms: Math.round(rawMs),
    ratio_to_raw: Math.round((rawMs / initialMs) * 100) / 100,
  });
  // What the object holds at once is one page: measure the largest page the same query returns.
  const token = await tokenOf(big.stub)();
  let largestPage = 0;
  let pageToken: string | undefined;
  do {
    const url = new URL(`${env.GOOGLE_API_BASE_URL}/calendar/v3/calendars/primary/events`);
    url.searchParams.set('maxResults', String(GOOGLE_PAGE_SIZE));
    url.searchParams.set('singleEvents', 'false');
    if (pageToken) url.searchParams.set('pageToken', pageToken);
    const text = await (await fetch(url, { headers: { authorization: `Bearer ${token}` } })).text();
    largestPage = Math.max(largestPage, text.length);
    pageToken = (JSON.parse(text) as { nextPageToken?: string }).nextPageToken;
  } while (pageToken);
  report('sync', 'object memory during the 10,000-event sync', {
    heap_before_bytes: heapBefore ?? 'not exposed by workerd',
    heap_after_bytes: heapAfter ?? 'not exposed by workerd',
    events_per_page_max: GOOGLE_PAGE_SIZE,
    largest_page_json_bytes: largestPage,
    held_at_once: 'one page and its mapped rows; each page is its own transaction',
  });

  const small = await calendar('bench-small', 100);
  await settle(small.stub, 3);
  const timings: Record<string, number[]> = { small: [], big: [] };
  for (let round = 0; round < 5; round += 1) {
    for (const [key, target] of [
      ['small', small],
      ['big', big],
    ] as const) {
      await changeOne(target.email);
      const t = performance.now();
      await settle(target.stub, 3);
      timings[key]!.push(performance.now() - t);
    }
  }
  const s = summarize(timings.small!);
  const b = summarize(timings.big!);
  report('sync', 'incremental 1 change, 100-event calendar', s);
  report('sync', 'incremental 1 change, 10,000-event calendar', b);
  report('sync', 'incremental ratio 10,000 / 100 (p50, goal ≤ 1.5)', {
    ratio_p50: Math.round((b.p50_ms / s.p50_ms) * 100) / 100,
  });
}, 600_000);
