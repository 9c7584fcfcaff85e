/**
 * Host-side pieces the tests need, started once per test project: a fresh Postgres database
 * (DATABASE_URL's server, or embedded PGlite when unset) with migrations applied and its own worker
 * login role (db/local/worker-role.ts: migrations create none), the
 * WebSocket→TCP proxy that lets the neon driver inside workerd reach it, and a provider emulator.
 */
import { prepareLocalDatabase } from '../../db/local/database.ts';
import { startWsProxy } from '../../db/local/ws-proxy.ts';
import { type RunningEmulator, startEmulator } from '../../emulator/server.ts';

export interface TestStack {
  ownerDatabaseUrl: string;
  workerDatabaseUrl: string;
  dbWsProxy: string;
  embedded: boolean;
  emulator: RunningEmulator;
  stop(): Promise<void>;
}

export async function startTestStack(label: string): Promise<TestStack> {
  const database = await prepareLocalDatabase({
    serverUrl: process.env.DATABASE_URL || undefined,
    databaseName: `cecal_${label}_${process.pid}_${Date.now().toString(36)}`,
    fresh: true,
    dropOnStop: true,
  });
  const proxy = await startWsProxy();
  const emulator = await startEmulator({ seed: 2026 });
  return {
    ownerDatabaseUrl: database.ownerUrl,
    workerDatabaseUrl: database.workerUrl,
    dbWsProxy: proxy.address,
    embedded: database.embedded,
    emulator,
    stop: async () => {
      await emulator.close();
      await proxy.close();
      await database.stop();
    },
  };
}
