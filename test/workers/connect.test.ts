/**
 * Connecting calendars end to end: worker (workerd) ↔ emulator ↔ Postgres. Every log line written
 * while these tests run is collected and scanned for token material, secrets, codes and emails.
 */
import { env } from 'cloudflare:workers';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { open } from '../../worker/vault/cipher.ts';
import { loadKeyring } from '../../worker/vault/keys.ts';
import {
  connectThroughWorker,
  consent,
  counters,
  createAccount,
  deliver,
  emulatorControl,
  registerPlatformClients,
} from './connect-helpers.ts';
import { ALICE, adminToken, BOB, CAROL, call, ORG_A, ORG_B, ownerQuery, tokenFor } from './helpers.ts';

const logLines: string[] = [];
const seenSecrets = new Set<string>();
const CONNECT = ['ce.calendar.connect', 'ce.calendar.view'];
const alice = () => tokenFor({ sub: ALICE, org_id: ORG_A, permissions: CONNECT, email: 'alice@ce.example' });
const bob = () => tokenFor({ sub: BOB, org_id: ORG_A, permissions: CONNECT });

type Card = {
  id: string;
  provider: string;
  account_email: string;
  oauth_client: string;
  status: string;
  sync_enabled: boolean;
  last_error_code: string | null;
  last_sync_at: string | null;
};

/** Right after connecting, the first sync may or may not have ended yet; the badge says which. */
const expectFreshBadge = (card: Card | undefined) =>
  expect(card?.status).toBe(card?.last_sync_at === null ? 'waiting' : 'syncing');

async function cards(token: string): Promise<Card[]> {
  const res = await call('/v1/calendar/connections', { token });
  expect(res.status).toBe(200);
  return ((await res.json()) as { connections: Card[] }).connections;
}

async function plaintextCredentials(): Promise<string[]> {
  const keyring = loadKeyring(env.CREDENTIAL_VAULT_KEYS);
  const rows = await ownerQuery<{
    id: string;
    organization_id: string;
    kind: 'oauth_access_token';
    ciphertext: string;
    iv: string;
    key_version: number;
  }>(sql`select * from pf_credentials`);
  return Promise.all(
    rows.map((r) =>
      open(
        keyring,
        { organizationId: r.organization_id, id: r.id, kind: r.kind },
        { ciphertext: r.ciphertext, iv: r.iv, keyVersion: r.key_version },
      ),
    ),
  );
}

beforeAll(async () => {
  for (const method of ['log', 'warn', 'error'] as const) {
    vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
      logLines.push(args.map(String).join(' '));
    });
  }
  await registerPlatformClients();
  await createAccount('google', 'alice.g@acme.example');
  await createAccount('google', 'bob.g@acme.example');
  await createAccount('microsoft', 'alice.m@acme.example');
  for (const email of [
    'alice.g@acme.example',
    'bob.g@acme.example',
    'alice.m@acme.example',
    'alice@ce.example',
  ])
    seenSecrets.add(email);
  seenSecrets.add(env.GOOGLE_CALENDAR_CLIENT_SECRET ?? '');
  seenSecrets.add(env.MICROSOFT_CALENDAR_CLIENT_SECRET ?? '');
});

