/**
 * Microsoft conformance: identity platform v2 through oauth4webapi and Graph through the official
 * @microsoft/microsoft-graph-client, pointed at the emulator's HTTPS Graph listener (the SDK only
 * attaches tokens to, and follows links on, https hosts).
 */
import { Client, GraphError } from '@microsoft/microsoft-graph-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningEmulator, startEmulator } from '../../emulator/server.ts';
import {
  authorize,
  connect,
  control,
  exchange,
  type Provisioned,
  provision,
  refresh,
  webhookSink,
} from '../support/emulator.ts';

// The emulator's TLS listener uses a self-signed certificate made at start-up.
process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';

let emulator: RunningEmulator;
let microsoft: Provisioned;
const MEGAN = 'megan@contoso.example';
const ADELE = 'adele@contoso.example';
const TAG = 'String {66f5a359-4659-4830-9070-00047ec6ac6e} Name ceOrigin';

function graph(accessToken: string): Client {
  return Client.init({
    authProvider: (done) => done(null, accessToken),
    baseUrl: emulator.graphTlsUrl ?? '',
    defaultVersion: 'v1.0',
    customHosts: new Set(['127.0.0.1']),
  });
}

async function graphStatus(promise: Promise<unknown>): Promise<{ status: number; code?: string }> {
  try {
    await promise;
    return { status: 200 };
  } catch (error) {
    if (error instanceof GraphError) return { status: error.statusCode, code: error.code ?? undefined };
    throw error;
  }
}

beforeAll(async () => {
  emulator = await startEmulator({ seed: 11, tls: true });
  microsoft = await provision(emulator, 'microsoft');
  await control(emulator, '/accounts', {
    provider: 'microsoft',
    email: MEGAN,
    name: 'Megan Bowen',
    time_zone: 'America/Los_Angeles',
  });
  await control(emulator, '/accounts', {
    provider: 'microsoft',
    email: ADELE,
    name: 'Adele Vance',
    time_zone: 'UTC',
  });
});
afterAll(() => emulator?.close());

describe('Microsoft identity platform v2 with oauth4webapi', () => {
  it('code + PKCE; scope never echoes offline_access; every refresh returns a new token and the old one keeps working', async () => {
    const tokens = await connect(microsoft, MEGAN);
    expect(tokens.refresh_token).toBeTruthy();
    expect(tokens.scope).toBe('Calendars.ReadWrite User.Read');
    const first = await refresh(microsoft, tokens.refresh_token ?? '');
    expect(first.refresh_token).toBeTruthy();
    expect(first.refresh_token).not.toBe(tokens.refresh_token);
    // Real Microsoft does not revoke the previous refresh token (providers.md §7); reuse is counted.
    const before =
      (await control<Record<string, number>>(emulator, `/accounts/microsoft/${MEGAN}/counters`))[
        'token.refresh_spent_reused'
      ] ?? 0;
    expect((await refresh(microsoft, tokens.refresh_token ?? '')).access_token).toBeTruthy();
    const counters = await control<Record<string, number>>(emulator, `/accounts/microsoft/${MEGAN}/counters`);
    expect(counters['token.refresh_spent_reused']).toBe(before + 1);
  });

  it('strict mode: the spent refresh token answers AADSTS70000; an expired one AADSTS700082', async () => {
    await control(emulator, '/options', { microsoftOldRefreshTokenValid: false });
    try {
      const tokens = await connect(microsoft, MEGAN);
      const first = await refresh(microsoft, tokens.refresh_token ?? '');
      const reuse = await refresh(microsoft, tokens.refresh_token ?? '').catch(
        (e: { error: string; error_description: string; cause: { error_codes: number[] } }) => e,
      );
      expect(reuse).toMatchObject({
        error: 'invalid_grant',
        error_description: expect.stringMatching(
          /^AADSTS70000: Provided grant is invalid or malformed\.\r\n/,
        ),
      });
      expect((reuse as unknown as { cause: { error_codes: number[] } }).cause).toMatchObject({
        error_codes: [70000],
      });
      // The rotated token works once, then it is spent too.
      const second = await refresh(microsoft, first.refresh_token ?? '');
      expect(second.access_token).toBeTruthy();
    } finally {
      await control(emulator, '/options', { microsoftOldRefreshTokenValid: true });
    }
    const tokens = await connect(microsoft, MEGAN);
    await control(emulator, '/faults', {
      provider: 'microsoft',
      account: MEGAN,
      endpoint: 'token',
      kind: 'refresh_token_expired',
      times: 1,
    });
    const expired = await refresh(microsoft, tokens.refresh_token ?? '').catch(
      (e: { error: string; error_description: string; cause: { error_codes: number[] } }) => e,
    );
    expect(expired).toMatchObject({
      error: 'invalid_grant',
      error_description: expect.stringMatching(/^AADSTS700082: .*inactive for 90\.00:00:00\./),
    });
    expect((expired as unknown as { cause: { error_codes: number[] } }).cause).toMatchObject({
      error_codes: [700082],
    });
  });

  it('AADSTS errors: redeemed code, bad verifier, wrong secret, revoked grant', async () => {
    const a = await authorize(microsoft, MEGAN);
    await exchange(microsoft, a.params, a.verifier);
    await expect(exchange(microsoft, a.params, a.verifier)).rejects.toMatchObject({
      error: 'invalid_grant',
      error_description: expect.stringMatching(/^AADSTS54005/),
    });
    const b = await authorize(microsoft, MEGAN);
    await expect(exchange(microsoft, b.params, 'x'.repeat(43))).rejects.toMatchObject({
      error: 'invalid_grant',
      error_description: expect.stringMatching(/^AADSTS501481/),
    });
    const c = await authorize(microsoft, MEGAN);
    await expect(
      exchange({ ...microsoft, clientSecret: 'wrong' }, c.params, c.verifier),
    ).rejects.toMatchObject({ error: 'invalid_client' });
    const tokens = await connect(microsoft, MEGAN);
    await control(emulator, `/accounts/microsoft/${MEGAN}/revoke-grants`, {});
    await expect(refresh(microsoft, tokens.refresh_token ?? '')).rejects.toMatchObject({
      error: 'invalid_grant',
      error_description: expect.stringMatching(/^AADSTS50173/),
    });
  });
});

