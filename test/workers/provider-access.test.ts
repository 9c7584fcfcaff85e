/**
 * `unauthorized` vs `invalid_grant` end to end, for both providers, through the connection's object:
 * an access token the API rejects (401) costs one forced refresh and never moves the connection to
 * reconnect_required; only the token endpoint's invalid_grant does.
 */
import { runDurableObjectAlarm } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  connectThroughWorker,
  counters,
  createAccount,
  emulatorControl,
  registerPlatformClients,
} from './connect-helpers.ts';
import { ALICE, ORG_A, ownerQuery, tokenFor } from './helpers.ts';
import { makeDue } from './object-seam.ts';

const alice = () =>
  tokenFor({ sub: ALICE, org_id: ORG_A, permissions: ['ce.calendar.connect', 'ce.calendar.view'] });

async function connected(provider: 'google' | 'microsoft', email: string) {
  await createAccount(provider, email);
  await connectThroughWorker(await alice(), provider, email);
  const [row] = await ownerQuery<{ id: string }>(
    sql`select id from ce_calendar_connections where account_email = ${email}`,
  );
  if (!row) throw new Error('not connected');
  return { id: row.id, stub: env.CALENDAR_CONNECTION.get(env.CALENDAR_CONNECTION.idFromName(row.id)) };
}

/** Runs one sync now: a "sync now" request, made due, and the alarm. */
async function syncNow(stub: ReturnType<typeof env.CALENDAR_CONNECTION.get>) {
  await stub.requestSync('manual', crypto.randomUUID());
  await makeDue(stub, ['poll']);
  await runDurableObjectAlarm(stub);
}

const rowOf = async (id: string) =>
  (
    await ownerQuery<{ sync_status: string; last_error_code: string | null; last_sync_at: string | null }>(
      sql`select sync_status, last_error_code, last_sync_at from ce_calendar_connections where id = ${id}`,
    )
  )[0];

beforeAll(registerPlatformClients);

describe.each(['google', 'microsoft'] as const)('%s', (provider) => {
  it('an access token the API rejects (401 → unauthorized) is refreshed once; the connection stays syncing', async () => {
    const email = `expired.${provider}@acme.example`;
    const { id, stub } = await connected(provider, email);
    await syncNow(stub); // the first run: fine
    expect(await rowOf(id)).toMatchObject({ sync_status: 'syncing', last_error_code: null });
    // The provider stops accepting the access token our database still thinks is valid.
    await emulatorControl(`/accounts/${provider}/${email}/expire-access-tokens`, {});
    const before = (await counters(provider, email))['token.refresh'] ?? 0;
    await syncNow(stub);
    expect(((await counters(provider, email))['token.refresh'] ?? 0) - before).toBe(1);
    const row = await rowOf(id);
    expect(row).toMatchObject({ sync_status: 'syncing', last_error_code: null });
    expect(row?.last_sync_at).not.toBeNull();
    expect(await stub.status(crypto.randomUUID())).toMatchObject({ stage: 'idle', consecutiveFailures: 0 });
  });

  it('a revoked grant (token endpoint invalid_grant) moves the connection to reconnect_required', async () => {
    const email = `revoked.${provider}@acme.example`;
    const { id, stub } = await connected(provider, email);
    await emulatorControl(`/accounts/${provider}/${email}/revoke-grants`, {});
    await syncNow(stub);
    expect(await rowOf(id)).toMatchObject({
      sync_status: 'reconnect_required',
      last_error_code: 'invalid_grant',
    });
    const status = await stub.status(crypto.randomUUID());
    expect(status).toMatchObject({ stage: 'reconnect_required' });
    // No more polling until the user reconnects (attach re-arms it).
    expect(status.schedule).toEqual([]);
  });
});
