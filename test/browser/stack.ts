/** Starts the whole local stack exactly as `npm start` does, isolated in a temp dir and fresh database. */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const address = s.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      s.close(() => resolve(port));
    });
  });
}

export interface LocalStack {
  /** Everything the stack printed so far (Miniflare passes the worker's log lines through). */
  output(): string;
  baseUrl: string;
  emulatorUrl: string;
  signInUrl: string;
  jwtSecret: string;
  /** CE_LOCAL_DIR of this stack (a temp dir) and CE_DB_NAME (used when DATABASE_URL is set). */
  localDir: string;
  databaseName: string;
  stop(): Promise<void>;
}

/** `extraEnv` reaches `npm start` (for example CE_WEB_ORIGINS for the CORS test). */
export async function startLocalStack(extraEnv: Record<string, string> = {}): Promise<LocalStack> {
  const localDir = mkdtempSync(`${tmpdir()}/ce-browser-`);
  const port = await freePort();
  const emulatorPort = await freePort();
  const databaseName = `cecal_browser_${process.pid}_${Date.now().toString(36)}`;
  const child: ChildProcess = spawn(`${root}/node_modules/.bin/tsx`, ['scripts/start.ts'], {
    cwd: root,
    env: {
      ...process.env,
      PORT: String(port),
      EMULATOR_PORT: String(emulatorPort),
      CE_LOCAL_DIR: localDir,
      CE_DB_NAME: databaseName,
      CE_DB_FRESH: '1',
      ...extraEnv,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`stack did not start:\n${output.slice(-3000)}`)),
      150_000,
    );
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Ctrl-C stops everything.')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.on('exit', (code) => reject(new Error(`stack exited (${code}):\n${output.slice(-3000)}`)));
  });
  await ready;
  const signInUrl = output.match(/Sign in:\s+(\S+)/)?.[1] ?? '';
  const secrets = JSON.parse(readFileSync(`${localDir}/dev-secrets.json`, 'utf8')) as {
    AUTH_JWT_SECRET: string;
  };
  return {
    output: () => output,
    baseUrl: `http://127.0.0.1:${port}`,
    emulatorUrl: `http://127.0.0.1:${emulatorPort}`,
    signInUrl,
    jwtSecret: secrets.AUTH_JWT_SECRET,
    localDir,
    databaseName,
    stop: async () => {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGINT');
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 15_000))]);
      rmSync(localDir, { recursive: true, force: true });
    },
  };
}
