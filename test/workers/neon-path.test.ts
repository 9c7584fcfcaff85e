import { env } from 'cloudflare:workers';
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { Database } from '../../db/tenant.ts';
import { ALICE, ORG_A } from './helpers.ts';

describe('worker → neon Pool → WebSocket proxy → Postgres', () => {
  it('runs tenant transactions as ce_app with the request claims in effect', async () => {
    const database = new Database(env);
    try {
      const claims = { sub: ALICE, org_id: ORG_A, roles: ['org_admin'], permissions: ['ce.calendar.view'] };
      const rows = await database.asTenant(claims, async (tx) => {
        const result =
          await tx.execute(sql`select auth.uid() as uid, auth.org_id() as org, current_user as role,
          auth.has_permission('ce.calendar.view') as can_view, auth.has_permission('ce.calendar.view-all') as can_view_all,
          auth.is_org_admin() as admin`);
        return result.rows;
      });
      expect(rows).toEqual([
        { uid: ALICE, org: ORG_A, role: 'ce_app', can_view: true, can_view_all: false, admin: true },
      ]);

      // SET LOCAL semantics: after commit the claims are gone (asSystem sets the role but no claims).
      const after = await database.asSystem((tx) =>
        tx.execute(sql`select coalesce(current_setting('request.jwt.claims', true), '') as claims`),
      );
      expect(after.rows[0]?.claims).toBe('');
    } finally {
      await database.close();
    }
  });

  it('runs five tenant transactions concurrently through one pool', async () => {
    const database = new Database(env);
    try {
      const claims = { sub: ALICE, org_id: ORG_A, roles: [], permissions: [] };
      const results = await Promise.all(
        Array.from({ length: 5 }, (_, i) =>
          database.asTenant(
            claims,
            async (tx) => (await tx.execute(sql`select ${i}::int as n, auth.uid() as uid`)).rows[0],
          ),
        ),
      );
      expect(results).toEqual(Array.from({ length: 5 }, (_, n) => ({ n, uid: ALICE })));
    } finally {
      await database.close();
    }
  });

  it('rolls the claims back with a failed transaction', async () => {
    const database = new Database(env);
    try {
      const claims = { sub: ALICE, org_id: ORG_A, roles: [], permissions: [] };
      await expect(database.asTenant(claims, async (tx) => tx.execute(sql`select 1/0`))).rejects.toThrow();
      const after = await database.asSystem((tx) => tx.execute(sql`select auth.uid() as uid`));
      expect(after.rows[0]).toMatchObject({ uid: null });
    } finally {
      await database.close();
    }
  });
});
