/**
 * The sync facts on a connection card in a real browser against the full local stack (`npm start`:
 * worker, Postgres, emulator with the demo calendars): events mirrored, last successful sync, next
 * scheduled sync, sync lag after an incremental run, the last error as a sentence a person can act
 * on, and the card's "Next 7 days" list — titles for the owner; a member without view-all gets no
 * card of someone else's calendar and no list (the API answers 404). Screenshots go to
 * docs/screenshots/.
 */
import { SignJWT } from 'jose';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_ORG } from '../../scripts/token.ts';
import { launchChromium } from './chromium.ts';
import { type LocalStack, startLocalStack } from './stack.ts';

let stack: LocalStack;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];
const SHOTS = 'docs/screenshots';
const OWNER_EMAIL = 'alex.morgan@demo.example';
const TITLE = 'Pipeline review with Northwind';

const card = () => page.locator('article.card', { hasText: OWNER_EMAIL });

async function control(path: string, body: unknown): Promise<void> {
  const res = await fetch(`${stack.emulatorUrl}/_control${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`emulator control ${path}: ${res.status}`);
}

async function createEvent(summary: string, hoursFromNow: number): Promise<void> {
  const start = new Date(Date.now() + hoursFromNow * 3_600_000);
  const end = new Date(start.getTime() + 3_600_000);
  await control(`/accounts/google/${OWNER_EMAIL}/events`, {
    event: { summary, start: { dateTime: start.toISOString() }, end: { dateTime: end.toISOString() } },
  });
}

/** Reloads the panel until the card's text satisfies `check` (the panel reads the API on load). */
async function cardTextUntil(check: (text: string) => boolean, timeout = 90_000): Promise<string> {
  let last = '';
  await expect
    .poll(
      async () => {
        await page.reload();
        await page.getByRole('heading', { name: 'Connected calendars' }).waitFor();
        last = (await card().textContent()) ?? '';
        return check(last);
      },
      { timeout, interval: 1_000 },
    )
    .toBe(true);
  return last;
}

async function apiToken(): Promise<string> {
  return (await page.evaluate(() => sessionStorage.getItem('ce-calendar-token'))) ?? '';
}

beforeAll(async () => {
  stack = await startLocalStack();
  ({ browser } = await launchChromium());
  page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
  page.on('pageerror', (error) => pageErrors.push(error.message));
});

afterAll(async () => {
  const closed = browser?.close().catch(() => undefined);
  await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, 10_000))]);
  await stack?.stop();
});

describe('sync facts on the connection card', () => {
  it('after the first sync: events mirrored, last successful sync and the next planned sync', async () => {
    await page.goto(stack.signInUrl);
    await page.getByRole('heading', { name: 'Connected calendars' }).waitFor();
    await createEvent(TITLE, 26);
    await page.getByRole('button', { name: 'Connect Google Calendar' }).click();
    await page.waitForURL(`${stack.emulatorUrl}/**`);
    await page.getByLabel(new RegExp(OWNER_EMAIL.replace('.', '\\.'))).check();
    await page.getByRole('button', { name: 'Allow' }).click();
    await page.waitForURL(`${stack.baseUrl}/admin**`);
    const text = await cardTextUntil((t) => /Events mirrored: [1-9]/.test(t) && t.includes('Next sync'));
    expect(text).toMatch(/Last successful sync: (just now|\d+ min ago)/);
    expect(text).not.toContain('never');
    expect(await card().locator('.badge').textContent()).toBe('Syncing');
    const mirrored = Number(text.match(/Events mirrored: (\d+)/)?.[1]);
    expect(mirrored).toBeGreaterThan(1); // the demo calendar's events and ours
  });

  it('shows the sync lag once an incremental run carried a provider change', async () => {
    await createEvent('Follow-up call', 30);
    await card().getByRole('button', { name: 'Sync now' }).click();
    await expect.poll(() => page.locator('.notice').textContent()).toContain('Sync requested');
    const text = await cardTextUntil((t) => /Sync lag: \d+ (s|min)/.test(t));
    expect(text).toMatch(/Sync lag: \d+ (s|min)/);
    await card().screenshot({ path: `${SHOTS}/12-sync-card-facts.png` });
  });

  it('"Next 7 days" lists the calendar\'s busy time with titles for its owner', async () => {
    const panel = card().locator('details.upcoming');
    await panel.locator('summary').click();
    await expect.poll(() => panel.locator('li').first().textContent()).not.toBe('Loading…');
    const items = await panel.locator('li').allTextContents();
    expect(items.some((item) => item.includes(TITLE))).toBe(true);
    expect(items.some((item) => item.includes('Nothing in the next 7 days'))).toBe(false);
    await card().screenshot({ path: `${SHOTS}/13-next-7-days.png` });
  });

  it('a failed run shows a sentence a person can act on, never the provider text', async () => {
    await control('/faults', {
      provider: 'google',
      account: OWNER_EMAIL,
      endpoint: 'events.list',
      kind: 'http_503',
      times: 1,
    });
    await card().getByRole('button', { name: 'Sync now' }).click();
    const text = await cardTextUntil((t) => t.includes('unavailable right now'));
    expect(await card().getByRole('alert').textContent()).toBe(
      'The calendar provider is unavailable right now; the sync retries automatically.',
    );
    expect(text).not.toMatch(/503|Service Unavailable|backendError/i);
    await card().screenshot({ path: `${SHOTS}/14-sync-error-message.png` });
  });

  it("a member without view-all sees no card of the owner's calendar and gets no list for it", async () => {
    const admin = await apiToken();
    const list = (await (
      await fetch(`${stack.baseUrl}/v1/calendar/connections?limit=100`, {
        headers: { authorization: `Bearer ${admin}` },
      })
    ).json()) as { connections: Array<{ id: string; account_email: string }> };
    const connection = list.connections.find((c) => c.account_email === OWNER_EMAIL);
    expect(connection).toBeDefined();

    const memberToken = await new SignJWT({
      org_id: DEMO_ORG,
      roles: [],
      permissions: ['ce.calendar.view', 'ce.calendar.schedule', 'ce.calendar.connect'],
    })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('00000000-0000-4000-8000-0000000000ef')
      .setAudience('authenticated')
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode(stack.jwtSecret));
    const member = await browser.newPage();
    member.on('pageerror', (error) => pageErrors.push(error.message));
    await member.goto(`${stack.baseUrl}/admin#token=${memberToken}`);
    await member.getByRole('heading', { name: 'Connected calendars' }).waitFor();
    expect(await member.locator('article.card', { hasText: OWNER_EMAIL }).count()).toBe(0);
    expect(await member.content()).not.toContain(TITLE);
    await member.close();

    const upcoming = await fetch(`${stack.baseUrl}/v1/calendar/connections/${connection?.id}/upcoming`, {
      headers: { authorization: `Bearer ${memberToken}` },
    });
    expect(upcoming.status).toBe(404);
    expect(await upcoming.text()).not.toContain(TITLE);
  });

  it('logged no page errors', () => {
    expect(pageErrors.join(' || ')).toBe('');
  });
});
