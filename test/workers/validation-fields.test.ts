/**
 * One validation path, one error shape (issue 20 §3, §6): every 400 from a schema names the field in
 * `details.fields[].field` — unknown body keys too — with the spelling the rest of the API uses.
 */
import { describe, expect, it } from 'vitest';
import { adminToken, call, ORG_A, tokenFor } from './helpers.ts';

type Fields = { error: { code: string; message: string; details?: { fields: { field: string }[] } } };

async function fieldsOf(res: Response): Promise<string[]> {
  expect(res.status).toBe(400);
  const body = (await res.json()) as Fields;
  expect(body.error.code).toBe('validation_failed');
  return (body.error.details?.fields ?? []).map((f) => f.field);
}

const everyone = () =>
  tokenFor({
    sub: crypto.randomUUID(),
    org_id: ORG_A,
    roles: ['org_admin'],
    permissions: ['ce.calendar.view', 'ce.calendar.connect', 'ce.calendar.schedule', 'ce.calendar.view-all'],
  });

describe('a 400 names the field', () => {
  it('an unknown body key is the field, on every strict body', async () => {
    const token = await everyone();
    const window = { time_min: '2027-03-01T00:00:00Z', time_max: '2027-03-02T00:00:00Z' };
    const cases: Array<[string, string, unknown]> = [
      ['POST', '/v1/calendar/oauth/start', { provider: 'google', retrun_to: '/admin' }],
      ['POST', '/v1/calendar/freebusy', { user_ids: [crypto.randomUUID()], ...window, liev: true }],
      [
        'POST',
        '/v1/calendar/availability',
        { user_ids: [crypto.randomUUID()], ...window, time_zone: 'UTC', duration: 30 },
      ],
      ['PATCH', `/v1/calendar/connections/${crypto.randomUUID()}`, { sync_enabled: true, paused: false }],
    ];
    for (const [method, path, json] of cases) {
      const unknown = Object.keys(json as object).at(-1);
      expect(await fieldsOf(await call(path, { method, token, json })), path).toEqual([unknown]);
    }
    const settings = await call('/v1/calendar/settings', {
      method: 'PUT',
      token: await adminToken(),
      json: {
        calendar_default_meeting_duration_minutes: 30,
        calendar_sync_poll_interval_minutes: 15,
        calendar_pre_meeting_notification_minutes: 10,
        colour: 'blue',
      },
    });
    expect(await fieldsOf(settings)).toEqual(['colour']);
  });

  it('a key that could be an address or a token is not echoed: its parent is named', async () => {
    const res = await call('/v1/calendar/oauth/start', {
      method: 'POST',
      token: await everyone(),
      json: { provider: 'google', 'sam.lee@example.com': 1 },
    });
    const text = await res.clone().text();
    expect(await fieldsOf(res)).toEqual(['body']);
    expect(text).not.toContain('sam.lee@example.com');
  });

  it('nested fields, query parameters and headers are named as the rest of the API spells them', async () => {
    const token = await everyone();
    const availability = await call('/v1/calendar/availability', {
      method: 'POST',
      token,
      json: {
        user_ids: [crypto.randomUUID(), 'not-a-uuid'],
        time_min: '2027-03-01T00:00:00Z',
        time_max: '2027-03-02T00:00:00Z',
        time_zone: 'Europe/Kyiv',
        working_hours: {
          mon: [
            { start: '09:00', end: '17:00' },
            { start: '13:00', end: '08:00' },
          ],
        },
      },
    });
    expect(await fieldsOf(availability)).toEqual(['user_ids[1]', 'working_hours.mon[1].end']);
    const events = await call(
      '/v1/calendar/events?time_min=2027-03-01T00:00:00Z&time_max=2027-01-01T00:00:00Z',
      {
        token,
      },
    );
    expect(await fieldsOf(events)).toEqual(['time_max']);
    const local = await call(
      '/v1/calendar/events?time_min=2027-03-01T00:00:00&time_max=2027-03-02T00:00:00Z',
      {
        token,
      },
    );
    expect(await fieldsOf(local)).toEqual(['time_min']);
    const google = await call('/v1/calendar/webhooks/google', {
      method: 'POST',
      headers: { 'x-goog-channel-id': 'x' },
    });
    expect(await fieldsOf(google)).toEqual(['x-goog-resource-state']);
  });

  it('keeps the zone the caller wrote (Europe/Kyiv is not rewritten to Europe/Kiev)', async () => {
    const sub = crypto.randomUUID();
    const token = await tokenFor({ sub, org_id: ORG_A, permissions: ['ce.calendar.view'] });
    const res = await call('/v1/calendar/availability', {
      method: 'POST',
      token,
      json: {
        user_ids: [sub],
        time_min: '2027-03-01T00:00:00Z',
        time_max: '2027-03-02T00:00:00Z',
        time_zone: 'Europe/Kyiv',
        duration_minutes: 30,
      },
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { time_zone: string }).time_zone).toBe('Europe/Kyiv');
  });
});
