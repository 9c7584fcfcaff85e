/**
 * Runs around every worker test file: records every console line the worker, its Durable Objects and
 * the tests write, and fails the file if any line carries token material, a client secret, an
 * authorization code, a session JWT or an email address (SPEC §4 "Logs").
 */
import { env } from 'cloudflare:workers';
import { afterAll, beforeAll, expect } from 'vitest';

const lines: string[] = [];
const originals = { log: console.log, warn: console.warn, error: console.error, info: console.info };

const FORBIDDEN: Array<[string, RegExp]> = [
  ['email address', /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/],
  ['Google access token', /ya29\.[A-Za-z0-9_-]{10,}/],
  ['Google refresh token', /1\/\/[A-Za-z0-9_-]{10,}/],
  ['Microsoft refresh token', /0\.AAAA[A-Za-z0-9_-]{10,}/],
  ['Microsoft access token', /eyJ0eXAiOiJKV1QiLCJlbXUiOnRydWV9/],
  ['authorization code', /4\/0Aemu|M\.C5emu_/],
  ['session JWT', /eyJhbGciOiJIUzI1NiIs/],
  ['legacy plaintext token', /legacy-(access|refresh)-/],
  ['query text or parameters', /Failed query|params:/i],
];

beforeAll(() => {
  for (const method of ['log', 'warn', 'error', 'info'] as const) {
    const original = originals[method];
    console[method] = (...args: unknown[]) => {
      lines.push(args.map(String).join(' '));
      original.apply(console, args);
    };
  }
});

afterAll(() => {
  Object.assign(console, originals);
  const secrets = [
    env.GOOGLE_CALENDAR_CLIENT_SECRET,
    env.MICROSOFT_CALENDAR_CLIENT_SECRET,
    env.AUTH_JWT_SECRET,
  ].filter((s): s is string => Boolean(s));
  for (const line of lines) {
    for (const [what, pattern] of FORBIDDEN)
      expect(pattern.test(line), `a log line contains a ${what}: ${line.slice(0, 120)}`).toBe(false);
    for (const secret of secrets)
      expect(line.includes(secret), 'a log line contains a configured secret').toBe(false);
  }
  lines.length = 0;
});
