/**
 * `npm start`: the whole stack on this machine. Database (DATABASE_URL's server or embedded PGlite
 * under .local/pgdata), migrations, the WebSocket proxy for the neon driver, and `wrangler dev`.
 * Prints the admin URL with a ready sign-in. Ctrl-C stops everything it started. If `wrangler dev`
 * exits on its own, it is restarted with a message saying so (at most MAX_RESTARTS times in
 * RESTART_WINDOW_MS; then everything stops with exit code 1 and a message naming the cause).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { prepareLocalDatabase } from '../db/local/database.ts';
import { startWsProxy } from '../db/local/ws-proxy.ts';
import { startEmulator } from '../emulator/server.ts';
import { buildWeb } from './build-web.ts';
import { seedDemoDatabase } from './demo-database.ts';
import { seedEmulator } from './demo-emulator.ts';
import { LOCAL_DIR, localSecrets, RUNNING_STACK_FILE } from './local-secrets.ts';
import { demoAdminToken } from './token.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const port = Number(process.env.PORT ?? 8787);
const cleanups: Array<() => Promise<void>> = [];
let wrangler: ChildProcess | undefined;
const MAX_RESTARTS = 5;
const RESTART_WINDOW_MS = 10 * 60_000;
const restarts: number[] = [];
let ready = false;

let stopping = false;
async function shutdown(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  if (wrangler?.pid) {
    try {
      process.kill(-wrangler.pid, 'SIGTERM');
    } catch {
      // already gone
    }
  }
  rmSync(RUNNING_STACK_FILE, { force: true });
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  process.exit(code);
}
process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));
process.on('SIGHUP', () => void shutdown(0));

async function waitForHealth(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not up yet
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
  throw new Error(`worker did not become healthy at ${url}`);
}

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
// Secrets go through a git-ignored env file, not the command line (which `ps` shows).
const envFile = `${LOCAL_DIR}/dev.vars`;
const quote = (value: string) => `'${value.replace(/'/g, "'\\''")}'`;
writeFileSync(
  envFile,
  Object.entries(vars)
    .map(([k, v]) => `${k}=${quote(v)}`)
    .join('\n'),
  { mode: 0o600 },
);
const args = [
  'dev',
  '--ip',
  '127.0.0.1',
  '--port',
  String(port),
  '--show-interactive-dev-session=false',
  '--env-file',
  envFile,
  '--persist-to',
  `${LOCAL_DIR}/wrangler`,
];
function startWorker(): void {
  const child = spawn(`${root}/node_modules/.bin/wrangler`, args, {
    cwd: root,
    stdio: ['ignore', 'inherit', 'inherit'],
    env: {
      ...process.env,
      WRANGLER_SEND_METRICS: 'false',
      // wrangler dev's drain middleware holds every response until the request body has arrived, so
      // a body that never arrives (Content-Length larger than what is sent) ends in a dropped
      // connection, which its proxy treats as fatal. Cloudflare does not drain either.
      WRANGLER_DISABLE_REQUEST_BODY_DRAINING: '1',
    },
    // Own process group, so shutdown can stop wrangler and its workerd children together.
    detached: true,
  });
  wrangler = child;
  child.on('exit', (code, signal) => void onWorkerExit(code, signal));
}

async function onWorkerExit(code: number | null, signal: NodeJS.Signals | null): Promise<void> {
  if (stopping) return;
  const how = signal ? `signal ${signal}` : `code ${code}`;
  if (!ready) {
    console.error(
      `\nThe worker (wrangler dev) exited with ${how} before it became healthy: stopping everything.`,
    );
    await shutdown(code || 1);
    return;
  }
  const now = Date.now();
  restarts.push(now);
  while (restarts.length && (restarts[0] ?? now) < now - RESTART_WINDOW_MS) restarts.shift();
  if (restarts.length > MAX_RESTARTS) {
    console.error(
      `\nThe worker (wrangler dev) exited with ${how}, ${restarts.length} times in ${RESTART_WINDOW_MS / 60_000} minutes: stopping everything. Its last lines above say why.`,
    );
    await shutdown(1);
    return;
  }
  console.error(
    `\nThe worker (wrangler dev) exited with ${how}; restarting it (database, emulator and proxy keep running).`,
  );
  startWorker();
  const restarted = wrangler;
  try {
    await waitForHealth(`${base}/healthz`, 120_000);
    if (wrangler === restarted)
      console.log(
        `CE Calendar worker restarted (pid ${restarted?.pid}); the sign-in link above still works.`,
      );
  } catch (error) {
    if (wrangler !== restarted || stopping) return;
    console.error(
      `The restarted worker did not become healthy: ${(error as Error).message}. Stopping everything.`,
    );
    await shutdown(1);
  }
}

startWorker();

await waitForHealth(`${base}/healthz`, 120_000);
ready = true;
// Lets `npm run token` tell whether a stack runs from this CE_LOCAL_DIR (removed on shutdown).
writeFileSync(RUNNING_STACK_FILE, JSON.stringify({ pid: process.pid, baseUrl: base }), { mode: 0o600 });
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
  Worker:     wrangler dev, pid ${wrangler?.pid}; restarted if it exits
  Local env:  ${envFile} (DATABASE_URL, DB_WS_PROXY, … for npm run vault:rotate)
Ctrl-C stops everything.`);
