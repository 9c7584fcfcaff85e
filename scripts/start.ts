/**
 * `npm start`: the whole stack on this machine. Database (DATABASE_URL's server or embedded PGlite
 * under .local/pgdata), migrations, the WebSocket proxy for the neon driver, the provider emulator
 * and the worker on Miniflare (scripts/local-worker.ts). Prints the admin URL with a ready sign-in.
 * Ctrl-C stops everything it started. Should workerd itself crash, Miniflare restarts it and this
 * script says so; more than MAX_RESTARTS crashes in RESTART_WINDOW_MS stop everything with exit
 * code 1 (a last line of defence: no request is meant to crash it, issue 20 §1).
 */
import { rmSync, writeFileSync } from 'node:fs';
import { prepareLocalDatabase } from '../db/local/database.ts';
import { startWsProxy } from '../db/local/ws-proxy.ts';
import { startEmulator } from '../emulator/server.ts';
import { buildWeb } from './build-web.ts';
import { seedDemoDatabase } from './demo-database.ts';
import { seedEmulator } from './demo-emulator.ts';
import { LOCAL_DIR, localSecrets, RUNNING_STACK_FILE } from './local-secrets.ts';
import { type LocalWorker, startLocalWorker } from './local-worker.ts';
import { demoAdminToken } from './token.ts';

const port = Number(process.env.PORT ?? 8787);
const cleanups: Array<() => Promise<void>> = [];
const MAX_RESTARTS = 5;
const RESTART_WINDOW_MS = 10 * 60_000;
const restarts: number[] = [];

let stopping = false;
async function shutdown(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  rmSync(RUNNING_STACK_FILE, { force: true });
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  process.exit(code);
}
process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));
process.on('SIGHUP', () => void shutdown(0));

await buildWeb();
const secrets = localSecrets();
const database = await prepareLocalDatabase({
  serverUrl: process.env.DATABASE_URL || undefined,
  databaseName: process.env.CE_DB_NAME || 'ce_calendar_dev',
  fresh: process.env.CE_DB_FRESH === '1',
  dropOnStop: process.env.CE_DB_FRESH === '1',
  embeddedDataDir: `${LOCAL_DIR}/pgdata`,
});
cleanups.push(database.stop);
const demoSeed = await seedDemoDatabase(database.ownerUrl);
const proxy = await startWsProxy();
cleanups.push(proxy.close);

const base = `http://127.0.0.1:${port}`;
const emulator = await startEmulator({
  port: Number(process.env.EMULATOR_PORT ?? 8790),
  seed: 2026,
  autoApprove: false,
});
cleanups.push(emulator.close);
const demoAccounts = await seedEmulator(emulator, secrets, `${base}/functions/v1/calendar-oauth-callback`);

const vars: Record<string, string> = {
  // CE web's origins allowed to call the API from a browser (CORS); none unless set.
  ...(process.env.CE_WEB_ORIGINS ? { CE_WEB_ORIGINS: process.env.CE_WEB_ORIGINS } : {}),
  ...emulator.baseUrls,
  GOOGLE_CALENDAR_CLIENT_ID: secrets.GOOGLE_CALENDAR_CLIENT_ID,
  GOOGLE_CALENDAR_CLIENT_SECRET: secrets.GOOGLE_CALENDAR_CLIENT_SECRET,
  MICROSOFT_CALENDAR_CLIENT_ID: secrets.MICROSOFT_CALENDAR_CLIENT_ID,
  MICROSOFT_CALENDAR_CLIENT_SECRET: secrets.MICROSOFT_CALENDAR_CLIENT_SECRET,
  DATABASE_URL: database.workerUrl,
  DB_WS_PROXY: proxy.address,
  AUTH_JWT_SECRET: secrets.AUTH_JWT_SECRET,
  CREDENTIAL_VAULT_KEYS: secrets.CREDENTIAL_VAULT_KEYS,
  PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
  // Push: the emulator delivers Google channel and Graph subscription notifications to this worker's
  // webhook routes, so an event edited through the emulator shows in the panel within seconds.
  WEBHOOK_BASE_URL: process.env.WEBHOOK_BASE_URL ?? `http://127.0.0.1:${port}`,
};
const envFile = `${LOCAL_DIR}/dev.vars`;
// For `npm run vault:rotate` and a hand-run `wrangler dev`: a git-ignored file, never the command line.
const quote = (value: string) => `'${value.replace(/'/g, "'\\''")}'`;
writeFileSync(
  envFile,
  Object.entries(vars)
    .map(([k, v]) => `${k}=${quote(v)}`)
    .join('\n'),
  { mode: 0o600 },
);

