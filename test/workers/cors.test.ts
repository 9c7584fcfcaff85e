/**
 * CORS for CE web: exactly the configured origins (CE_WEB_ORIGINS = https://web.ce.test,
 * https://staging-web.ce.test in this suite), never `*`; preflights answered for the methods and
 * headers the API uses. The real-browser check is test/browser/web-access.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { parseAllowedOrigins } from '../../worker/middleware/cors.ts';
import { adminToken, call } from './helpers.ts';

const WEB = 'https://web.ce.test';

function preflight(origin: string, method = 'PUT', headers = 'authorization,content-type,idempotency-key') {
  return call('/v1/calendar/settings', {
    method: 'OPTIONS',
    headers: { origin, 'access-control-request-method': method, 'access-control-request-headers': headers },
  });
}

describe('CORS', () => {
  it('answers a preflight from a listed origin with that origin, the methods and the headers', async () => {
    const res = await preflight(WEB);
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe(WEB);
    const methods = res.headers.get('access-control-allow-methods') ?? '';
    for (const method of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE']) expect(methods).toContain(method);
    const headers = (res.headers.get('access-control-allow-headers') ?? '').toLowerCase();
    for (const header of ['authorization', 'content-type', 'idempotency-key'])
      expect(headers).toContain(header);
    expect(res.headers.get('access-control-allow-credentials')).toBeNull();
    expect((await preflight('https://staging-web.ce.test')).headers.get('access-control-allow-origin')).toBe(
      'https://staging-web.ce.test',
    );
  });

  it('refuses a preflight from any other origin and never answers *', async () => {
    for (const origin of [
      'https://evil.example',
      'https://web.ce.test.evil.example',
      'null',
      'http://web.ce.test',
    ]) {
      const res = await preflight(origin);
      expect(res.status, origin).toBe(403);
      expect(res.headers.get('access-control-allow-origin'), origin).toBeNull();
    }
  });

  it('a listed origin reads responses (success and error) and the correlation id', async () => {
    const ok = await call('/v1/calendar/settings', { token: await adminToken(), headers: { origin: WEB } });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('access-control-allow-origin')).toBe(WEB);
    expect((ok.headers.get('access-control-expose-headers') ?? '').toLowerCase()).toContain(
      'x-correlation-id',
    );
    expect(ok.headers.get('vary')?.toLowerCase()).toContain('origin');
    const unauthorized = await call('/v1/calendar/settings', { headers: { origin: WEB } });
    expect(unauthorized.status).toBe(401);
    expect(unauthorized.headers.get('access-control-allow-origin')).toBe(WEB);
  });

  it('an unlisted origin gets no CORS headers on an actual request', async () => {
    const res = await call('/v1/calendar/settings', {
      token: await adminToken(),
      headers: { origin: 'https://evil.example' },
    });
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('parses only plain http(s) origins from the setting', () => {
    expect([
      ...parseAllowedOrigins(
        ' https://a.example ,*, https://b.example/, ftp://c.example, https://d.example/path, nonsense',
      ),
    ]).toEqual(['https://a.example', 'https://b.example']);
    expect(parseAllowedOrigins(undefined).size).toBe(0);
  });

  it('says Vary: Origin exactly once, on answers, errors and preflights (issue 20 §7)', async () => {
    const answers = [
      await call('/v1/calendar/settings', { token: await adminToken(), headers: { origin: WEB } }),
      await call('/v1/calendar/settings', { headers: { origin: WEB } }),
      await call('/v1/calendar/settings', {
        token: await adminToken(),
        headers: { origin: 'https://evil.example' },
      }),
      await preflight(WEB),
      await preflight('https://evil.example'),
    ];
    for (const res of answers) {
      const vary = (res.headers.get('vary') ?? '').split(',').map((value) => value.trim().toLowerCase());
      expect(
        vary.filter((value) => value === 'origin'),
        `${res.status}: ${res.headers.get('vary')}`,
      ).toHaveLength(1);
    }
  });

  it('gives the refused preflight 403 the same security headers as every other answer', async () => {
    const refused = await preflight('https://evil.example');
    expect(refused.status).toBe(403);
    const allowed = await preflight(WEB);
    for (const header of [
      'content-security-policy',
      'x-content-type-options',
      'x-frame-options',
      'referrer-policy',
      'strict-transport-security',
    ]) {
      expect(refused.headers.get(header), header).toBeTruthy();
      expect(refused.headers.get(header), header).toBe(allowed.headers.get(header));
    }
    expect(refused.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('forbidden');
  });
});
