/**
 * How people reach the API in a real browser against the real local stack (issue 12):
 * - CE web is another origin: a page on a listed origin calls the API with a bearer token — a PUT
 *   with JSON and an Idempotency-Key, so the browser sends a preflight — and reads the answer and the
 *   correlation id; a page on an unlisted origin is refused by the browser.
 * - The admin panel pages the demo's 60+ cards, filters them by status and searches by account.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from './chromium.ts';
import { type LocalStack, startLocalStack } from './stack.ts';

let stack: LocalStack;
let browser: Browser;
let listed: { server: Server; origin: string };
let unlisted: { server: Server; origin: string };
let token: string;

/** A blank page on its own origin: the page a CE web build would be served from. */
async function pageServer(): Promise<{ server: Server; origin: string }> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end('<!doctype html><title>CE web</title>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

interface CallResult {
  ok: boolean;
  status?: number;
  body?: unknown;
  correlationId?: string | null;
  error?: string;
}

/** Runs the CE-web-style call inside a page on `origin`. */
async function callFrom(origin: string): Promise<CallResult> {
  const page = await browser.newPage();
  try {
    await page.goto(`${origin}/`);
    return await page.evaluate(
      async ({ api, bearer }) => {
        try {
          const current = await fetch(`${api}/v1/calendar/settings`, {
            headers: { Authorization: `Bearer ${bearer}` },
          });
          const settings = await current.json();
          const res = await fetch(`${api}/v1/calendar/settings`, {
            method: 'PUT',
            headers: {
              Authorization: `Bearer ${bearer}`,
              'Content-Type': 'application/json',
              'Idempotency-Key': crypto.randomUUID(),
            },
            body: JSON.stringify(settings),
          });
          return {
            ok: true,
            status: res.status,
            body: await res.json(),
            correlationId: res.headers.get('x-correlation-id'),
          };
        } catch (error) {
          return { ok: false, error: String(error) };
        }
      },
      { api: stack.baseUrl, bearer: token },
    );
  } finally {
    await page.close();
  }
}

beforeAll(async () => {
  listed = await pageServer();
  unlisted = await pageServer();
  stack = await startLocalStack({ CE_WEB_ORIGINS: `${listed.origin},https://ce-web.example` });
  token = stack.signInUrl.split('#token=')[1] ?? '';
  ({ browser } = await launchChromium());
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
  listed?.server.close();
  unlisted?.server.close();
});

describe('CORS for CE web in a real browser', () => {
  it('a page on a listed origin calls the API with a bearer token and reads the answer', async () => {
    const result = await callFrom(listed.origin);
    expect(result.error).toBeUndefined();
    expect(result).toMatchObject({ ok: true, status: 200 });
    expect(result.body).toHaveProperty('calendar_default_meeting_duration_minutes');
    expect(result.correlationId).toMatch(/^[A-Za-z0-9-]{8,64}$/);
  });

  it('a page on an unlisted origin is refused by the browser', async () => {
    const result = await callFrom(unlisted.origin);
    expect(result.ok).toBe(false);
    expect(result.error).toMatch(/Failed to fetch|TypeError/);
  });
});

describe('admin panel connection list', () => {
  it('shows a page of cards, more on request, and filters by status and account', async () => {
    const page = await browser.newPage();
    try {
      await page.goto(stack.signInUrl);
      const summary = page.locator('.connection-list > p.muted');
      await expect.poll(() => summary.textContent()).toMatch(/^Showing 24 of \d+$/);
      const total = Number((await summary.textContent())?.split(' of ')[1]);
      expect(total).toBeGreaterThanOrEqual(60);
      expect(await page.locator('article.card').count()).toBe(24);

      await page.getByRole('button', { name: 'Show more' }).click();
      await expect.poll(() => page.locator('article.card').count()).toBe(48);
      await expect.poll(() => summary.textContent()).toBe(`Showing 48 of ${total}`);

      await page.getByLabel('Search by account').fill('legacy-demo0-1');
      // Every match fits on one page once the search has applied ("Showing 11 of 11").
      await expect.poll(() => summary.textContent()).toMatch(/^Showing (\d+) of \1$/);
      const accounts = await page.locator('article.card .account').allTextContents();
      expect(accounts.length).toBeGreaterThan(0);
      expect(accounts.length).toBeLessThan(24);
      for (const account of accounts) expect(account).toContain('legacy-demo0-1');

      await page.getByLabel('Search by account').fill('');
      await page.getByLabel('Filter by status').selectOption('paused');
      await expect.poll(() => summary.textContent()).toBe('No calendars match.');
      expect(await page.locator('article.card').count()).toBe(0);
    } finally {
      await page.close();
    }
  });
});