describe('Microsoft Graph with @microsoft/microsoft-graph-client', () => {
  let client: Client;

  beforeAll(async () => {
    client = graph((await connect(microsoft, MEGAN)).access_token);
  });

  it('reads /me', async () => {
    expect(await client.api('/me').get()).toMatchObject({
      mail: MEGAN,
      userPrincipalName: MEGAN,
      displayName: 'Megan Bowen',
    });
  });

  it('creates events with transactionId and extended properties, reads them back, and enforces changeKey', async () => {
    const body = {
      subject: 'CE meeting',
      start: { dateTime: '2026-12-01T10:00:00', timeZone: 'Pacific Standard Time' },
      end: { dateTime: '2026-12-01T10:30:00', timeZone: 'Pacific Standard Time' },
      attendees: [{ emailAddress: { address: ADELE, name: 'Adele' }, type: 'required' }],
      transactionId: 'ce-activity-42',
      singleValueExtendedProperties: [{ id: TAG, value: 'ce-calendar' }],
    };
    const created = await client.api('/me/events').post(body);
    expect(created).toMatchObject({
      type: 'singleInstance',
      transactionId: 'ce-activity-42',
      showAs: 'busy',
      isOrganizer: true,
    });
    expect(created['@odata.etag']).toBe(`W/"${created.changeKey}"`);
    expect(created.start).toEqual({ dateTime: '2026-12-01T18:00:00.0000000', timeZone: 'UTC' });
    // A retried POST with the same transactionId does not create a duplicate.
    expect((await client.api('/me/events').post(body)).id).toBe(created.id);
    // Extended properties are only visible through $expand, and filterable.
    expect(
      (await client.api(`/me/events/${created.id}`).get()).singleValueExtendedProperties,
    ).toBeUndefined();
    const expanded = await client
      .api(`/me/events/${created.id}`)
      .expand(`singleValueExtendedProperties($filter=id eq '${TAG}')`)
      .get();
    expect(expanded.singleValueExtendedProperties).toEqual([{ id: TAG, value: 'ce-calendar' }]);
    const found = await client
      .api('/me/events')
      .filter(`singleValueExtendedProperties/Any(ep: ep/id eq '${TAG}' and ep/value eq 'ce-calendar')`)
      .get();
    expect(found.value.map((e: { id: string }) => e.id)).toEqual([created.id]);
    const local = await client
      .api(`/me/events/${created.id}`)
      .header('Prefer', 'outlook.timezone="Pacific Standard Time"')
      .get();
    expect(local.start).toEqual({
      dateTime: '2026-12-01T10:00:00.0000000',
      timeZone: 'Pacific Standard Time',
    });

    const updated = await client.api(`/me/events/${created.id}`).patch({ subject: 'Moved' });
    expect(updated.changeKey).not.toBe(created.changeKey);
    expect(
      await graphStatus(
        client
          .api(`/me/events/${created.id}`)
          .header('If-Match', created['@odata.etag'])
          .patch({ subject: 'stale' }),
      ),
    ).toEqual({ status: 412, code: 'ErrorIrresolvableConflict' });
    await client.api(`/me/events/${created.id}`).delete();
    expect(await graphStatus(client.api(`/me/events/${created.id}`).get())).toEqual({
      status: 404,
      code: 'ErrorItemNotFound',
    });
  });

  it('calendarView/delta pages with nextLink, ends with deltaLink, then reports updates and @removed; 410 after invalidation', async () => {
    await control(emulator, `/accounts/microsoft/${MEGAN}/generate`, {
      count: 150,
      seed: 3,
      start_date: '2027-01-01',
      days: 60,
    });
    const window = 'startDateTime=2027-01-01T00:00:00Z&endDateTime=2027-03-15T00:00:00Z';
    let page = await client
      .api(`/me/calendarView/delta?${window}`)
      .header('Prefer', 'odata.maxpagesize=50')
      .get();
    const seen = new Map<string, { type: string; seriesMasterId: string | null }>();
    let pages = 1;
    while (page['@odata.nextLink']) {
      for (const item of page.value) seen.set(item.id, item);
      page = await client.api(page['@odata.nextLink']).header('Prefer', 'odata.maxpagesize=50').get();
      pages += 1;
    }
    for (const item of page.value) seen.set(item.id, item);
    expect(pages).toBeGreaterThan(2);
    const deltaLink: string = page['@odata.deltaLink'];
    expect(deltaLink).toContain('$deltatoken=');
    expect([...seen.values()].some((e) => e.type === 'occurrence' && e.seriesMasterId)).toBe(true);
    // The initial round carries each series' master; occurrences are stubs (providers.md §8).
    expect([...seen.values()].some((e) => e.type === 'seriesMaster')).toBe(true);
    const stub = [...seen.values()].find((e) => e.type === 'occurrence');
    expect(Object.keys(stub ?? {}).sort()).toEqual(
      ['@odata.etag', '@odata.type', 'end', 'id', 'seriesMasterId', 'start', 'type'].sort(),
    );

    const singles = [...seen.entries()].filter(([, e]) => e.type === 'singleInstance').map(([id]) => id);
    await control(
      emulator,
      `/accounts/microsoft/${MEGAN}/events/${singles[0]}`,
      { event: { subject: 'Edited in Outlook' } },
      'PATCH',
    );
    await control(emulator, `/accounts/microsoft/${MEGAN}/events/${singles[1]}`, undefined, 'DELETE');
    const round = await client.api(deltaLink).get();
    const changed = new Map(round.value.map((e: { id: string }) => [e.id, e]));
    expect(changed.get(singles[0])).toMatchObject({ subject: 'Edited in Outlook' });
    expect(changed.get(singles[1])).toEqual({
      '@odata.type': '#microsoft.graph.event',
      id: singles[1],
      '@removed': { reason: 'deleted' },
    });
    expect(round['@odata.deltaLink']).toBeTruthy();

    await control(emulator, `/accounts/microsoft/${MEGAN}/invalidate-sync-tokens`, {});
    expect(await graphStatus(client.api(round['@odata.deltaLink']).get())).toEqual({
      status: 410,
      code: 'SyncStateNotFound',
    });
  });

  it('expands Graph recurrence patterns into occurrences and materialises exceptions', async () => {
    const master = await client.api('/me/events').post({
      subject: 'Weekly sync',
      start: { dateTime: '2027-03-01T09:00:00', timeZone: 'W. Europe Standard Time' },
      end: { dateTime: '2027-03-01T09:30:00', timeZone: 'W. Europe Standard Time' },
      recurrence: {
        pattern: { type: 'weekly', interval: 1, daysOfWeek: ['monday'] },
        range: { type: 'numbered', startDate: '2027-03-01', numberOfOccurrences: 4 },
      },
    });
    expect(master.type).toBe('seriesMaster');
    const view = await client
      .api('/me/calendarView?startDateTime=2027-03-01T00:00:00Z&endDateTime=2027-04-01T00:00:00Z&$top=100')
      .get();
    const occurrences = view.value.filter((e: { seriesMasterId: string }) => e.seriesMasterId === master.id);
    // 09:00 Berlin is 08:00Z in winter and 07:00Z after the 2027-03-28 change.
    expect(occurrences.map((o: { start: { dateTime: string } }) => o.start.dateTime)).toEqual([
      '2027-03-01T08:00:00.0000000',
      '2027-03-08T08:00:00.0000000',
      '2027-03-15T08:00:00.0000000',
      '2027-03-22T08:00:00.0000000',
    ]);
    const exception = await client
      .api(`/me/events/${occurrences[1].id}`)
      .patch({ subject: 'Weekly sync (moved)' });
    expect(exception).toMatchObject({ type: 'exception', seriesMasterId: master.id });
  });

  it('answers getSchedule with availabilityView and a per-schedule error', async () => {
    const adele = graph((await connect(microsoft, ADELE)).access_token);
    await adele.api('/me/events').post({
      subject: 'Lunch',
      start: { dateTime: '2027-05-03T12:00:00', timeZone: 'UTC' },
      end: { dateTime: '2027-05-03T13:00:00', timeZone: 'UTC' },
    });
    await adele.api('/me/events').post({
      subject: 'Maybe',
      showAs: 'tentative',
      start: { dateTime: '2027-05-03T14:00:00', timeZone: 'UTC' },
      end: { dateTime: '2027-05-03T15:00:00', timeZone: 'UTC' },
    });
    const result = await client.api('/me/calendar/getSchedule').post({
      schedules: [ADELE, 'ghost@contoso.example'],
      startTime: { dateTime: '2027-05-03T09:00:00', timeZone: 'UTC' },
      endTime: { dateTime: '2027-05-03T18:00:00', timeZone: 'UTC' },
      availabilityViewInterval: 60,
    });
    expect(result.value[0]).toMatchObject({ scheduleId: ADELE, availabilityView: '000201000' });
    expect(result.value[0].scheduleItems).toHaveLength(2);
    expect(result.value[1]).toMatchObject({
      scheduleId: 'ghost@contoso.example',
      error: { responseCode: 'ErrorMailRecipientNotFound' },
    });
  });

  it('subscriptions: validation handshake, notifications with clientState, renew, lifecycle, limits', async () => {
    const sink = await webhookSink();
    const failing = await webhookSink({ echoValidation: false });
    try {
      const in3days = new Date(Date.now() + 3 * 86_400_000).toISOString();
      const subscription = await client.api('/subscriptions').post({
        changeType: 'created,updated,deleted',
        notificationUrl: `${sink.url}/v1/calendar/webhooks/microsoft`,
        lifecycleNotificationUrl: `${sink.url}/v1/calendar/webhooks/microsoft/lifecycle`,
        resource: 'me/events',
        expirationDateTime: in3days,
        clientState: 'secret-client-state',
      });
      expect(subscription).toMatchObject({
        resource: 'me/events',
        clientState: 'secret-client-state',
        latestSupportedTlsVersion: 'v1_2',
      });
      expect(sink.received.filter((r) => r.url.includes('validationToken='))).toHaveLength(2);

      await control(emulator, `/accounts/microsoft/${MEGAN}/events`, {
        event: {
          subject: 'From Outlook',
          start: { dateTime: '2027-06-01T10:00:00', timeZone: 'UTC' },
          end: { dateTime: '2027-06-01T11:00:00', timeZone: 'UTC' },
        },
      });
      await control(emulator, '/settle', {});
      const notification = sink.received.find(
        (r) => !r.url.includes('validationToken=') && r.body.includes('changeType'),
      );
      expect(JSON.parse(notification?.body ?? '{}').value[0]).toMatchObject({
        subscriptionId: subscription.id,
        clientState: 'secret-client-state',
        changeType: 'created',
      });

      const renewed = await client
        .api(`/subscriptions/${subscription.id}`)
        .patch({ expirationDateTime: new Date(Date.now() + 5 * 86_400_000).toISOString() });
      expect(renewed.id).toBe(subscription.id);
      expect(
        await graphStatus(
          client
            .api(`/subscriptions/${subscription.id}`)
            .patch({ expirationDateTime: new Date(Date.now() + 8 * 86_400_000).toISOString() }),
        ),
      ).toEqual({ status: 400, code: 'ExtensionError' });

      await control(emulator, `/subscriptions/${subscription.id}/lifecycle`, {
        event: 'reauthorizationRequired',
      });
      await control(emulator, '/settle', {});
      const lifecycle = sink.received.find((r) => r.url.endsWith('/lifecycle'));
      expect(JSON.parse(lifecycle?.body ?? '{}').value[0]).toMatchObject({
        lifecycleEvent: 'reauthorizationRequired',
        clientState: 'secret-client-state',
      });

      expect(
        await graphStatus(
          client.api('/subscriptions').post({
            changeType: 'created',
            notificationUrl: failing.url,
            resource: 'me/events',
            expirationDateTime: in3days,
          }),
        ),
      ).toEqual({ status: 400, code: 'ValidationError' });
      await client.api(`/subscriptions/${subscription.id}`).delete();
      expect(await graphStatus(client.api(`/subscriptions/${subscription.id}`).delete())).toMatchObject({
        status: 404,
      });
    } finally {
      await sink.close();
      await failing.close();
    }
  });
});
