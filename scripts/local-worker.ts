/**
 * The worker of `npm start`, run on Miniflare's own API (issue 20 §1): no `wrangler dev`, so no
 * ProxyWorker sits between the client and the worker to turn a dropped or half-read request into a
 * fatal error, and no file watcher can deadlock. The bundle is built once with esbuild; the
 * bindings, compatibility settings, Durable Object classes and static assets come from
 * `wrangler.toml` through wrangler's own reader, so the local worker is configured exactly as the
 * deployed one. Durable Object storage persists under `<CE_LOCAL_DIR>/miniflare`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { convertV4MiniflareOptions, Log, LogLevel, Miniflare, type V4MiniflareOptions } from 'miniflare';
import { unstable_getMiniflareWorkerOptions, unstable_readConfig } from 'wrangler';

const root = fileURLToPath(new URL('..', import.meta.url));
const DISPOSE_WAIT_MS = 5_000;

export interface LocalWorkerOptions {
  port: number;
  /** Vars and secrets on top of wrangler.toml's `[vars]` (the local emulator URLs, generated secrets). */
  vars: Record<string, string>;
  /** Where the build and the Durable Objects' storage live. */
  localDir: string;
  /** Called after Miniflare restarted a crashed workerd (the last line of defence, not the fix). */
  onRuntimeRestart: (restarts: number) => void | Promise<void>;
}

export interface LocalWorker {
  url: string;
  /** The Cron Triggers of wrangler.toml (run one with `GET <url>/cdn-cgi/local/scheduled`). */
  crons: string[];
  /** workerd's process id (Linux only; undefined elsewhere), for the banner and the robustness test. */
  runtimePid(): number | undefined;
  /** How often workerd crashed and was restarted by Miniflare since start-up. */
  restarts(): number;
  dispose(): Promise<void>;
}

/** One-shot esbuild bundle of worker/index.ts (no watcher): `npm start` again picks up code changes. */
async function bundleWorker(outDir: string): Promise<string> {
  const outfile = `${outDir}/index.js`;
  await build({
    entryPoints: [`${root}/worker/index.ts`],
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    target: 'es2022',
    conditions: ['workerd', 'worker', 'browser'],
    mainFields: ['browser', 'module', 'main'],
    // workerd provides these (nodejs_compat is on in wrangler.toml).
    external: ['node:*', 'cloudflare:*'],
    sourcemap: 'linked',
    outfile,
    logLevel: 'error',
  });
  return outfile;
}

/** The workerd child of this process, read from /proc (Linux); undefined where there is no /proc. */
function findRuntimePid(): number | undefined {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return undefined;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // "pid (comm) state ppid …": comm may contain spaces, so split after its closing parenthesis.
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (comm === 'workerd' && ppid === process.pid) return Number(entry);
    } catch {
      // the process ended while we looked
    }
  }
  return undefined;
}

export async function startLocalWorker(options: LocalWorkerOptions): Promise<LocalWorker> {
  const configPath = `${root}/wrangler.toml`;
  const scriptPath = await bundleWorker(`${options.localDir}/build`);
  const config = unstable_readConfig({ config: configPath });
  // modulesRules name the file types wrangler's bundler imports as text/data/wasm: our bundle is
  // one ES module with none of them, and Miniflare 5 refuses to convert the rules.
  const { modulesRules: _rules, ...workerOptions } = unstable_getMiniflareWorkerOptions(configPath)
    .workerOptions as V4MiniflareOptions & { modulesRules?: unknown };
  let restarts = 0;
  let runtimePid: number | undefined;
  const v4Options: V4MiniflareOptions = {
    ...workerOptions,
    name: 'ce-calendar',
    modules: true,
    scriptPath,
    // The bundle lives under CE_LOCAL_DIR, which may be outside the repository (a temp dir in tests).
    modulesRoot: dirname(scriptPath),
    bindings: { ...(workerOptions.bindings as Record<string, string> | undefined), ...options.vars },
    host: '127.0.0.1',
    // No request to workers.cloudflare.com for a `request.cf` sample: the worker reads none of it.
    cf: false,
    port: options.port,
    resourcePersistencePath: `${options.localDir}/miniflare`,
    // `/cdn-cgi/local/scheduled` runs the scheduled handler, as with `wrangler dev`.
    unsafeTriggerHandlers: true,
    log: new Log(LogLevel.WARN),
    unsafeHandleRuntimeRestart: async () => {
      restarts += 1;
      runtimePid = findRuntimePid();
      await options.onRuntimeRestart(restarts);
    },
  };
  // Miniflare 5 takes its own option shape; wrangler's reader still speaks the v4 one.
  const mf = new Miniflare(convertV4MiniflareOptions(v4Options));
  const url = (await mf.ready).toString().replace(/\/$/, '');
  runtimePid = findRuntimePid();
  return {
    url,
    crons: config.triggers.crons ?? [],
    runtimePid: () => runtimePid,
    restarts: () => restarts,
    // Miniflare's dispose waits for workerd to wind down (in-flight Durable Object work included); a
    // stop must not leave an orphaned workerd holding the port, so it is killed after a bounded wait.
    dispose: async () => {
      const pid = runtimePid;
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        mf.dispose().catch(() => undefined),
        new Promise((resolve) => {
          timer = setTimeout(resolve, DISPOSE_WAIT_MS);
        }),
      ]);
      clearTimeout(timer);
      if (pid === undefined) return;
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    },
  };
}
