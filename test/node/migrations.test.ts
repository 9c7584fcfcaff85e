/**
 * Migrations create no login role (issue 12 item 3) and `npm run db:migrate` works as the README
 * says (item 8). Each check runs against a fresh embedded Postgres, so no other run's roles (roles
 * are cluster-wide on a shared server) can blur the before/after comparison.
 */
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, describe, expect, inject, it } from 'vitest';
import {
  FUNCTIONS_DIR,
  latestFunctionsMigration,
  MIGRATIONS_DIR,
  renderFunctionsMigration,
} from '../../db/functions/render.ts';
import { startEmbeddedPostgres } from '../../db/local/embedded.ts';
import { runMigrations } from '../../db/migrate.ts';
import { connect } from '../support/pg.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const run = promisify(execFile);
const stops: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
});

async function freshEmbedded(): Promise<string> {
  const embedded = await startEmbeddedPostgres();
  stops.push(embedded.stop);
  return embedded.url;
}

async function roles(url: string): Promise<Array<{ rolname: string; rolcanlogin: boolean }>> {
  const client = await connect(url);
  try {
    return (await client.query('select rolname, rolcanlogin from pg_roles order by rolname')).rows;
  } finally {
    await client.end();
  }
}

describe('migrations and roles', () => {
  it('a freshly migrated database has no LOGIN role the migrations created', async () => {
    const url = await freshEmbedded();
    const before = await roles(url);
    await runMigrations(url);
    const after = await roles(url);
    const created = after.filter((role) => !before.some((b) => b.rolname === role.rolname));
    expect(created.map((role) => role.rolname)).toContain('ce_app');
    expect(created.filter((role) => role.rolcanlogin)).toEqual([]);
    expect(after.filter((role) => role.rolcanlogin)).toEqual(before.filter((role) => role.rolcanlogin));
  });

  it('retires the fixed-password ce_worker role that databases migrated before issue 12 have', async () => {
    const url = await freshEmbedded();
    const client = await connect(url);
    try {
      await client.query(`do $$ begin
        if not exists (select 1 from pg_roles where rolname = 'ce_worker') then
          create role ce_worker login password 'ce_worker_local';
        else alter role ce_worker login password 'ce_worker_local'; end if; end $$`);
      await runMigrations(url);
      const { rows } = await client.query<{ rolcanlogin: boolean; rolpassword: string | null }>(
        "select rolcanlogin, rolpassword from pg_authid where rolname = 'ce_worker'",
      );
      expect(rows).toEqual([{ rolcanlogin: false, rolpassword: null }]);
    } finally {
      await client.end();
    }
  });

  it('no migration file creates a login role or sets a password', () => {
    const folder = `${root}/db/migrations`;
    for (const file of readdirSync(folder).filter((name) => name.endsWith('.sql'))) {
      const sql = readFileSync(`${folder}/${file}`, 'utf8').replace(/--.*$/gm, '');
      expect(sql, file).not.toMatch(/\bCREATE\s+USER\b/i);
      // Only ever to remove one (0011 retires the old fixed-password role).
      expect(sql, file).not.toMatch(/\bPASSWORD\s+(?!NULL\b)/i);
      for (const statement of sql.match(/\b(CREATE|ALTER)\s+ROLE\b[^;]*/gi) ?? []) {
        expect(statement, file).toMatch(/\bNOLOGIN\b/i);
      }
    }
  });

  it("the test set-up's own worker role logs in, is a member of ce_app, cannot bypass RLS and owns nothing", async () => {
    // Looked up by name as the owner: embedded PGlite logs every client in as its one superuser.
    const name = new URL(inject('workerDatabaseUrl')).username;
    const owner = await connect(inject('ownerDatabaseUrl'));
    try {
      const role = await owner.query(
        `select r.rolcanlogin, r.rolsuper, r.rolbypassrls, r.rolcreaterole, r.rolcreatedb,
                pg_has_role(r.oid, 'ce_app', 'member') as member_of_app,
                (select count(*) from pg_class where relowner = r.oid)
                  + (select count(*) from pg_proc where proowner = r.oid)
                  + (select count(*) from pg_namespace where nspowner = r.oid) as owned
           from pg_roles r where r.rolname = $1`,
        [name],
      );
      expect(name).not.toBe('ce_worker');
      expect(role.rows[0]).toMatchObject({
        rolcanlogin: true,
        rolsuper: false,
        rolbypassrls: false,
        rolcreaterole: false,
        rolcreatedb: false,
        member_of_app: true,
      });
      expect(Number(role.rows[0].owned)).toBe(0);
    } finally {
      await owner.end();
    }
  });

  it('`npm run db:migrate` applies the migrations to DATABASE_URL and refuses without it', async () => {
    const url = await freshEmbedded();
    const env = { ...process.env, DATABASE_URL: url };
    const applied = await run('npm', ['run', '--silent', 'db:migrate'], { cwd: root, env });
    expect(applied.stdout).toContain('migrations applied');
    const client = await connect(url);
    try {
      const tables = await client.query(`select to_regclass('public.ce_calendar_connections')::text as t`);
      expect(tables.rows[0].t).toBe('ce_calendar_connections');
    } finally {
      await client.end();
    }
    const again = await run('npm', ['run', '--silent', 'db:migrate'], { cwd: root, env });
    expect(again.stdout).toContain('migrations applied');

    const { DATABASE_URL: _omitted, ...withoutUrl } = process.env;
    const refused = await run('npm', ['run', '--silent', 'db:migrate'], { cwd: root, env: withoutUrl }).then(
      () => undefined,
      (error: { code: number; stderr: string }) => error,
    );
    expect(refused?.code).toBe(2);
    expect(refused?.stderr).toContain('DATABASE_URL is required');
  }, 120_000); // two npm runs of a tsx script: slow on a loaded 2-core machine

  it('the newest functions migration is exactly what db/functions/*.sql render (a changed file needs `npm run db:functions`)', () => {
    const latest = latestFunctionsMigration();
    expect(latest).toBeDefined();
    expect(readFileSync(`${MIGRATIONS_DIR}/${latest}`, 'utf8')).toBe(renderFunctionsMigration());
    const journal = JSON.parse(readFileSync(`${MIGRATIONS_DIR}/meta/_journal.json`, 'utf8')) as {
      entries: Array<{ tag: string }>;
    };
    expect(journal.entries.map((entry) => `${entry.tag}.sql`)).toContain(latest);
  });

  it("the journal's timestamps increase with the migrations (drizzle skips an entry older than the last one applied)", () => {
    const journal = JSON.parse(readFileSync(`${MIGRATIONS_DIR}/meta/_journal.json`, 'utf8')) as {
      entries: Array<{ idx: number; when: number; tag: string }>;
    };
    const files = readdirSync(MIGRATIONS_DIR)
      .filter((name) => name.endsWith('.sql'))
      .map((name) => name.replace(/\.sql$/, ''))
      .sort();
    expect(journal.entries.map((entry) => entry.tag)).toEqual(files);
    for (const [previous, entry] of journal.entries
      .slice(0, -1)
      .map((e, i) => [e, journal.entries[i + 1]] as const)) {
      expect(entry?.when, `${entry?.tag} must be newer than ${previous.tag}`).toBeGreaterThan(previous.when);
      expect(entry?.idx).toBeGreaterThan(previous.idx);
    }
  });

  it('every SQL function a migrated database has is defined in db/functions/', async () => {
    const url = await freshEmbedded();
    await runMigrations(url);
    const defined = readdirSync(FUNCTIONS_DIR)
      .filter((name) => name.endsWith('.sql'))
      .flatMap((name) =>
        [
          ...readFileSync(`${FUNCTIONS_DIR}/${name}`, 'utf8').matchAll(
            /CREATE OR REPLACE FUNCTION (\w+\.\w+)\(/g,
          ),
        ].map((match) => match[1]),
      );
    const client = await connect(url);
    try {
      const { rows } = await client.query<{ name: string }>(
        `select n.nspname || '.' || p.proname as name from pg_proc p join pg_namespace n on n.oid = p.pronamespace
          where n.nspname in ('public', 'auth') order by 1`,
      );
      expect(rows.map((row) => row.name).sort()).toEqual([...new Set(defined)].sort());
    } finally {
      await client.end();
    }
  });
});
