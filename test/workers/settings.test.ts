import { sql } from 'drizzle-orm';
import { beforeEach, describe, expect, it } from 'vitest';
import { adminToken, call, ORG_A, ORG_B, ownerQuery, userToken } from './helpers.ts';

const valid = {
  calendar_default_meeting_duration_minutes: 45,
  calendar_sync_poll_interval_minutes: 10,
  calendar_pre_meeting_notification_minutes: 30,
};

beforeEach(async () => {
  await ownerQuery(sql`delete from ce_module_settings`);
});

describe('GET/PUT /v1/calendar/settings', () => {
  it('returns the documented defaults when the organization never saved settings', async () => {
    const res = await call('/v1/calendar/settings', { token: await userToken() });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      calendar_default_meeting_duration_minutes: 30,
      calendar_sync_poll_interval_minutes: 15,
      calendar_pre_meeting_notification_minutes: 15,
    });
  });

  it('saves settings for an org admin and reads them back; other organizations keep their own', async () => {
    const put = await call('/v1/calendar/settings', {
      method: 'PUT',
      token: await adminToken(),
      json: valid,
    });
    expect(put.status).toBe(200);
    expect(await put.json()).toEqual(valid);
    const again = await call('/v1/calendar/settings', { token: await userToken() });
    expect(await again.json()).toEqual(valid);
    const other = await call('/v1/calendar/settings', { token: await userToken(ORG_B) });
    expect((await other.json()) as object).toMatchObject({ calendar_default_meeting_duration_minutes: 30 });
    const rows = await ownerQuery<{ organization_id: string }>(
      sql`select organization_id from ce_module_settings`,
    );
    expect(rows).toEqual([{ organization_id: ORG_A }]);
  });

  const boundaries: Array<[keyof typeof valid, number, number]> = [
    ['calendar_default_meeting_duration_minutes', 15, 480],
    ['calendar_sync_poll_interval_minutes', 5, 60],
    ['calendar_pre_meeting_notification_minutes', 5, 1440],
  ];
  for (const [field, min, max] of boundaries) {
    it(`${field}: accepts ${min} and ${max}, rejects ${min - 1} and ${max + 1} naming the field`, async () => {
      const token = await adminToken();
      for (const ok of [min, max]) {
        const res = await call('/v1/calendar/settings', {
          method: 'PUT',
          token,
          json: { ...valid, [field]: ok },
        });
        expect(res.status).toBe(200);
        expect(((await res.json()) as Record<string, number>)[field]).toBe(ok);
      }
      for (const bad of [min - 1, max + 1]) {
        const res = await call('/v1/calendar/settings', {
          method: 'PUT',
          token,
          json: { ...valid, [field]: bad },
        });
        expect(res.status).toBe(400);
        const body = (await res.json()) as {
          error: { code: string; message: string; details: { fields: Array<{ field: string }> } };
        };
        expect(body.error.code).toBe('validation_failed');
        expect(body.error.message).toContain(field);
        expect(body.error.details.fields.map((f) => f.field)).toEqual([field]);
      }
      const [row] = await ownerQuery<Record<string, number>>(sql`select * from ce_module_settings`);
      expect(row?.[field]).toBe(max);
    });
  }

  it('rejects non-integers, strings, missing and unknown fields with 400', async () => {
    const token = await adminToken();
    const cases: unknown[] = [
      { ...valid, calendar_sync_poll_interval_minutes: 7.5 },
      { ...valid, calendar_sync_poll_interval_minutes: '10' },
      { calendar_sync_poll_interval_minutes: 10 },
      { ...valid, surprise: true },
      [],
    ];
    for (const json of cases) {
      const res = await call('/v1/calendar/settings', { method: 'PUT', token, json });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('validation_failed');
    }
  });

  it('answers malformed JSON with 400 invalid_json', async () => {
    const res = await call('/v1/calendar/settings', {
      method: 'PUT',
      token: await adminToken(),
      headers: { 'content-type': 'application/json' },
      body: '{"calendar_default_meeting_duration_minutes": 3',
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('invalid_json');
  });

  it('forbids a user without an admin role (403) and writes nothing', async () => {
    const res = await call('/v1/calendar/settings', { method: 'PUT', token: await userToken(), json: valid });
    expect(res.status).toBe(403);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('forbidden');
    expect(await ownerQuery(sql`select 1 from ce_module_settings`)).toHaveLength(0);
  });

  it('answers a body over 1 MiB with 413', async () => {
    const res = await call('/v1/calendar/settings', {
      method: 'PUT',
      token: await adminToken(),
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...valid, padding: 'x'.repeat(1024 * 1024) }),
    });
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('payload_too_large');
  });
});

describe('operations', () => {
  it('serves /healthz without auth', async () => {
    const res = await call('/healthz');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
    expect(res.headers.get('x-correlation-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('serves an OpenAPI document listing the settings routes with their ranges', async () => {
    const res = await call('/v1/openapi.json');
    expect(res.status).toBe(200);
    const doc = (await res.json()) as {
      paths: Record<string, Record<string, unknown>>;
      components: {
        schemas: Record<string, { properties: Record<string, { minimum: number; maximum: number }> }>;
      };
    };
    expect(Object.keys(doc.paths['/v1/calendar/settings'] ?? {})).toEqual(
      expect.arrayContaining(['get', 'put']),
    );
    for (const path of [
      '/v1/calendar/oauth/start',
      '/v1/calendar/connections',
      '/v1/calendar/connections/{id}',
      '/v1/calendar/connections/{id}/sync',
      '/v1/calendar/google-credentials',
      '/functions/v1/calendar-token-backfill',
      '/v1/calendar/token-backfill',
      '/v1/calendar/token-backfill/status',
    ]) {
      expect(doc.paths[path], path).toBeDefined();
    }
    // Served, but not client operations (see docs/decisions.md "OpenAPI document").
    for (const path of ['/functions/v1/calendar-oauth-callback', '/healthz'])
      expect(doc.paths[path], path).toBeUndefined();
    const settings = doc.components.schemas.ModuleSettings;
    expect(settings?.properties.calendar_pre_meeting_notification_minutes).toMatchObject({
      minimum: 5,
      maximum: 1440,
    });
  });

  it('answers unknown routes with the JSON error envelope', async () => {
    const res = await call('/v1/nope', { token: await userToken() });
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('not_found');
  });

  it('serves the admin page with CSP that forbids inline script and framing', async () => {
    const res = await call('/admin');
    expect(res.status).toBe(200);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
  });
});
