/**
 * `npm run token` (issue 12 item 9): it signs with the secret of the stack in CE_LOCAL_DIR and never
 * makes one up, because a token signed with a new secret only ever gets 401 from the running stack.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { jwtVerify } from 'jose';
import { afterAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const run = promisify(execFile);
const folder = mkdtempSync(`${tmpdir()}/ce-token-`);
afterAll(() => rmSync(folder, { recursive: true, force: true }));

function token(localDir: string, args: string[] = []) {
  const { AUTH_JWT_SECRET: _unset, ...env } = process.env;
  return run('npm', ['run', '--silent', 'token', '--', ...args], {
    cwd: root,
    env: { ...env, CE_LOCAL_DIR: localDir },
  });
}

describe('npm run token', () => {
  it('refuses, naming the folder, when CE_LOCAL_DIR holds no stack secrets, and creates none', async () => {
    const empty = `${folder}/never-started`;
    const failure = await token(empty).then(
      () => undefined,
      (error: { code: number; stdout: string; stderr: string }) => error,
    );
    expect(failure?.code).toBe(2);
    expect(failure?.stdout).toBe('');
    expect(failure?.stderr).toContain(`No local stack secrets in ${empty}`);
    expect(existsSync(`${empty}/dev-secrets.json`)).toBe(false);
  });

  it('signs with the secret npm start generated there, noting when no stack runs from it', async () => {
    const started = `${folder}/started`;
    mkdirSync(started);
    const secret = 'a-local-secret-of-enough-length-0123456789';
    writeFileSync(`${started}/dev-secrets.json`, JSON.stringify({ AUTH_JWT_SECRET: secret }));
    const { stdout, stderr } = await token(started);
    const { payload } = await jwtVerify(stdout.trim(), new TextEncoder().encode(secret));
    expect(payload.aud).toBe('authenticated');
    expect(stderr).toContain(`no stack is running from ${started}`);
  });

  it('refuses a lifetime the worker would refuse (AUTH_JWT_MAX_LIFETIME_SECONDS, default 24 h)', async () => {
    const started = `${folder}/lifetime`;
    mkdirSync(started);
    writeFileSync(
      `${started}/dev-secrets.json`,
      JSON.stringify({ AUTH_JWT_SECRET: 'a-local-secret-of-enough-length-0123456789' }),
    );
    const failure = await token(started, ['--hours', '48']).then(
      () => undefined,
      (error: { code: number; stdout: string; stderr: string }) => error,
    );
    expect(failure?.code).toBe(2);
    expect(failure?.stdout).toBe('');
    expect(failure?.stderr).toContain('at most 24');
    const { stdout } = await token(started, ['--hours', '24']);
    expect(stdout.trim().split('.')).toHaveLength(3);
  });
});