/** What `npm run token` and the robustness test read: who runs the stack and how often workerd crashed. */
function writeRunningStack(worker: LocalWorker): void {
  writeFileSync(
    RUNNING_STACK_FILE,
    JSON.stringify({
      pid: process.pid,
      baseUrl: base,
      runtimePid: worker.runtimePid() ?? null,
      runtimeRestarts: worker.restarts(),
    }),
    { mode: 0o600 },
  );
}

async function onRuntimeRestart(count: number): Promise<void> {
  const now = Date.now();
  restarts.push(now);
  while (restarts.length && (restarts[0] ?? now) < now - RESTART_WINDOW_MS) restarts.shift();
  if (restarts.length > MAX_RESTARTS) {
    console.error(
      `\nThe worker runtime (workerd) crashed ${restarts.length} times in ${RESTART_WINDOW_MS / 60_000} minutes: stopping everything. Its last lines above say why.`,
    );
    await shutdown(1);
    return;
  }
  writeRunningStack(worker);
  console.error(
    `\nThe worker runtime (workerd) crashed and Miniflare restarted it (crash #${count}, pid ${worker.runtimePid() ?? 'unknown'}); database, emulator and proxy kept running. CE Calendar worker restarted; the sign-in link above still works.`,
  );
}

const worker = await startLocalWorker({
  port,
  vars,
  localDir: LOCAL_DIR,
  onRuntimeRestart: (count) => onRuntimeRestart(count),
}).catch(async (error: unknown) => {
  console.error(`\nThe worker did not start: ${(error as Error).message}. Stopping everything.`);
  await shutdown(1);
  throw error;
});
cleanups.push(worker.dispose);
// Lets `npm run token` tell whether a stack runs from this CE_LOCAL_DIR (removed on shutdown).
writeRunningStack(worker);
const token = await demoAdminToken(secrets.AUTH_JWT_SECRET);
console.log(`
CE Calendar is running.
  Emulator:   ${emulator.url} (Google, Microsoft login) and ${emulator.graphUrl} (Graph); accounts: ${demoAccounts.join(', ')}
  Demo data:  ${demoSeed}
  Database:   ${database.embedded ? `embedded PGlite (${LOCAL_DIR}/pgdata)` : `DATABASE_URL server, database ${database.databaseName}`}; worker role ${database.workerRole}
  Admin URL:  ${base}/admin
  Sign in:    ${base}/admin#token=${token}
  API token:  (demo org_admin, 12 h)
    curl -H "Authorization: Bearer ${token}" ${base}/v1/calendar/settings
  Cron:       curl ${base}/cdn-cgi/local/scheduled   (runs the scheduled handler once: backfill, sync)
  Push:       the emulator notifies ${vars.WEBHOOK_BASE_URL}/v1/calendar/webhooks/{google,microsoft}; an event edited through
              ${emulator.url}/_control/accounts/… reaches the panel within seconds
  Worker:     Miniflare ${worker.url} (workerd pid ${worker.runtimePid() ?? 'unknown'}; Durable Objects in ${LOCAL_DIR}/miniflare); npm start again after a code change
  Local env:  ${envFile} (DATABASE_URL, DB_WS_PROXY, … for npm run vault:rotate)
Ctrl-C stops everything.`);
