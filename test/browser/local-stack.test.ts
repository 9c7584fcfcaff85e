/**
 * The local stack survives bad requests (issue 12 item 4), run against the real `npm start` stack:
 * a chunked body past the 1 MiB limit and a Content-Length that promises 5 MiB but sends 150 bytes
 * both get their 413 and the next normal request succeeds with no restart; and when the worker
 * runtime (workerd) is killed anyway, Miniflare restarts it and `npm start` says so. The full
 * sequence of early answers and the push storm: early-answers.test.ts.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalStack, startLocalStack } from './stack.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const run = promisify(execFile);
let stack: LocalStack;
let token: string;

/** What `npm start` writes once healthy and after every workerd restart. */
const running = () =>
  JSON.parse(readFileSync(`${stack.localDir}/running-stack.json`, 'utf8')) as {
    runtimePid: number | null;
    runtimeRestarts: number;
  };

beforeAll(async () => {
  stack = await startLocalStack();
  token = stack.signInUrl.split('#token=')[1] ?? '';
});

afterAll(async () => {
  await stack?.stop();
});

interface Reply {
  status: number;
  body: string;
}

/** A PUT whose body `write` sends by hand; `giveUpMs` drops the connection if no reply came. */
function rawPut(
  headers: Record<string, string>,
  write: (out: NodeJS.WritableStream) => void,
  giveUpMs = 20_000,
) {
  const url = new URL('/v1/calendar/settings', stack.baseUrl);
  return new Promise<Reply>((resolve, reject) => {
    const outgoing = request(
      url,
      {
        method: 'PUT',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers },
      },
      (response) => {
        let body = '';
        response.on('data', (chunk) => {
          body += chunk;
        });
        response.on('end', () => {
          resolve({ status: response.statusCode ?? 0, body });
          outgoing.destroy();
        });
      },
    );
    outgoing.on('error', reject);
    setTimeout(() => outgoing.destroy(new Error('no reply before giving up')), giveUpMs);
    write(outgoing);
  });
}

async function settings(): Promise<number> {
  const response = await fetch(`${stack.baseUrl}/v1/calendar/settings`, {
    headers: { authorization: `Bearer ${token}` },
  });
  await response.arrayBuffer();
  return response.status;
}

describe('local stack (npm start)', () => {
  it('answers 413 to a chunked 2 MiB body and to a 5 MiB Content-Length that sends 150 bytes, then serves the next request', async () => {
    const chunked = await rawPut({}, (out) => {
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      for (let i = 0; i < 32; i++) out.write(chunk);
      out.end();
    });
    expect(chunked.status).toBe(413);
    expect(JSON.parse(chunked.body).error.code).toBe('payload_too_large');

    // The client never sends the rest: the 413 must come without waiting for it, and the
    // connection the client then drops must not take the worker down.
    const short = await rawPut({ 'content-length': String(5 * 1024 * 1024) }, (out) => {
      out.write(Buffer.alloc(150, 0x20));
    });
    expect(short.status).toBe(413);

    expect(await settings()).toBe(200);
    expect(running().runtimeRestarts).toBe(0);
    expect(stack.output()).not.toContain('crashed');
  });

  it('still takes a valid body that arrives chunked (no Content-Length)', async () => {
    const valid = JSON.stringify({
      calendar_default_meeting_duration_minutes: 45,
      calendar_sync_poll_interval_minutes: 15,
      calendar_pre_meeting_notification_minutes: 10,
    });
    const reply = await rawPut({}, (out) => {
      out.write(valid.slice(0, 20));
      out.end(valid.slice(20));
    });
    expect(reply.status).toBe(200);
    expect(JSON.parse(reply.body).calendar_default_meeting_duration_minutes).toBe(45);
  });

  it('prints the database it really uses, and the cron trigger it prints runs the scheduled handler', async () => {
    const database = process.env.DATABASE_URL
      ? `database ${stack.databaseName}`
      : `embedded PGlite (${stack.localDir}/pgdata)`;
    const line = stack
      .output()
      .split('\n')
      .find((text) => text.trim().startsWith('Database:'));
    expect(line).toContain(database);
    const cron = stack.output().match(/Cron:\s+curl (\S+)/)?.[1] ?? '';
    expect(cron).toBe(`${stack.baseUrl}/cdn-cgi/local/scheduled`);
    expect((await fetch(cron)).status).toBe(200);
    await expect.poll(() => stack.output()).toContain('"message":"cron tick"');
  });

  it('vault:rotate runs against the stack with the settings from <CE_LOCAL_DIR>/dev.vars, as the README says', async () => {
    const { stdout } = await run(
      'bash',
      ['-c', `set -a; . '${stack.localDir}/dev.vars'; set +a; npm run --silent vault:rotate`],
      {
        cwd: root,
        env: { ...process.env, DATABASE_URL: '' },
      },
    );
    expect(stdout).toContain('vault rotation finished');
  });

  it('restarts the worker runtime with a message when its process dies, and serves requests again', async () => {
    const pid = running().runtimePid ?? 0;
    expect(pid).toBeGreaterThan(0);
    expect(stack.output()).toContain(`workerd pid ${pid}`);
    process.kill(pid, 'SIGKILL');
    await expect
      .poll(() => stack.output(), { timeout: 120_000, interval: 500 })
      .toContain('worker restarted');
    expect(stack.output()).toContain(
      'The worker runtime (workerd) crashed and Miniflare restarted it (crash #1',
    );
    expect(running().runtimeRestarts).toBe(1);
    expect(running().runtimePid).not.toBe(pid);
    expect(await settings()).toBe(200);
  });
});
