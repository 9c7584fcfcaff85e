/** Demo provider state for `npm start`: the platform OAuth clients and a few accounts with calendars. */
import type { RunningEmulator } from '../emulator/server.ts';
import type { LocalSecrets } from './local-secrets.ts';

const DEMO_ACCOUNTS = [
  {
    provider: 'google',
    email: 'alex.morgan@demo.example',
    name: 'Alex Morgan',
    time_zone: 'America/New_York',
  },
  { provider: 'google', email: 'sam.lee@demo.example', name: 'Sam Lee', time_zone: 'Europe/London' },
  {
    provider: 'microsoft',
    email: 'megan.bowen@demo.example',
    name: 'Megan Bowen',
    time_zone: 'America/Los_Angeles',
  },
  {
    provider: 'microsoft',
    email: 'adele.vance@demo.example',
    name: 'Adele Vance',
    time_zone: 'Europe/Berlin',
  },
] as const;

async function post(emulator: RunningEmulator, path: string, body: unknown): Promise<void> {
  const res = await fetch(`${emulator.url}/_control${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`emulator ${path}: ${res.status} ${await res.text()}`);
}

export async function seedEmulator(
  emulator: RunningEmulator,
  secrets: LocalSecrets,
  redirectUri: string,
): Promise<string[]> {
  await post(emulator, '/clients', {
    provider: 'google',
    client_id: secrets.GOOGLE_CALENDAR_CLIENT_ID,
    client_secret: secrets.GOOGLE_CALENDAR_CLIENT_SECRET,
    redirect_uris: [redirectUri],
  });
  await post(emulator, '/clients', {
    provider: 'microsoft',
    client_id: secrets.MICROSOFT_CALENDAR_CLIENT_ID,
    client_secret: secrets.MICROSOFT_CALENDAR_CLIENT_SECRET,
    redirect_uris: [redirectUri],
  });
  for (const [i, account] of DEMO_ACCOUNTS.entries()) {
    await post(emulator, '/accounts', account);
    await post(emulator, `/accounts/${account.provider}/${account.email}/generate`, {
      count: 300,
      seed: 100 + i,
      start_date: new Date().toISOString().slice(0, 10),
      days: 60,
    });
  }
  return DEMO_ACCOUNTS.map((a) => a.email);
}
