/**
 * Embedded Postgres (PGlite) served over the Postgres wire protocol, the default when no
 * DATABASE_URL is configured. Correct for RLS (ENABLE + FORCE are enforced) but it runs one
 * transaction at a time and shares session settings between clients: fine for a local demo and the
 * database tests, not for load (see docs/decisions.md).
 */

import { createServer } from 'node:net';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

export interface EmbeddedPostgres {
  /** Superuser URL (PGlite has a single user; SET ROLE still switches roles for RLS). */
  readonly url: string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

/** `dataDir` undefined → in memory (tests); a folder → persisted (npm start). */
export async function startEmbeddedPostgres(dataDir?: string): Promise<EmbeddedPostgres> {
  const db = await PGlite.create(dataDir);
  const port = await freePort();
  const server = new PGLiteSocketServer({ db, port, host: '127.0.0.1', maxConnections: 64 });
  await server.start();
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    stop: async () => {
      await server.stop();
      await db.close();
    },
  };
}
