/**
 * The worker's login role for a local database (npm start, tests). Migrations create only the
 * NOLOGIN `ce_app`; a login role is an environment's own business (production: docs/decisions.md),
 * so local start-up and test set-up create theirs here: a member of `ce_app`, no BYPASSRLS, owning
 * nothing, with a fresh random password each start.
 *
 * `ce_app` is one role for the whole server, so every local stack's worker login is a member of it,
 * and a database's CONNECT is granted to PUBLIC by default: any stack's worker could log in to any
 * other stack's database (issue 20 §7). Each database therefore revokes CONNECT from PUBLIC and
 * grants it to its own worker role only (the owner connects as the database owner / superuser).
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export interface LocalWorkerRole {
  readonly name: string;
  /** Same server and database as the owner URL, logged in as this role. */
  readonly url: string;
}

/** Role name for a database: roles are cluster-wide, so each local database gets its own. */
export function localWorkerRoleName(databaseName: string): string {
  const name = `${databaseName}_worker`;
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new Error(`invalid role name ${name}`);
  return name;
}

export async function ensureLocalWorkerRole(ownerUrl: string, roleName: string): Promise<LocalWorkerRole> {
  const password = randomBytes(18).toString('base64url');
  const client = new pg.Client({ connectionString: ownerUrl });
  await client.connect();
  try {
    const exists = await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [roleName]);
    // Identifiers cannot be bound parameters; the name is checked above. The password is
    // base64url, so it needs no quoting beyond the literal's.
    const attributes = `LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE PASSWORD '${password}'`;
    await client.query(`${exists.rowCount ? 'ALTER' : 'CREATE'} ROLE ${roleName} ${attributes}`);
    await client.query(`GRANT ce_app TO ${roleName}`);
    const { rows } = await client.query<{ name: string }>('SELECT current_database() AS name');
    const database = client.escapeIdentifier(rows[0]?.name ?? '');
    await client.query(`REVOKE CONNECT ON DATABASE ${database} FROM PUBLIC`);
    await client.query(`GRANT CONNECT ON DATABASE ${database} TO ${roleName}`);
  } finally {
    await client.end();
  }
  const url = new URL(ownerUrl);
  url.username = roleName;
  url.password = password;
  return {
    name: roleName,
    url: url.toString(),
  };
}
