/**
 * What a person sees of the mirror (issue 13): the card's events mirrored, last successful sync, next
 * scheduled sync, last error with a message and sync lag, all written by real runs against the
 * emulator; and the card's "next 7 days" (titles for the owner and view-all holders only).
 */
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { emulatorControl } from './connect-helpers.ts';
import { ALICE, BOB, CAROL, call, ORG_A, ORG_B, ownerQuery, tokenFor } from './helpers.ts';
import { MicrosoftModel } from './sync-microsoft-model.ts';
import { connect, DAY_MS, GoogleModel, type SyncOperation, settle, tokenOf } from './sync-model.ts';

interface CardJson {
  id: string;
  events_mirrored: number;
  last_sync_at: string | null;
  next_sync_at: string | null;
  last_error: { code: string; message: string } | null;
  sync_lag_seconds: number | null;
}

const unique = (label: string) => `${label}-${crypto.randomUUID().slice(0, 8)}@example.test`;
const aliceToken = () => tokenFor({ sub: ALICE, org_id: ORG_A, permissions: ['ce.calendar.view'] });

async function cardOf(id: string, email: string): Promise<CardJson | undefined> {
  const res = await call(`/v1/calendar/connections?limit=100&q=${encodeURIComponent(email)}`, {
    token: await aliceToken(),
  });
  expect(res.status).toBe(200);
  const { connections } = (await res.json()) as { connections: CardJson[] };
  return connections.find((c) => c.id === id);
}

describe('connection card: mirror facts', () => {
  it('counts, last/next sync, lag after an incremental run, and a human error message', async () => {
    const email = unique('cards');
    const { id, stub } = await connect('google', email);
    const start = new Date(Date.now() + DAY_MS).toISOString();
    const end = new Date(Date.now() + DAY_MS + 3_600_000).toISOString();
    await emulatorControl(`/accounts/google/${email}/events`, {
      event: { summary: 'Pipeline review', start: { dateTime: start }, end: { dateTime: end } },
    });
    await settle(stub);
    const first = await cardOf(id, email);
    expect(first).toMatchObject({ events_mirrored: 1, last_error: null });
    expect(first?.last_sync_at).not.toBeNull();
    expect(Date.parse(first?.next_sync_at ?? '')).toBeGreaterThan(Date.now());

    await emulatorControl(`/accounts/google/${email}/events`, {
      event: { summary: 'Second', start: { dateTime: start }, end: { dateTime: end } },
    });
    await settle(stub);
    const second = await cardOf(id, email);
    expect(second?.events_mirrored).toBe(2);
    expect(second?.sync_lag_seconds).not.toBeNull();
    expect(second?.sync_lag_seconds).toBeGreaterThanOrEqual(0);

    await emulatorControl('/faults', {
      provider: 'google',
      account: email,
      endpoint: 'events.list',
      kind: 'quota_exceeded',
      times: 1,
    });
    const { queueRun, makeDue } = await import('./sync-model.ts');
    const { runDurableObjectAlarm } = await import('cloudflare:test');
    await queueRun(stub);
    await makeDue(stub);
    await runDurableObjectAlarm(stub);
    const failed = await cardOf(id, email);
    expect(failed?.last_error?.code).toBe('quota_exceeded');
    expect(failed?.last_error?.message).toMatch(/quota/i);
    expect(failed?.last_sync_at).toBe(second?.last_sync_at); // only successful runs move it
    // Daily quota: not retried for an hour.
    expect(Date.parse(failed?.next_sync_at ?? '')).toBeGreaterThan(Date.now() + 55 * 60_000);
    expect(JSON.stringify(failed)).not.toMatch(/dailyLimit|Bearer/);
  });

  it('next 7 days: titles for the owner and view-all holders; nobody else sees the card', async () => {
    const email = unique('upcoming');
    const { id, stub } = await connect('google', email);
    const at = (days: number) => new Date(Date.now() + days * DAY_MS).toISOString();
    await emulatorControl(`/accounts/google/${email}/events`, {
      event: { summary: 'Board meeting', start: { dateTime: at(2) }, end: { dateTime: at(2.05) } },
    });
    await emulatorControl(`/accounts/google/${email}/events`, {
      event: { summary: 'Far away', start: { dateTime: at(20) }, end: { dateTime: at(20.05) } },
    });
    await settle(stub);
    const owner = await call(`/v1/calendar/connections/${id}/upcoming`, { token: await aliceToken() });
    expect(owner.status).toBe(200);
    const body = (await owner.json()) as { events: Array<{ title: string | null; busy_kind: string }> };
    expect(body.events.map((e) => e.title)).toEqual(['Board meeting']);

    const viewAll = await tokenFor({ sub: BOB, org_id: ORG_A, permissions: ['ce.calendar.view-all'] });
    const admin = await call(`/v1/calendar/connections/${id}/upcoming`, { token: viewAll });
    expect(admin.status).toBe(200);
    expect(((await admin.json()) as { events: Array<{ title: string | null }> }).events[0]?.title).toBe(
      'Board meeting',
    );

    const colleague = await tokenFor({ sub: BOB, org_id: ORG_A, permissions: ['ce.calendar.view'] });
    const hidden = await call(`/v1/calendar/connections/${id}/upcoming`, { token: colleague });
    expect(hidden.status).toBe(404);
    expect(await hidden.text()).not.toMatch(/Board meeting/);

    // Another organization: even its admins with view-all, even Alice's own user id there, get 404.
    for (const sub of [CAROL, ALICE]) {
      const foreign = await tokenFor({
        sub,
        org_id: ORG_B,
        permissions: ['ce.calendar.view', 'ce.calendar.view-all'],
      });
      const other = await call(`/v1/calendar/connections/${id}/upcoming`, { token: foreign });
      expect(other.status).toBe(404);
      expect(await other.text()).not.toMatch(/Board meeting/);
    }

    const bad = await call('/v1/calendar/connections/not-a-uuid/upcoming', { token: await aliceToken() });
    expect(bad.status).toBe(400);
    const [row] = await ownerQuery<{ n: number }>(
      sql`select count(*)::int as n from ce_calendar_events where connection_id = ${id}`,
    );
    expect(row?.n).toBe(2);
  });

  it('events mirrored counts the same calendar alike on Google and Outlook (series once, plus changed instances)', async () => {
    // The same calendar on both: one single, one daily series of 5 with one instance moved and one cancelled.
    const operations: SyncOperation[] = [
      { op: 'createSingle', day: 2, hour: 9, minutes: 60, zone: 'UTC', kind: 'default', transparent: false },
      { op: 'createSeries', day: 3, hour: 8, zone: 'UTC', freq: 'DAILY', count: 5, allDay: false },
      { op: 'sync' },
      { op: 'moveInstance', ref: 0, index: 1, shiftMinutes: 60 },
      { op: 'cancelInstance', ref: 0, index: 3 },
    ];
    const counts: Record<string, number> = {};
    for (const provider of ['google', 'microsoft'] as const) {
      const email = unique(`count-${provider}`);
      const { id, stub } = await connect(provider, email, 'UTC');
      const model =
        provider === 'google'
          ? new GoogleModel(email, email, tokenOf(stub))
          : new MicrosoftModel(email, email, tokenOf(stub));
      for (const operation of operations) {
        if (operation.op === 'sync') await settle(stub);
        else await model.apply(operation);
      }
      await settle(stub);
      counts[provider] = (await cardOf(id, email))?.events_mirrored ?? -1;
    }
    // Single + series + the moved instance; the cancelled instance and plain occurrences do not count.
    expect(counts).toEqual({ google: 3, microsoft: 3 });
  });
});
