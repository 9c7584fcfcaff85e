/**
 * Tenant isolation proven in the database itself: the app role with one organization's claims sees
 * and writes only that organization's rows, whatever SQL it runs.
 */
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { tenantTables } from '../../db/schema.ts';
import { asTenant, type Claims, connect } from '../support/pg.ts';

const ORG_A = '0a000000-0000-4000-8000-00000000000a';
const ORG_B = '0b000000-0000-4000-8000-00000000000b';
const ALICE = 'a1000000-0000-4000-8000-0000000000a1'; // org A, owns a connection
const BOB = 'b0b00000-0000-4000-8000-0000000000b0'; // org A, owns a connection
const ZED = 'ffff0000-0000-4000-8000-00000000ffff'; // org B

let owner: pg.Client;
let app: pg.Client;
const ids: Record<string, string> = {};

async function ownerInsert(table: string, values: Record<string, unknown>): Promise<string> {
  const keys = Object.keys(values);
  const result = await owner.query(
    `insert into ${table} (${keys.join(', ')}) values (${keys.map((_, i) => `$${i + 1}`).join(', ')}) returning *`,
    Object.values(values),
  );
  const row = result.rows[0] as { id?: string; organization_id: string };
  return row.id ?? row.organization_id;
}

async function seedOrganization(org: string, users: string[], tag: string): Promise<void> {
  await ownerInsert('ce_module_settings', { organization_id: org });
  const secret = await ownerInsert('pf_credentials', {
    organization_id: org,
    kind: 'oauth_client_secret',
    ciphertext: 'x',
    iv: 'y',
    key_version: 1,
  });
  ids[`gws_${tag}`] = await ownerInsert('pf_gws_connections', {
    organization_id: org,
    oauth_client_id: `client-${tag}`,
    oauth_client_secret_credential_id: secret,
  });
  for (const user of users) {
    const connection = await ownerInsert('ce_calendar_connections', {
      organization_id: org,
      user_id: user,
      provider: 'google',
      account_email: `${user}@example.test`,
    });
    ids[`conn_${user}`] = connection;
    const activity = await ownerInsert('ce_activities', {
      organization_id: org,
      owner_user_id: user,
      subject: 'Kickoff',
      starts_at: '2026-12-01T10:00:00Z',
      ends_at: '2026-12-01T11:00:00Z',
    });
    ids[`event_${user}`] = await ownerInsert('ce_calendar_events', {
      organization_id: org,
      connection_id: connection,
      provider_event_id: `evt-${user}`,
      title: 'Kickoff',
      start_at: '2026-12-01T10:00:00Z',
      end_at: '2026-12-01T11:00:00Z',
      activity_id: activity,
    });
    await ownerInsert('pf_notifications', {
      organization_id: org,
      user_id: user,
      kind: 'meeting_reminder',
      scheduled_for: '2026-12-01T09:45:00Z',
    });
    await ownerInsert('ce_calendar_oauth_states', {
      organization_id: org,
      user_id: user,
      provider: 'google',
      state_hash: `hash-${user}`,
      code_verifier: 'v',
      expires_at: '2030-01-01T00:00:00Z',
    });
  }
}

beforeAll(async () => {
  owner = await connect(inject('ownerDatabaseUrl'));
  app = await connect(inject('workerDatabaseUrl'));
  await owner.query(`truncate ${tenantTables.join(', ')} cascade`);
  await seedOrganization(ORG_A, [ALICE, BOB], 'a');
  await seedOrganization(ORG_B, [ZED], 'b');
});

afterAll(async () => {
  await app?.end();
  await owner?.end();
});

const select = (claims: Claims, query: string, params: unknown[] = []) =>
  asTenant(app, claims, async () => (await app.query(query, params)).rows as Array<Record<string, unknown>>);

