/**
 * One place that decides which Postgres the local stack and the tests use: the server named by
 * DATABASE_URL (a fresh database per run, so runs never collide) or, without it, embedded PGlite.
 */
import pg from 'pg';
import { runMigrations } from '../migrate.ts';
import { startEmbeddedPostgres } from './embedded.ts';
import { ensureLocalWorkerRole, localWorkerRoleName } from './worker-role.ts';

export interface LocalDatabase {
  /** Owner role: migrations, test fixtures. */
  readonly ownerUrl: string;
  /** Worker login role: what the app uses (created here, never by migrations). */
  readonly workerUrl: string;
  readonly workerRole: string;
  /** Database name (embedded: `postgres`). */
  readonly databaseName: string;
  readonly embedded: boolean;
  stop(): Promise<void>;
}

export interface LocalDatabaseOptions {
  /** Server URL (any database on it); undefined → embedded PGlite. */
  serverUrl?: string;
  /** Database to create on the server; recreated when `fresh`. */
  databaseName?: string;
  fresh?: boolean;
  /** Embedded data folder; undefined → in memory. */
  embeddedDataDir?: string;
  /** Drop the created database on stop (tests). */
  dropOnStop?: boolean;
}

export async function prepareLocalDatabase(options: LocalDatabaseOptions): Promise<LocalDatabase> {
  if (!options.serverUrl) {
    const embedded = await startEmbeddedPostgres(options.embeddedDataDir);
    await runMigrations(embedded.url);
    const role = await ensureLocalWorkerRole(embedded.url, 'ce_local_worker');
    return {
      ownerUrl: embedded.url,
      workerUrl: role.url,
      workerRole: role.name,
      databaseName: 'postgres',
      embedded: true,
      stop: embedded.stop,
    };
  }
  const name = options.databaseName ?? 'ce_calendar';
  if (!/^[a-z0-9_]+$/.test(name)) throw new Error(`invalid database name ${name}`);
  const admin = new pg.Client({ connectionString: options.serverUrl });
  await admin.connect();
  try {
    if (options.fresh) await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (exists.rowCount === 0) await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const ownerUrl = new URL(options.serverUrl);
  ownerUrl.pathname = `/${name}`;
  await runMigrations(ownerUrl.toString());
  const role = await ensureLocalWorkerRole(ownerUrl.toString(), localWorkerRoleName(name));
  return {
    ownerUrl: ownerUrl.toString(),
    workerUrl: role.url,
    workerRole: role.name,
    databaseName: name,
    embedded: false,
    stop: async () => {
      if (!options.dropOnStop) return;
      const cleanup = new pg.Client({ connectionString: options.serverUrl });
      await cleanup.connect();
      await cleanup.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => undefined);
      await cleanup.query(`DROP ROLE IF EXISTS ${role.name}`).catch(() => undefined);
      await cleanup.end();
    },
  };
}
