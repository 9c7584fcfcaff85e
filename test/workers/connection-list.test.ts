/**
 * The connection list is paged, filterable by badge and searchable by account (issue 12): an admin
 * with 60 cards sees Reconnect and Error first, pages through every card exactly once, and bad
 * query values are a 400 naming the field.
 */
import { sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { connectionBadge } from '../../worker/services/connection-badge.ts';
import { call, ownerQuery, tokenFor } from './helpers.ts';

const ORG = crypto.randomUUID();
const ADMIN = crypto.randomUUID();
const viewAll = () =>
  tokenFor({
    sub: ADMIN,
    org_id: ORG,
    roles: ['org_admin'],
    permissions: ['ce.calendar.view', 'ce.calendar.view-all'],
  });

type Card = {
  id: string;
  account_email: string;
  status: string;
  sync_status: string;
  sync_enabled: boolean;
  last_sync_at: string | null;
};
type Page = { connections: Card[]; total: number; next_cursor: string | null };

async function page(query: string): Promise<Page> {
  const res = await call(`/v1/calendar/connections${query}`, { token: await viewAll() });
  expect(res.status, query).toBe(200);
  return (await res.json()) as Page;
}

const STATES = [
  { sync_status: 'syncing', sync_enabled: true, synced: true },
  { sync_status: 'syncing', sync_enabled: true, synced: false },
  { sync_status: 'syncing', sync_enabled: false, synced: true },
  { sync_status: 'error', sync_enabled: true, synced: true },
  { sync_status: 'reconnect_required', sync_enabled: false, synced: true },
] as const;

beforeAll(async () => {
  for (let i = 0; i < 60; i++) {
    const state = STATES[i % STATES.length]!;
    const owner = i % 3 === 0 ? ADMIN : crypto.randomUUID();
    await ownerQuery(sql`insert into ce_calendar_connections
        (organization_id, user_id, provider, account_email, sync_status, sync_enabled, last_sync_at, created_at)
      values (${ORG}, ${owner}, ${i % 2 ? 'google' : 'microsoft'}, ${`person${String(i).padStart(2, '0')}_x@list.example`},
        ${state.sync_status}, ${state.sync_enabled}, ${state.synced ? sql`now()` : sql`null`},
        now() - make_interval(mins => ${i}))`);
  }
});

describe('connection list', () => {
  it('pages through every card exactly once, Reconnect and Error first', async () => {
    const seen: Card[] = [];
    let cursor: string | null = '';
    let pages = 0;
    while (cursor !== null) {
      const result: Page = await page(`?limit=25${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      expect(result.total).toBe(60);
      expect(result.connections.length).toBeLessThanOrEqual(25);
      seen.push(...result.connections);
      cursor = result.next_cursor;
      pages += 1;
    }
    expect(pages).toBe(3);
    expect(new Set(seen.map((c) => c.id)).size).toBe(60);
    const rank = (c: Card) => (c.status === 'reconnect' ? 0 : c.status === 'error' ? 1 : 2);
    expect(seen.map(rank)).toEqual([...seen.map(rank)].sort());
    expect((await page('')).connections).toHaveLength(24);
  });

  it('filters by badge consistently with the card badge, and by account', async () => {
    for (const status of ['reconnect', 'error', 'paused', 'waiting', 'syncing'] as const) {
      const result = await page(`?status=${status}&limit=100`);
      expect(result.total, status).toBe(12);
      for (const card of result.connections) {
        expect(card.status).toBe(status);
        expect(
          connectionBadge({
            syncStatus: card.sync_status as 'syncing',
            syncEnabled: card.sync_enabled,
            lastSyncAt: card.last_sync_at ? new Date(card.last_sync_at) : null,
          }),
        ).toBe(status);
      }
    }
    const attention = await page('?status=attention&limit=100');
    expect(attention.total).toBe(24);
    expect(new Set(attention.connections.map((c) => c.status))).toEqual(new Set(['reconnect', 'error']));
    const search = await page('?q=PERSON0');
    expect(search.connections.map((c) => c.account_email).sort()).toEqual(
      Array.from({ length: 10 }, (_, i) => `person0${i}_x@list.example`),
    );
    // LIKE wildcards in the search are literal characters, not patterns.
    expect((await page('?q=%25')).total).toBe(0);
    expect((await page('?q=n0_')).total).toBe(0);
    expect((await page('?q=n05_x')).total).toBe(1);
  });

  it('answers bad query values with a 400 naming the field', async () => {
    for (const [query, field] of [
      ['?limit=0', 'limit'],
      ['?limit=101', 'limit'],
      ['?limit=abc', 'limit'],
      ['?status=broken', 'status'],
      ['?cursor=not-a-cursor', 'cursor'],
      [`?q=${'x'.repeat(201)}`, 'q'],
    ] as const) {
      const res = await call(`/v1/calendar/connections${query}`, { token: await viewAll() });
      expect(res.status, query).toBe(400);
      const body = (await res.json()) as { error: { details: { fields: Array<{ field: string }> } } };
      expect(body.error.details.fields[0]?.field, query).toBe(field);
    }
  });
});
