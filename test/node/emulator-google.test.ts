/**
 * Google conformance: the emulator driven by the official clients (oauth4webapi for OAuth,
 * @googleapis/calendar with a custom rootUrl for Calendar v3), unchanged.
 */
import { type calendar_v3, calendar as googleCalendar } from '@googleapis/calendar';
import * as oauth from 'oauth4webapi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningEmulator, startEmulator } from '../../emulator/server.ts';
import {
  authorize,
  connect,
  control,
  exchange,
  insecure,
  type Provisioned,
  provision,
  refresh,
  webhookSink,
} from '../support/emulator.ts';

let emulator: RunningEmulator;
let google: Provisioned;
const ALICE = 'alice@acme.example';
const BOB = 'bob@acme.example';

function api(accessToken: string): calendar_v3.Calendar {
  return googleCalendar({
    version: 'v3',
    rootUrl: `${emulator.url}/`,
    headers: { authorization: `Bearer ${accessToken}` },
  });
}

async function status(promise: Promise<unknown>): Promise<{ status: number; reason?: string }> {
  try {
    await promise;
    return { status: 200 };
  } catch (error) {
    const e = error as {
      status?: number;
      response?: { status: number; data?: { error?: { errors?: Array<{ reason?: string }> } } };
    };
    return {
      status: e.response?.status ?? e.status ?? 0,
      reason: e.response?.data?.error?.errors?.[0]?.reason,
    };
  }
}

beforeAll(async () => {
  emulator = await startEmulator({ seed: 42 });
  google = await provision(emulator, 'google');
  await control(emulator, '/accounts', {
    provider: 'google',
    email: ALICE,
    name: 'Alice Adams',
    time_zone: 'America/Chicago',
  });
  await control(emulator, '/accounts', {
    provider: 'google',
    email: BOB,
    name: 'Bob Brown',
    time_zone: 'Europe/Berlin',
  });
});
afterAll(() => emulator?.close());

