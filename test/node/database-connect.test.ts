/**
 * Each local database (npm start, tests) lets only its own worker role connect (issue 20 §7): CONNECT
 * is revoked from PUBLIC and granted to `<database>_worker`. On a DATABASE_URL server two stacks'
 * databases are created side by side and each worker login is refused by the other's database,
 * although both are members of the server-wide `ce_app`; embedded PGlite (one database, where
 * logins are not authenticated) checks the privileges themselves.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalDatabase, prepareLocalDatabase } from '../../db/local/database.ts';

const serverUrl = process.env.DATABASE_URL || undefined;
const stamp = `${process.pid}_${Date.now().toString(36)}`;
let first: LocalDatabase;
let second: LocalDatabase | undefined;

async function query<T extends pg.QueryResultRow>(url: string, sql: string, params: unknown[] = []) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

beforeAll(async () => {
  first = await prepareLocalDatabase({
    serverUrl,
    databaseName: `cecal_connect_a_${stamp}`,
    fresh: true,
    dropOnStop: true,
  });
  if (serverUrl)
    second = await prepareLocalDatabase({
      serverUrl,
      databaseName: `cecal_connect_b_${stamp}`,
      fresh: true,
      dropOnStop: true,
    });
}, 120_000);

afterAll(async () => {
  await second?.stop();
  await first?.stop();
});

describe('CONNECT on a local database', () => {
  it('is revoked from PUBLIC and granted to the database’s own worker role', async () => {
    const [row] = await query<{ public_connect: boolean; worker_connect: boolean; ce_app_connect: boolean }>(
      first.ownerUrl,
      `select exists (select 1 from pg_database d, aclexplode(coalesce(d.datacl, acldefault('d', d.datdba))) a
                      where d.datname = current_database() and a.grantee = 0 and a.privilege_type = 'CONNECT')
                as public_connect,
              has_database_privilege($1, current_database(), 'CONNECT') as worker_connect,
              exists (select 1 from pg_database d, aclexplode(coalesce(d.datacl, acldefault('d', d.datdba))) a
                      where d.datname = current_database() and a.privilege_type = 'CONNECT'
                        and a.grantee = 'ce_app'::regrole) as ce_app_connect`,
      [first.workerRole],
    );
    expect(row).toEqual({ public_connect: false, worker_connect: true, ce_app_connect: false });
    // The worker logs in to its own database.
    expect(await query(first.workerUrl, 'select 1 as ok')).toEqual([{ ok: 1 }]);
  });

  it.skipIf(!serverUrl)("refuses each stack's worker login on the other stack's database", async () => {
    if (!second) throw new Error('no second database');
    const into = (workerUrl: string, database: LocalDatabase) => {
      const url = new URL(workerUrl);
      url.pathname = `/${database.databaseName}`;
      return url.toString();
    };
    await expect(query(into(first.workerUrl, second), 'select 1')).rejects.toThrow(
      /permission denied for database/,
    );
    await expect(query(into(second.workerUrl, first), 'select 1')).rejects.toThrow(
      /permission denied for database/,
    );
    // Both are members of the server-wide ce_app: the refusal is the database's own grant.
    const members = await query<{ rolname: string }>(
      first.ownerUrl,
      `select r.rolname from pg_auth_members m join pg_roles r on r.oid = m.member
       where m.roleid = 'ce_app'::regrole and r.rolname = any($1)`,
      [[first.workerRole, second.workerRole]],
    );
    expect(members.map((member) => member.rolname).sort()).toEqual(
      [first.workerRole, second.workerRole].sort(),
    );
  });
});
