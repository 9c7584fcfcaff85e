/** Helpers for connect-flow tests: emulator control from workerd, and a full OAuth round trip through the worker. */
import { env } from 'cloudflare:workers';
import { call } from './helpers.ts';

export const CALLBACK = 'https://ce-calendar.test/functions/v1/calendar-oauth-callback';

export async function emulatorControl<T = unknown>(
  path: string,
  body?: unknown,
  method = body === undefined ? 'GET' : 'POST',
): Promise<T> {
  const res = await fetch(`${env.TEST_EMULATOR_URL}/_control${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!res.ok && res.status !== 204) throw new Error(`emulator ${path}: ${res.status}`);
  return (res.status === 204 ? undefined : await res.json()) as T;
}

let registered = false;
export async function registerPlatformClients(): Promise<void> {
  if (registered) return;
  await emulatorControl('/clients', {
    provider: 'google',
    client_id: env.GOOGLE_CALENDAR_CLIENT_ID,
    client_secret: env.GOOGLE_CALENDAR_CLIENT_SECRET,
    redirect_uris: [CALLBACK],
  });
  await emulatorControl('/clients', {
    provider: 'microsoft',
    client_id: env.MICROSOFT_CALENDAR_CLIENT_ID,
    client_secret: env.MICROSOFT_CALENDAR_CLIENT_SECRET,
    redirect_uris: [CALLBACK],
  });
  registered = true;
}

export async function createAccount(provider: 'google' | 'microsoft', email: string): Promise<void> {
  await emulatorControl('/accounts', { provider, email, name: email.split('@')[0] });
}

export async function counters(
  provider: 'google' | 'microsoft',
  email: string,
): Promise<Record<string, number>> {
  return emulatorControl(`/accounts/${provider}/${email}/counters`);
}

/** start → emulator consent (the user picks `email`) → the provider's redirect URL back to us. */
export async function consent(
  token: string,
  provider: 'google' | 'microsoft',
  email: string,
  returnTo?: string,
): Promise<URL> {
  const start = await call('/v1/calendar/oauth/start', {
    method: 'POST',
    token,
    json: { provider, ...(returnTo ? { return_to: returnTo } : {}) },
  });
  if (start.status !== 200) throw new Error(`start failed: ${start.status} ${await start.text()}`);
  const { authorization_url } = (await start.json()) as { authorization_url: string };
  const url = new URL(authorization_url);
  url.searchParams.set('login_hint', email);
  const res = await fetch(url, { redirect: 'manual' });
  const location = res.headers.get('location');
  if (!location) throw new Error(`emulator did not redirect: ${res.status}`);
  return new URL(location);
}

/** Delivers the provider's redirect to the worker's callback; returns where the worker sends the browser. */
export async function deliver(callbackUrl: URL): Promise<URL> {
  const res = await call(`${callbackUrl.pathname}${callbackUrl.search}`, { redirect: 'manual' });
  if (res.status !== 302) throw new Error(`callback answered ${res.status}`);
  return new URL(res.headers.get('location') ?? '');
}

export async function connectThroughWorker(
  token: string,
  provider: 'google' | 'microsoft',
  email: string,
): Promise<URL> {
  return deliver(await consent(token, provider, email));
}