afterAll(async () => {
  for (const secret of await plaintextCredentials()) seenSecrets.add(secret);
  vi.restoreAllMocks();
  expect(logLines.length).toBeGreaterThan(10);
  for (const secret of seenSecrets) {
    if (!secret) continue;
    for (const line of logLines)
      expect(line.includes(secret), `log line leaks a secret: ${line.slice(0, 80)}`).toBe(false);
  }
  for (const line of logLines) expect(line).not.toMatch(/[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/);
});

describe('connect flow', () => {
  it('Google with the platform client: start → consent → callback → connection + vault rows, no plaintext', async () => {
    const before = await counters('google', 'alice.g@acme.example');
    const consentUrl = await consent(await alice(), 'google', 'alice.g@acme.example', '/admin?tab=calendar');
    seenSecrets.add(consentUrl.searchParams.get('code') ?? '');
    const landing = await deliver(consentUrl);
    expect(landing.searchParams.get('calendar_error')).toBeNull();
    expect(landing.origin).toBe('https://ce-calendar.test');
    expect(landing.pathname).toBe('/admin');
    expect(landing.searchParams.get('tab')).toBe('calendar');
    expect(landing.searchParams.get('calendar_connected')).toBe('google');
    const [card] = (await cards(await alice())).filter((c) => c.account_email === 'alice.g@acme.example');
    expect(card).toMatchObject({ provider: 'google', oauth_client: 'platform', sync_enabled: true });
    expectFreshBadge(card);
    const [row] = await ownerQuery<Record<string, unknown>>(
      sql`select * from ce_calendar_connections where id = ${card?.id}`,
    );
    expect(row).toMatchObject({
      organization_id: ORG_A,
      user_id: ALICE,
      access_token_encrypted: null,
      refresh_token_encrypted: null,
      gws_connection_id: null,
    });
    expect(row?.access_token_credential_id).toBeTruthy();
    expect(row?.refresh_token_credential_id).toBeTruthy();
    const stored = await ownerQuery<{ ciphertext: string }>(
      sql`select ciphertext from pf_credentials where id in (${row?.access_token_credential_id}, ${row?.refresh_token_credential_id})`,
    );
    expect(stored).toHaveLength(2);
    const plaintexts = await plaintextCredentials();
    expect(plaintexts.some((p) => p.startsWith('ya29.'))).toBe(true);
    for (const { ciphertext } of stored) for (const p of plaintexts) expect(ciphertext).not.toContain(p);
    const after = await counters('google', 'alice.g@acme.example');
    expect((after['token.authorization_code'] ?? 0) - (before['token.authorization_code'] ?? 0)).toBe(1);
  });

  it('reconnecting the same account re-activates the connection instead of duplicating it', async () => {
    const first = (await cards(await alice())).find((c) => c.account_email === 'alice.g@acme.example');
    await ownerQuery(
      sql`update ce_calendar_connections set sync_status = 'reconnect_required', last_error_code = 'invalid_grant' where id = ${first?.id}`,
    );
    const credentialsBefore = await ownerQuery(sql`select id from pf_credentials`);
    await connectThroughWorker(await alice(), 'google', 'alice.g@acme.example');
    const all = (await cards(await alice())).filter((c) => c.account_email === 'alice.g@acme.example');
    expect(all).toHaveLength(1);
    expect(all[0]).toMatchObject({ id: first?.id, last_error_code: null });
    expectFreshBadge(all[0]);
    // Old credentials were replaced, not left behind.
    expect(await ownerQuery(sql`select id from pf_credentials`)).toHaveLength(credentialsBefore.length);
  });

  it('Microsoft: connect stores rotating refresh token in the vault', async () => {
    const landing = await connectThroughWorker(await alice(), 'microsoft', 'alice.m@acme.example');
    expect(landing.searchParams.get('calendar_connected')).toBe('microsoft');
    // Other files connect Microsoft accounts for Alice too (they share the database): find this one.
    const card = (await cards(await alice())).find((c) => c.account_email === 'alice.m@acme.example');
    expect(card).toMatchObject({ provider: 'microsoft', oauth_client: 'platform' });
  });

  it("Google with the organization's own client (PF-104): new connections use it and say so; existing ones keep theirs", async () => {
    await emulatorControl('/clients', {
      provider: 'google',
      client_id: 'org-a-client.apps.googleusercontent.com',
      client_secret: 'org-a-client-secret',
      redirect_uris: ['https://ce-calendar.test/functions/v1/calendar-oauth-callback'],
    });
    seenSecrets.add('org-a-client-secret');
    const put = await call('/v1/calendar/google-credentials', {
      method: 'PUT',
      token: await adminToken(),
      json: {
        oauth_client_id: 'org-a-client.apps.googleusercontent.com',
        oauth_client_secret: 'org-a-client-secret',
      },
    });
    expect(put.status).toBe(200);
    const status = await call('/v1/calendar/google-credentials', { token: await adminToken() });
    const body = await status.text();
    expect(JSON.parse(body)).toMatchObject({
      configured: true,
      oauth_client_id: 'org-a-client.apps.googleusercontent.com',
    });
    expect(body).not.toContain('org-a-client-secret');

    const consentUrl = await consent(await bob(), 'google', 'bob.g@acme.example');
    await deliver(consentUrl);
    const bobCard = (await cards(await bob())).find((c) => c.account_email === 'bob.g@acme.example');
    expect(bobCard?.oauth_client).toBe('organization');
    const aliceCard = (await cards(await alice())).find((c) => c.account_email === 'alice.g@acme.example');
    expect(aliceCard?.oauth_client).toBe('platform');

    // The org client refreshes Bob's token (the emulator rejects a grant refreshed by another client).
    await ownerQuery(
      sql`update ce_calendar_connections set token_expires_at = now() - interval '1 minute' where id = ${bobCard?.id}`,
    );
    const stub = env.CALENDAR_CONNECTION.get(env.CALENDAR_CONNECTION.idFromName(bobCard?.id ?? ''));
    const result = await stub.getAccessToken(crypto.randomUUID());
    expect(result.ok).toBe(true);

    const removed = await call('/v1/calendar/google-credentials', {
      method: 'DELETE',
      token: await adminToken(),
    });
    expect(removed.status).toBe(204);
    expect(
      await (await call('/v1/calendar/google-credentials', { token: await adminToken() })).json(),
    ).toMatchObject({ configured: false });
    expect((await cards(await bob())).find((c) => c.id === bobCard?.id)?.oauth_client).toBe('organization');
    expect((await call('/v1/calendar/google-credentials', { token: await bob() })).status).toBe(403);
  });
});

describe('state and return_to attacks', () => {
  it('a replayed callback is rejected and creates nothing', async () => {
    const consentUrl = await consent(await alice(), 'google', 'alice.g@acme.example');
    await deliver(consentUrl);
    const before = await ownerQuery(sql`select id from ce_calendar_connections`);
    const replay = await deliver(consentUrl);
    expect(replay.searchParams.get('calendar_error')).toBe('state_used');
    expect(await ownerQuery(sql`select id from ce_calendar_connections`)).toHaveLength(before.length);
  });

  it('an expired state is rejected', async () => {
    const consentUrl = await consent(await alice(), 'google', 'alice.g@acme.example');
    await ownerQuery(
      sql`update ce_calendar_oauth_states set expires_at = now() - interval '1 second' where consumed_at is null`,
    );
    expect((await deliver(consentUrl)).searchParams.get('calendar_error')).toBe('state_expired');
  });

  it("another user's or a tampered state is rejected", async () => {
    const consentUrl = await consent(await alice(), 'google', 'alice.g@acme.example');
    const state = consentUrl.searchParams.get('state') ?? '';
    const [, , random] = state.split('.');
    for (const forged of [
      `${ORG_A}.${BOB}.${random}`,
      `${ORG_B}.${ALICE}.${random}`,
      `${state.slice(0, -2)}xx`,
      'garbage',
      '',
    ]) {
      const url = new URL(consentUrl);
      url.searchParams.set('state', forged);
      expect((await deliver(url)).searchParams.get('calendar_error')).toBe('invalid_state');
    }
    // The genuine one still works once.
    expect((await deliver(consentUrl)).searchParams.get('calendar_connected')).toBe('google');
  });

  it('a provider error (user denied) redirects with the error and creates nothing', async () => {
    const consentUrl = await consent(await alice(), 'google', 'alice.g@acme.example');
    const denied = new URL(consentUrl);
    denied.searchParams.delete('code');
    denied.searchParams.set('error', 'access_denied');
    const before = await ownerQuery(sql`select id from ce_calendar_connections`);
    expect((await deliver(denied)).searchParams.get('calendar_error')).toBe('access_denied');
    expect(await ownerQuery(sql`select id from ce_calendar_connections`)).toHaveLength(before.length);
    // The state is spent even though the user denied.
    expect((await deliver(consentUrl)).searchParams.get('calendar_error')).toBe('state_used');
  });

  it('return_to must be same-origin', async () => {
    for (const returnTo of [
      'https://evil.example/steal',
      '//evil.example/x',
      'javascript:alert(1)',
      '/\\evil.example',
      'http://ce-calendar.test/admin',
      'data:text/html,hi',
    ]) {
      const res = await call('/v1/calendar/oauth/start', {
        method: 'POST',
        token: await alice(),
        json: { provider: 'google', return_to: returnTo },
      });
      expect(res.status, returnTo).toBe(400);
      expect(((await res.json()) as { error: { message: string } }).error.message).toContain('return_to');
    }
    const ok = await call('/v1/calendar/oauth/start', {
      method: 'POST',
      token: await alice(),
      json: { provider: 'google', return_to: 'https://ce-calendar.test/admin#x' },
    });
    expect(ok.status).toBe(200);
  });

  it('start needs ce.calendar.connect and a known provider', async () => {
    const viewer = await tokenFor({ sub: CAROL, org_id: ORG_A, permissions: ['ce.calendar.view'] });
    expect(
      (
        await call('/v1/calendar/oauth/start', {
          method: 'POST',
          token: viewer,
          json: { provider: 'google' },
        })
      ).status,
    ).toBe(403);
    const bad = await call('/v1/calendar/oauth/start', {
      method: 'POST',
      token: await alice(),
      json: { provider: 'yahoo' },
    });
    expect(bad.status).toBe(400);
  });
});

describe('connections API', () => {
  it('toggles auto-sync (badge paused/syncing), syncs now, and disconnects with revocation', async () => {
    const card = (await cards(await alice())).find((c) => c.account_email === 'alice.m@acme.example');
    const off = await call(`/v1/calendar/connections/${card?.id}`, {
      method: 'PATCH',
      token: await alice(),
      json: { sync_enabled: false },
    });
    expect(await off.json()).toMatchObject({ sync_enabled: false, status: 'paused' });
    const stub = env.CALENDAR_CONNECTION.get(env.CALENDAR_CONNECTION.idFromName(card?.id ?? ''));
    expect((await stub.status(crypto.randomUUID())).nextAlarmAt).toBeNull();
    // Sync now while paused: no sync would run, so 409 `paused` instead of 202 `queued` (issue 20 §3).
    const paused = await call(`/v1/calendar/connections/${card?.id}/sync`, {
      method: 'POST',
      token: await alice(),
    });
    expect(paused.status).toBe(409);
    expect(await paused.json()).toMatchObject({ error: { code: 'conflict', details: { reason: 'paused' } } });
    expect((await stub.status(crypto.randomUUID())).nextAlarmAt).toBeNull();
    const on = await call(`/v1/calendar/connections/${card?.id}`, {
      method: 'PATCH',
      token: await alice(),
      json: { sync_enabled: true },
    });
    const onCard = (await on.json()) as Card;
    expect(onCard.sync_enabled).toBe(true);
    expectFreshBadge(onCard);
    expect(
      (await call(`/v1/calendar/connections/${card?.id}/sync`, { method: 'POST', token: await alice() }))
        .status,
    ).toBe(202);
    expect(
      (
        await call(`/v1/calendar/connections/${card?.id}`, {
          method: 'PATCH',
          token: await alice(),
          json: { sync_enabled: 'yes' },
        })
      ).status,
    ).toBe(400);

    const googleCard = (await cards(await alice())).find((c) => c.account_email === 'alice.g@acme.example');
    const before = await counters('google', 'alice.g@acme.example');
    const [row] = await ownerQuery<{
      access_token_credential_id: string;
      refresh_token_credential_id: string;
    }>(sql`select * from ce_calendar_connections where id = ${googleCard?.id}`);
    await ownerQuery(
      sql`insert into ce_calendar_events (organization_id, connection_id, provider_event_id, start_at, end_at) values (${ORG_A}, ${googleCard?.id}, 'evt-1', now(), now())`,
    );
    const del = await call(`/v1/calendar/connections/${googleCard?.id}`, {
      method: 'DELETE',
      token: await alice(),
    });
    expect(del.status).toBe(204);
    expect(
      ((await counters('google', 'alice.g@acme.example'))['oauth.revoke'] ?? 0) -
        (before['oauth.revoke'] ?? 0),
    ).toBe(1);
    expect(
      await ownerQuery(sql`select 1 from ce_calendar_connections where id = ${googleCard?.id}`),
    ).toHaveLength(0);
    expect(
      await ownerQuery(sql`select 1 from ce_calendar_events where connection_id = ${googleCard?.id}`),
    ).toHaveLength(0);
    expect(
      await ownerQuery(
        sql`select 1 from pf_credentials where id in (${row?.access_token_credential_id}, ${row?.refresh_token_credential_id})`,
      ),
    ).toHaveLength(0);
    expect(
      (await call(`/v1/calendar/connections/${googleCard?.id}`, { method: 'DELETE', token: await alice() }))
        .status,
    ).toBe(404);
  });

  it("other organizations' ids are 404 on every route; colleagues get 403 on owner actions; viewers see only their own", async () => {
    const card = (await cards(await alice())).find((c) => c.account_email === 'alice.m@acme.example');
    const outsider = await tokenFor({
      sub: BOB,
      org_id: ORG_B,
      roles: ['org_admin'],
      permissions: ['ce.calendar.connect', 'ce.calendar.view-all'],
    });
    expect(
      (
        await call(`/v1/calendar/connections/${card?.id}`, {
          method: 'PATCH',
          token: outsider,
          json: { sync_enabled: false },
        })
      ).status,
    ).toBe(404);
    expect(
      (await call(`/v1/calendar/connections/${card?.id}/sync`, { method: 'POST', token: outsider })).status,
    ).toBe(404);
    expect(
      (await call(`/v1/calendar/connections/${card?.id}`, { method: 'DELETE', token: outsider })).status,
    ).toBe(404);
    // Other files may connect calendars in organization B meanwhile: none of A's may show.
    const orgAIds = new Set(
      (
        await ownerQuery<{ id: string }>(
          sql`select id from ce_calendar_connections where organization_id = ${ORG_A}`,
        )
      ).map((r) => r.id),
    );
    expect(orgAIds.has(card?.id ?? '')).toBe(true);
    expect((await cards(outsider)).filter((c) => orgAIds.has(c.id))).toEqual([]);
    const outsiderCreds = await call('/v1/calendar/google-credentials', { token: outsider });
    expect(await outsiderCreds.json()).toMatchObject({ configured: false });
    const colleague = await tokenFor({
      sub: BOB,
      org_id: ORG_A,
      permissions: ['ce.calendar.connect', 'ce.calendar.view-all'],
    });
    expect((await cards(colleague)).some((c) => c.id === card?.id)).toBe(true);
    expect(
      (await call(`/v1/calendar/connections/${card?.id}`, { method: 'DELETE', token: colleague })).status,
    ).toBe(403);
    expect((await cards(await bob())).some((c) => c.id === card?.id)).toBe(false);
    const viewerOnly = await tokenFor({ sub: ALICE, org_id: ORG_A, permissions: ['ce.calendar.view'] });
    expect(
      (await call(`/v1/calendar/connections/${card?.id}`, { method: 'DELETE', token: viewerOnly })).status,
    ).toBe(403);
  });
});
