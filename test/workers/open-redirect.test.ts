/**
 * No open redirect through the OAuth round trip: for every known bypass shape of `return_to`, start
 * refuses it (400 naming the field) or the callback's Location — after consent and after a denied
 * consent — has our origin. The pure property test over arbitrary strings is test/node/return-to.test.ts.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { consent, createAccount, deliver, registerPlatformClients } from './connect-helpers.ts';
import { ALICE, call, ORG_A, tokenFor } from './helpers.ts';

const ORIGIN = 'https://ce-calendar.test';
const EMAIL = 'redirect.probe@acme.example';
const alice = () =>
  tokenFor({ sub: ALICE, org_id: ORG_A, permissions: ['ce.calendar.connect', 'ce.calendar.view'] });

const SHAPES = [
  '/..//evil.example',
  '/%2e%2e//evil.example',
  '/%2E%2E//evil.example/path?q=1',
  '/.%2e//evil.example',
  '/a/../..//evil.example',
  '/a/%2e%2e/%2e%2e//evil.example',
  '/..%2f..%2f/evil.example',
  '/%5cevil.example',
  '/%09/evil.example',
  '//evil.example',
  '///evil.example',
  'https://ce-calendar.test@evil.example/',
  'https://ce-calendar.test.evil.example/',
];

async function startStatus(returnTo: string): Promise<number> {
  const res = await call('/v1/calendar/oauth/start', {
    method: 'POST',
    token: await alice(),
    json: { provider: 'google', return_to: returnTo },
  });
  if (res.status === 400) {
    const body = (await res.json()) as { error: { message: string } };
    expect(body.error.message).toContain('return_to');
  }
  return res.status;
}

beforeAll(async () => {
  await registerPlatformClients();
  await createAccount('google', EMAIL);
});

describe('return_to through the OAuth callback', () => {
  it.each(SHAPES)('%s is refused or lands on our origin', async (shape) => {
    if ((await startStatus(shape)) === 400) return;
    const granted = await deliver(await consent(await alice(), 'google', EMAIL, shape));
    expect(granted.origin).toBe(ORIGIN);
    expect(granted.pathname.startsWith('//')).toBe(false);

    const denied = await consent(await alice(), 'google', EMAIL, shape);
    denied.searchParams.delete('code');
    denied.searchParams.set('error', 'access_denied');
    const afterDenial = await deliver(denied);
    expect(afterDenial.origin).toBe(ORIGIN);
    expect(afterDenial.searchParams.get('calendar_error')).toBe('access_denied');
  });

  it('the dot-segment shapes the outside run found are refused at start', async () => {
    expect(await startStatus('/..//evil.example')).toBe(400);
    expect(await startStatus('/%2e%2e//evil.example')).toBe(400);
  });
});