describe('Google OAuth 2.0 with oauth4webapi', () => {
  it('authorization code + PKCE S256, userinfo, refresh without rotation', async () => {
    const tokens = await connect(google, ALICE);
    expect(tokens.access_token).toMatch(/^ya29\./);
    expect(tokens.refresh_token).toMatch(/^1\/\//);
    expect(tokens.expires_in).toBe(3599);
    const info = await oauth
      .userInfoRequest(google.as, google.client, tokens.access_token, insecure)
      .catch(() => undefined);
    expect(info).toBeUndefined(); // no userinfo_endpoint in the AS metadata: use the real URL directly
    const me = await fetch(`${emulator.url}/oauth2/v3/userinfo`, {
      headers: { authorization: `Bearer ${tokens.access_token}` },
    });
    expect(await me.json()).toMatchObject({ email: ALICE, email_verified: true, name: 'Alice Adams' });
    const refreshed = await refresh(google, tokens.refresh_token ?? '');
    expect(refreshed.access_token).not.toBe(tokens.access_token);
    expect(refreshed.refresh_token).toBeUndefined();
    // Google does not rotate: the same refresh token keeps working.
    const again = await refresh(google, tokens.refresh_token ?? '');
    expect(again.access_token).toBeTruthy();
    const counters = await control<Record<string, number>>(emulator, `/accounts/google/${ALICE}/counters`);
    expect(counters['token.refresh']).toBeGreaterThanOrEqual(2);
  });

  it('rejects a wrong PKCE verifier, a replayed code and a wrong client secret', async () => {
    const first = await authorize(google, ALICE);
    await expect(exchange(google, first.params, oauth.generateRandomCodeVerifier())).rejects.toMatchObject({
      error: 'invalid_grant',
    });
    const second = await authorize(google, ALICE);
    await exchange(google, second.params, second.verifier);
    await expect(exchange(google, second.params, second.verifier)).rejects.toMatchObject({
      error: 'invalid_grant',
      error_description: 'Malformed auth code.',
    });
    const wrongSecret = { ...google, clientSecret: 'not-the-secret' };
    const third = await authorize(google, ALICE);
    await expect(exchange(wrongSecret, third.params, third.verifier)).rejects.toMatchObject({
      error: 'invalid_client',
    });
  });

  it('expired codes and revoked tokens answer invalid_grant', async () => {
    const pending = await authorize(google, ALICE);
    await control(emulator, '/clock', { advance_seconds: 601 });
    await expect(exchange(google, pending.params, pending.verifier)).rejects.toMatchObject({
      error: 'invalid_grant',
    });
    await control(emulator, '/clock', { advance_seconds: -601 });
    const tokens = await connect(google, ALICE);
    const revoke = await fetch(
      `${emulator.url}/revoke?token=${encodeURIComponent(tokens.refresh_token ?? '')}`,
      { method: 'POST' },
    );
    expect(revoke.status).toBe(200);
    await expect(refresh(google, tokens.refresh_token ?? '')).rejects.toMatchObject({
      error: 'invalid_grant',
      error_description: 'Token has been expired or revoked.',
    });
    const again = await fetch(
      `${emulator.url}/revoke?token=${encodeURIComponent(tokens.refresh_token ?? '')}`,
      { method: 'POST' },
    );
    expect(again.status).toBe(400);
  });

  it('supports several OAuth clients (an organization bringing its own)', async () => {
    const byo = await provision(emulator, 'google', 'org-client.apps.googleusercontent.com', 'org-secret');
    const tokens = await connect(byo, BOB);
    expect(tokens.access_token).toBeTruthy();
    // A token of one client cannot be refreshed with another.
    await expect(refresh(google, tokens.refresh_token ?? '')).rejects.toMatchObject({
      error: 'invalid_grant',
    });
  });

  it('does not return a refresh token without offline access', async () => {
    const { params, verifier } = await authorize(google, ALICE, {
      access_type: 'online',
      prompt: 'select_account',
    });
    const tokens = await exchange(google, params, verifier);
    expect(tokens.refresh_token).toBeUndefined();
  });

  it('answers access_denied when the user declines, and shows a chooser without login_hint', async () => {
    const url = new URL(google.as.authorization_endpoint ?? '');
    url.search = new URLSearchParams({
      client_id: google.clientId,
      redirect_uri: 'https://ce.example.test/functions/v1/calendar-oauth-callback',
      response_type: 'code',
      scope: google.scope,
      state: 's1',
    }).toString();
    const page = await fetch(url);
    const html = await page.text();
    expect(html).toContain(ALICE);
    expect(html).toContain('Allow');
    const form = new URLSearchParams({
      client_id: google.clientId,
      redirect_uri: 'https://ce.example.test/functions/v1/calendar-oauth-callback',
      scope: google.scope,
      state: 's1',
      account: ALICE,
      decision: 'deny',
    });
    const denied = await fetch(url.toString().split('?')[0] ?? '', {
      method: 'POST',
      body: form,
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(new URL(denied.headers.get('location') ?? '').searchParams.get('error')).toBe('access_denied');
  });
});

describe('Google Calendar v3 with @googleapis/calendar', () => {
  let calendar: calendar_v3.Calendar;

  beforeAll(async () => {
    calendar = api((await connect(google, ALICE)).access_token);
  });

  it('lists calendars and pages a full sync; nextSyncToken only on the last page', async () => {
    const list = await calendar.calendarList.list();
    expect(list.data.items?.[0]).toMatchObject({ id: ALICE, primary: true, timeZone: 'America/Chicago' });
    await control(emulator, `/accounts/google/${ALICE}/generate`, { count: 600, seed: 7 });
    const ids = new Set<string>();
    let pageToken: string | undefined;
    let pages = 0;
    let syncToken: string | undefined;
    do {
      const res = await calendar.events.list({
        calendarId: 'primary',
        maxResults: 250,
        ...(pageToken ? { pageToken } : {}),
      });
      pages += 1;
      for (const item of res.data.items ?? []) ids.add(item.id ?? '');
      pageToken = res.data.nextPageToken ?? undefined;
      if (pageToken) expect(res.data.nextSyncToken).toBeFalsy();
      else syncToken = res.data.nextSyncToken ?? undefined;
    } while (pageToken);
    expect(pages).toBeGreaterThanOrEqual(3);
    expect(ids.size).toBeGreaterThan(400);
    expect(syncToken).toBeTruthy();

    // Incremental: nothing changed → empty items and a token.
    const quiet = await calendar.events.list({ calendarId: 'primary', syncToken });
    expect(quiet.data.items).toEqual([]);
    expect(quiet.data.nextSyncToken).toBeTruthy();

    // The user edits one event and deletes another in "Google Calendar".
    const [first, second] = [...ids].filter((id) => !id.includes('_'));
    await control(
      emulator,
      `/accounts/google/${ALICE}/events/${first}`,
      { event: { summary: 'Renamed by the user' } },
      'PATCH',
    );
    await control(emulator, `/accounts/google/${ALICE}/events/${second}`, undefined, 'DELETE');
    const changes = await calendar.events.list({
      calendarId: 'primary',
      syncToken: quiet.data.nextSyncToken ?? '',
    });
    const byId = new Map((changes.data.items ?? []).map((i) => [i.id, i]));
    expect(byId.get(first)?.summary).toBe('Renamed by the user');
    expect(byId.get(second)).toMatchObject({ status: 'cancelled' });
    expect(Object.keys(byId.get(second) ?? {}).sort()).toEqual(['etag', 'id', 'kind', 'status']);

    // Filters are forbidden with a sync token; an invalidated token is 410 fullSyncRequired.
    expect(
      await status(
        calendar.events.list({
          calendarId: 'primary',
          syncToken: changes.data.nextSyncToken ?? '',
          timeMin: '2026-01-01T00:00:00Z',
        }),
      ),
    ).toMatchObject({ status: 400 });
    await control(emulator, `/accounts/google/${ALICE}/invalidate-sync-tokens`, {});
    expect(
      await status(
        calendar.events.list({ calendarId: 'primary', syncToken: changes.data.nextSyncToken ?? '' }),
      ),
    ).toEqual({ status: 410, reason: 'fullSyncRequired' });
  });

  it('inserts with extended properties and attendees, reads them back, filters, and enforces If-Match', async () => {
    const created = await calendar.events.insert({
      calendarId: 'primary',
      requestBody: {
        summary: 'CE meeting',
        start: { dateTime: '2026-12-01T10:00:00-06:00', timeZone: 'America/Chicago' },
        end: { dateTime: '2026-12-01T10:30:00-06:00', timeZone: 'America/Chicago' },
        attendees: [{ email: BOB }],
        extendedProperties: { private: { ceActivityId: 'act-1', ceOrigin: 'ce-calendar' } },
      },
    });
    expect(created.status).toBe(200);
    const got = await calendar.events.get({ calendarId: 'primary', eventId: created.data.id ?? '' });
    expect(got.data.extendedProperties?.private).toEqual({ ceActivityId: 'act-1', ceOrigin: 'ce-calendar' });
    // Google lists the organizer as an attendee too, flagged `organizer` (and `self` for its owner).
    expect(got.data.attendees).toEqual([
      { email: ALICE, displayName: 'Alice Adams', responseStatus: 'accepted', organizer: true, self: true },
      { email: BOB, responseStatus: 'needsAction' },
    ]);
    expect(got.data.start).toEqual({ dateTime: '2026-12-01T10:00:00-06:00', timeZone: 'America/Chicago' });
    const tagged = await calendar.events.list({
      calendarId: 'primary',
      privateExtendedProperty: ['ceOrigin=ce-calendar'],
    });
    expect(tagged.data.items?.map((i) => i.id)).toEqual([created.data.id]);

    const stale = created.data.etag ?? '';
    await calendar.events.patch({
      calendarId: 'primary',
      eventId: created.data.id ?? '',
      requestBody: { summary: 'Moved' },
    });
    expect(
      await status(
        calendar.events.patch(
          { calendarId: 'primary', eventId: created.data.id ?? '', requestBody: { summary: 'x' } },
          { headers: { 'If-Match': stale } },
        ),
      ),
    ).toEqual({ status: 412, reason: 'conditionNotMet' });
    const patched = await calendar.events.patch({
      calendarId: 'primary',
      eventId: created.data.id ?? '',
      requestBody: { extendedProperties: { private: { ceOrigin: null as unknown as string } } },
    });
    expect(patched.data.extendedProperties?.private).toEqual({ ceActivityId: 'act-1' });

    const removed = await calendar.events.delete({ calendarId: 'primary', eventId: created.data.id ?? '' });
    expect(removed.status).toBe(204);
    expect(
      await status(calendar.events.delete({ calendarId: 'primary', eventId: created.data.id ?? '' })),
    ).toEqual({ status: 410, reason: 'deleted' });
    expect(await status(calendar.events.get({ calendarId: 'primary', eventId: 'neverexisted0' }))).toEqual({
      status: 404,
      reason: 'notFound',
    });
    expect(
      await status(
        calendar.events.insert({
          calendarId: 'primary',
          requestBody: { summary: 'no end', start: { dateTime: '2026-12-01T10:00:00Z' } },
        }),
      ),
    ).toMatchObject({ status: 400 });
  });

  it('handles recurring series across DST: instances, exceptions, EXDATE, all-day', async () => {
    const series = await calendar.events.insert({
      calendarId: 'primary',
      requestBody: {
        summary: 'Zeta scrum',
        start: { dateTime: '2026-03-06T09:00:00', timeZone: 'America/Chicago' },
        end: { dateTime: '2026-03-06T09:15:00', timeZone: 'America/Chicago' },
        recurrence: ['RRULE:FREQ=DAILY;COUNT=5', 'EXDATE;TZID=America/Chicago:20260307T090000'],
      },
    });
    const instances = await calendar.events.instances({
      calendarId: 'primary',
      eventId: series.data.id ?? '',
    });
    const starts = (instances.data.items ?? []).map((i) => i.start?.dateTime);
    // 9:00 local on both sides of the 2026-03-08 US DST change; 03-07 excluded.
    expect(starts).toEqual([
      '2026-03-06T09:00:00-06:00',
      '2026-03-08T09:00:00-05:00',
      '2026-03-09T09:00:00-05:00',
      '2026-03-10T09:00:00-05:00',
    ]);
    const target = instances.data.items?.[1];
    expect(target?.id).toBe(`${series.data.id}_20260308T140000Z`);
    const moved = await calendar.events.patch({
      calendarId: 'primary',
      eventId: target?.id ?? '',
      requestBody: {
        start: { dateTime: '2026-03-08T10:00:00-05:00' },
        end: { dateTime: '2026-03-08T10:15:00-05:00' },
      },
    });
    expect(moved.data).toMatchObject({
      recurringEventId: series.data.id,
      originalStartTime: { dateTime: '2026-03-08T09:00:00-05:00' },
    });
    await calendar.events.delete({ calendarId: 'primary', eventId: instances.data.items?.[2]?.id ?? '' });
    const single = await calendar.events.list({
      calendarId: 'primary',
      singleEvents: true,
      orderBy: 'startTime',
      timeMin: '2026-03-05T00:00:00Z',
      timeMax: '2026-03-12T00:00:00Z',
      q: 'zeta scrum',
    });
    expect((single.data.items ?? []).map((i) => i.start?.dateTime)).toEqual([
      '2026-03-06T09:00:00-06:00',
      '2026-03-08T10:00:00-05:00',
      '2026-03-10T09:00:00-05:00',
    ]);
    const withDeleted = await calendar.events.list({
      calendarId: 'primary',
      singleEvents: true,
      showDeleted: true,
      timeMin: '2026-03-05T00:00:00Z',
      timeMax: '2026-03-12T00:00:00Z',
      q: 'zeta scrum',
    });
    expect(
      withDeleted.data.items?.some((i) => i.status === 'cancelled' && i.recurringEventId === series.data.id),
    ).toBe(true);

    const allDay = await calendar.events.insert({
      calendarId: 'primary',
      requestBody: { summary: 'Offsite', start: { date: '2026-05-01' }, end: { date: '2026-05-02' } },
    });
    expect(allDay.data.start).toEqual({ date: '2026-05-01' });
    expect(allDay.data.end).toEqual({ date: '2026-05-02' });
  });

  it('answers freeBusy for several calendars with a per-calendar error for unknown ones', async () => {
    const bobApi = api((await connect(google, BOB)).access_token);
    await bobApi.events.insert({
      calendarId: 'primary',
      requestBody: {
        summary: 'Busy',
        start: { dateTime: '2026-06-01T10:00:00Z' },
        end: { dateTime: '2026-06-01T11:00:00Z' },
      },
    });
    await bobApi.events.insert({
      calendarId: 'primary',
      requestBody: {
        summary: 'Overlap',
        start: { dateTime: '2026-06-01T10:30:00Z' },
        end: { dateTime: '2026-06-01T11:30:00Z' },
      },
    });
    await bobApi.events.insert({
      calendarId: 'primary',
      requestBody: {
        summary: 'Free',
        transparency: 'transparent',
        start: { dateTime: '2026-06-01T13:00:00Z' },
        end: { dateTime: '2026-06-01T14:00:00Z' },
      },
    });
    const res = await calendar.freebusy.query({
      requestBody: {
        timeMin: '2026-06-01T00:00:00Z',
        timeMax: '2026-06-02T00:00:00Z',
        items: [{ id: BOB }, { id: 'ghost@acme.example' }],
      },
    });
    expect(res.data.calendars?.[BOB]?.busy).toEqual([
      { start: '2026-06-01T10:00:00Z', end: '2026-06-01T11:30:00Z' },
    ]);
    expect(res.data.calendars?.['ghost@acme.example']).toEqual({
      errors: [{ domain: 'global', reason: 'notFound' }],
      busy: [],
    });
    expect(
      await status(
        calendar.freebusy.query({
          requestBody: {
            timeMin: '2026-06-02T00:00:00Z',
            timeMax: '2026-06-01T00:00:00Z',
            items: [{ id: BOB }],
          },
        }),
      ),
    ).toEqual({ status: 400, reason: 'timeRangeEmpty' });
  });

  it('watch sends a sync message then exists notifications with X-Goog headers; channels.stop ends them', async () => {
    const sink = await webhookSink();
    try {
      const channel = await calendar.events.watch({
        calendarId: 'primary',
        requestBody: {
          id: 'chan-1',
          type: 'web_hook',
          address: `${sink.url}/v1/calendar/webhooks/google`,
          token: 'connection=abc',
        },
      });
      expect(channel.data).toMatchObject({ kind: 'api#channel', id: 'chan-1', token: 'connection=abc' });
      expect(typeof channel.data.expiration).toBe('string');
      await control(emulator, `/accounts/google/${ALICE}/events`, {
        event: {
          summary: 'New',
          start: { dateTime: '2026-07-01T10:00:00Z' },
          end: { dateTime: '2026-07-01T11:00:00Z' },
        },
      });
      await control(emulator, '/settle', {});
      const [sync, exists] = sink.received;
      expect(sync?.headers).toMatchObject({
        'x-goog-channel-id': 'chan-1',
        'x-goog-resource-state': 'sync',
        'x-goog-message-number': '1',
        'x-goog-channel-token': 'connection=abc',
        'x-goog-resource-id': channel.data.resourceId,
      });
      expect(exists?.headers['x-goog-resource-state']).toBe('exists');
      expect(Number(exists?.headers['x-goog-message-number'])).toBeGreaterThan(1);
      expect(exists?.body).toBe('');
      await calendar.channels.stop({
        requestBody: { id: 'chan-1', resourceId: channel.data.resourceId ?? '' },
      });
      await control(emulator, `/accounts/google/${ALICE}/events`, {
        event: {
          summary: 'After stop',
          start: { dateTime: '2026-07-02T10:00:00Z' },
          end: { dateTime: '2026-07-02T11:00:00Z' },
        },
      });
      await control(emulator, '/settle', {});
      expect(sink.received).toHaveLength(2);
    } finally {
      await sink.close();
    }
  });

  it('answers 401 with the UNAUTHENTICATED shape for expired access tokens', async () => {
    const tokens = await connect(google, ALICE);
    await control(emulator, `/accounts/google/${ALICE}/expire-access-tokens`, {});
    const res = await fetch(`${emulator.url}/calendar/v3/calendars/primary/events`, {
      headers: { authorization: `Bearer ${tokens.access_token}` },
    });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({
      error: { code: 401, status: 'UNAUTHENTICATED', errors: [{ reason: 'authError' }] },
    });
  });
});
