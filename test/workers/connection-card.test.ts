/** The card's badge through the API: "Waiting for first sync" until a sync run has ended. */
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { ALICE, call, insertConnection, ORG_A, ownerQuery, tokenFor } from './helpers.ts';

const cardOf = async (id: string) => {
  const token = await tokenFor({ sub: ALICE, org_id: ORG_A, permissions: ['ce.calendar.view'] });
  const res = await call('/v1/calendar/connections', { token });
  expect(res.status).toBe(200);
  const { connections } = (await res.json()) as {
    connections: Array<{ id: string; status: string; last_sync_at: string | null }>;
  };
  return connections.find((c) => c.id === id);
};

describe('connection card badge', () => {
  it('says waiting while nothing has run, syncing after a run ended, and paused/reconnect over both', async () => {
    const id = await insertConnection(ORG_A, ALICE);
    expect(await cardOf(id)).toMatchObject({ status: 'waiting', last_sync_at: null });
    await ownerQuery(sql`update ce_calendar_connections set last_sync_at = now() where id = ${id}`);
    expect((await cardOf(id))?.status).toBe('syncing');
    await ownerQuery(
      sql`update ce_calendar_connections set sync_enabled = false, sync_status = 'paused' where id = ${id}`,
    );
    expect((await cardOf(id))?.status).toBe('paused');
    await ownerQuery(
      sql`update ce_calendar_connections set sync_status = 'reconnect_required', last_sync_at = null where id = ${id}`,
    );
    expect((await cardOf(id))?.status).toBe('reconnect');
  });
});