describe('RLS in Postgres', () => {
  it('every tenant table has ENABLE and FORCE row level security, owned by a role other than the app role', async () => {
    const result = await owner.query(
      `select c.relname, c.relrowsecurity, c.relforcerowsecurity, pg_get_userbyid(c.relowner) as owner
         from pg_class c where c.relname = any($1)`,
      [tenantTables],
    );
    expect(result.rows).toHaveLength(tenantTables.length);
    for (const row of result.rows) {
      expect(row).toMatchObject({ relrowsecurity: true, relforcerowsecurity: true });
      expect(row.owner).not.toBe('ce_app');
    }
  });

  it('the app role owns nothing and cannot bypass RLS; transactions run as ce_app', async () => {
    const roles = await owner.query(
      `select rolname, rolbypassrls, rolsuper from pg_roles where rolname in ('ce_app', $1)`,
      [new URL(inject('workerDatabaseUrl')).username],
    );
    expect(roles.rows).toHaveLength(2);
    for (const role of roles.rows) expect(role).toMatchObject({ rolbypassrls: false, rolsuper: false });
    const owned = await owner.query(
      `select count(*)::int as n from pg_class where relowner = 'ce_app'::regrole`,
    );
    expect(owned.rows[0].n).toBe(0);
    const [me] = await select({ sub: ALICE, org_id: ORG_A }, 'select current_user as role');
    expect(me?.role).toBe('ce_app');
  });

  it('ce_user_owns_calendar_connection is SECURITY DEFINER with a pinned search_path', async () => {
    const result = await owner.query(
      `select prosecdef, proconfig from pg_proc where proname = 'ce_user_owns_calendar_connection'`,
    );
    expect(result.rows[0].prosecdef).toBe(true);
    expect(result.rows[0].proconfig.join(',')).toMatch(/^search_path=/);
  });

  it("SELECT * without WHERE returns only org A's rows on every tenant table", async () => {
    const claims = { sub: ALICE, org_id: ORG_A, roles: ['org_admin'], permissions: ['ce.calendar.view-all'] };
    for (const table of tenantTables) {
      const rows = await select(claims, `select * from ${table}`);
      expect(rows.length, table).toBeGreaterThan(0);
      expect(new Set(rows.map((r) => r.organization_id)), table).toEqual(new Set([ORG_A]));
    }
  });

  it('without claims nothing is visible', async () => {
    for (const table of tenantTables) {
      const rows = await asTenant(
        app,
        { sub: '', org_id: '' } as Claims,
        async () => (await app.query(`select * from ${table}`)).rows,
      ).catch(() => []);
      expect(rows, table).toEqual([]);
    }
  });

  it("inserting a row with org B's id is rejected as org A on every tenant table", async () => {
    const claims = { sub: ALICE, org_id: ORG_A, roles: ['org_admin'], permissions: ['ce.calendar.view-all'] };
    const attempts: Array<[string, string, unknown[]]> = [
      ['ce_module_settings', 'insert into ce_module_settings (organization_id) values ($1)', [ORG_B]],
      [
        'pf_credentials',
        `insert into pf_credentials (organization_id, kind, ciphertext, iv, key_version) values ($1, 'oauth_access_token', 'c', 'i', 1)`,
        [ORG_B],
      ],
      [
        'pf_gws_connections',
        `insert into pf_gws_connections (organization_id, oauth_client_id, oauth_client_secret_credential_id) select $1, 'x', id from pf_credentials limit 1`,
        [ORG_B],
      ],
      [
        'ce_calendar_connections',
        `insert into ce_calendar_connections (organization_id, user_id, provider, account_email) values ($1, $2, 'google', 'x@example.test')`,
        [ORG_B, ALICE],
      ],
      [
        'ce_activities',
        `insert into ce_activities (organization_id, owner_user_id, subject, starts_at, ends_at) values ($1, $2, 's', now(), now())`,
        [ORG_B, ALICE],
      ],
      [
        'ce_calendar_events',
        `insert into ce_calendar_events (organization_id, connection_id, provider_event_id, start_at, end_at) values ($1, $2, 'evil', now(), now())`,
        [ORG_B, ids[`conn_${ALICE}`]],
      ],
      [
        'pf_notifications',
        `insert into pf_notifications (organization_id, user_id, kind, scheduled_for) values ($1, $2, 'k', now())`,
        [ORG_B, ALICE],
      ],
      [
        'ce_calendar_oauth_states',
        `insert into ce_calendar_oauth_states (organization_id, user_id, provider, state_hash, code_verifier, expires_at) values ($1, $2, 'google', 'h-evil', 'v', now())`,
        [ORG_B, ALICE],
      ],
    ];
    expect(attempts.map(([table]) => table).sort()).toEqual([...tenantTables].sort());
    for (const [table, query, params] of attempts) {
      await expect(
        asTenant(app, claims, () => app.query(query, params)),
        table,
      ).rejects.toThrow(/row-level security|violates/);
    }
  });

  it("updates and deletes cannot reach org B's rows", async () => {
    const claims = { sub: ZED, org_id: ORG_A, roles: ['org_admin'], permissions: ['ce.calendar.view-all'] };
    for (const table of tenantTables) {
      const result = await asTenant(app, claims, () =>
        app.query(`delete from ${table} where organization_id = $1`, [ORG_B]),
      );
      expect(result.rowCount, table).toBe(0);
    }
    const remaining = await owner.query(
      'select count(*)::int as n from ce_calendar_events where organization_id = $1',
      [ORG_B],
    );
    expect(remaining.rows[0].n).toBe(1);
  });

  describe('connections and events: owner vs view vs view-all', () => {
    it('a user with ce.calendar.view sees only their own connection and events', async () => {
      const claims = { sub: ALICE, org_id: ORG_A, permissions: ['ce.calendar.view'] };
      const connections = await select(claims, 'select user_id from ce_calendar_connections');
      expect(connections).toEqual([{ user_id: ALICE }]);
      const events = await select(claims, 'select id from ce_calendar_events');
      expect(events).toEqual([{ id: ids[`event_${ALICE}`] }]);
    });

    it('ce.calendar.view-all sees every connection and event of the organization, none of another', async () => {
      const claims = { sub: ALICE, org_id: ORG_A, permissions: ['ce.calendar.view-all'] };
      const connections = await select(
        claims,
        'select user_id from ce_calendar_connections order by user_id',
      );
      expect(connections.map((r) => r.user_id).sort()).toEqual([ALICE, BOB].sort());
      const events = await select(claims, 'select id from ce_calendar_events');
      expect(events).toHaveLength(2);
    });

    it('view-all does not allow changing a colleague connection or event (owner-only writes)', async () => {
      const claims = { sub: ALICE, org_id: ORG_A, permissions: ['ce.calendar.view-all'] };
      const update = await asTenant(app, claims, () =>
        app.query('update ce_calendar_connections set sync_enabled = false where user_id = $1', [BOB]),
      );
      expect(update.rowCount).toBe(0);
      const eventDelete = await asTenant(app, claims, () =>
        app.query('delete from ce_calendar_events where id = $1', [ids[`event_${BOB}`]]),
      );
      expect(eventDelete.rowCount).toBe(0);
      const own = await asTenant(app, claims, () =>
        app.query('update ce_calendar_connections set sync_enabled = true where user_id = $1', [ALICE]),
      );
      expect(own.rowCount).toBe(1);
    });

    it("cannot insert an event into a colleague's connection", async () => {
      const claims = { sub: ALICE, org_id: ORG_A, permissions: ['ce.calendar.view-all'] };
      await expect(
        asTenant(app, claims, () =>
          app.query(
            `insert into ce_calendar_events (organization_id, connection_id, provider_event_id, start_at, end_at)
             values ($1, $2, 'sneaky', now(), now())`,
            [ORG_A, ids[`conn_${BOB}`]],
          ),
        ),
      ).rejects.toThrow(/row-level security/);
    });

    it('a user may not create a connection for someone else', async () => {
      const claims = { sub: ALICE, org_id: ORG_A, permissions: ['ce.calendar.connect'] };
      await expect(
        asTenant(app, claims, () =>
          app.query(
            `insert into ce_calendar_connections (organization_id, user_id, provider, account_email) values ($1, $2, 'google', 'z@example.test')`,
            [ORG_A, BOB],
          ),
        ),
      ).rejects.toThrow(/row-level security/);
    });
  });

  it('module settings: members read, only admins write', async () => {
    const member = { sub: BOB, org_id: ORG_A };
    expect(await select(member, 'select organization_id from ce_module_settings')).toEqual([
      { organization_id: ORG_A },
    ]);
    const denied = await asTenant(app, member, () =>
      app.query('update ce_module_settings set calendar_sync_poll_interval_minutes = 20'),
    );
    expect(denied.rowCount).toBe(0);
    const admin = { sub: BOB, org_id: ORG_A, roles: ['org_admin'] };
    const allowed = await asTenant(app, admin, () =>
      app.query('update ce_module_settings set calendar_sync_poll_interval_minutes = 20'),
    );
    expect(allowed.rowCount).toBe(1);
  });

  it('CHECK constraints hold the setting ranges even for the owner', async () => {
    for (const [column, bad] of [
      ['calendar_default_meeting_duration_minutes', 481],
      ['calendar_sync_poll_interval_minutes', 4],
      ['calendar_pre_meeting_notification_minutes', 1441],
    ] as const) {
      await expect(owner.query(`update ce_module_settings set ${column} = $1`, [bad])).rejects.toThrow(
        /check constraint/,
      );
    }
  });
});
