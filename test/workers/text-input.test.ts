/**
 * Control characters in text inputs are a 400 naming the field, never a 500 and never a partial
 * write; and a failing query's text and parameters never reach a log line (the log-scan setup also
 * scans every line this file writes).
 */
import { sql } from 'drizzle-orm';
import { describe, expect, it, vi } from 'vitest';
import { toAppError } from '../../worker/error-mapping.ts';
import { describeError, log } from '../../worker/log.ts';
import { adminToken, call, ownerQuery } from './helpers.ts';

type ErrorBody = { error: { code: string; message: string; details?: { fields: { field: string }[] } } };

describe('control characters in JSON bodies', () => {
  it('a NUL byte in the Google client id is a 400 naming the field and writes nothing', async () => {
    // An organization of its own: other files may configure ORG_A's client in the shared database.
    const org = crypto.randomUUID();
    const token = await adminToken(org);
    const res = await call('/v1/calendar/google-credentials', {
      method: 'PUT',
      token,
      json: { oauth_client_id: 'abc\u0000def', oauth_client_secret: 'secret-value' },
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as ErrorBody;
    expect(body.error.code).toBe('validation_failed');
    expect(body.error.details?.fields[0]?.field).toBe('oauth_client_id');
    const status = await call('/v1/calendar/google-credentials', { token });
    expect(((await status.json()) as { configured: boolean }).configured).toBe(false);
    const rows = await ownerQuery(sql`select id from pf_gws_connections where organization_id = ${org}`);
    expect(rows).toHaveLength(0);
  });

  it('names nested fields and allows tabs and newlines', async () => {
    const token = await adminToken();
    for (const [json, field] of [
      [{ provider: 'google', return_to: '/admin\u0001' }, 'return_to'],
      [{ provider: 'google\u001b[31m' }, 'provider'],
      [{ provider: 'google', nested: [{ a: 'x' }, { b: 'y\u007f' }] }, 'nested[1].b'],
      [{ ['k\u0000']: 1 }, 'body'],
    ] as const) {
      const res = await call('/v1/calendar/oauth/start', { method: 'POST', token, json });
      expect(res.status, field).toBe(400);
      expect(((await res.json()) as ErrorBody).error.details?.fields[0]?.field).toBe(field);
    }
    const multiline = await call('/v1/calendar/oauth/start', {
      method: 'POST',
      token,
      json: { provider: 'google', return_to: '/admin' },
    });
    expect(multiline.status).toBe(200);
  });
});

describe('control characters in query parameters', () => {
  it('a NUL in a search parameter is a 400 naming it, not a database error', async () => {
    const res = await call('/v1/calendar/connections?q=ab%00cd', { token: await adminToken() });
    expect(res.status).toBe(400);
    expect(((await res.json()) as ErrorBody).error.details?.fields[0]?.field).toBe('q');
  });
});

describe('media types', () => {
  it('a body that is not JSON is a 415 with its own code', async () => {
    const res = await call('/v1/calendar/google-credentials', {
      method: 'PUT',
      token: await adminToken(),
      headers: { 'content-type': 'text/plain' },
      body: 'oauth_client_id=x',
    });
    expect(res.status).toBe(415);
    expect(((await res.json()) as ErrorBody).error.code).toBe('unsupported_media_type');
  });
});

describe('the log sink and failing queries', () => {
  it('logs class and SQLSTATE of a failing query, never its text or parameters', async () => {
    const email = 'attendee.private@client.example';
    const accessToken = 'ya29.a0AfH6SMBleakedtokenvalue0123456789';
    let failure: unknown;
    try {
      await ownerQuery(sql`select ${email}::int as a, ${accessToken}::text as b`);
    } catch (error) {
      failure = error;
    }
    expect(failure).toBeInstanceOf(Error);
    // The raw error does carry the parameters: this is what the sink must keep out of logs.
    expect(String((failure as Error).message)).toContain('params');

    const lines: string[] = [];
    const spy = vi.spyOn(console, 'error').mockImplementation((line: unknown) => {
      lines.push(String(line));
    });
    try {
      log('error', 'request failed', { correlationId: 'corr-log-sink-test', ...describeError(failure) });
    } finally {
      spy.mockRestore();
    }
    expect(lines).toHaveLength(1);
    const line = JSON.parse(lines[0] ?? '{}') as Record<string, unknown>;
    expect(line.sqlstate).toBe('22P02');
    expect(line.correlationId).toBe('corr-log-sink-test');
    for (const leak of [email, accessToken, 'params', 'select']) expect(lines[0]).not.toContain(leak);
    // Written once more through the real console so the file's log scan sees it too.
    log('error', 'request failed', { correlationId: 'corr-log-sink-test', ...describeError(failure) });
    expect(toAppError(failure, 'corr').status).toBe(400);
  });

  it('the sink itself drops query text and masks token shapes whatever field carries them', () => {
    const lines: string[] = [];
    const spy = vi.spyOn(console, 'warn').mockImplementation((line: unknown) => {
      lines.push(String(line));
    });
    try {
      log('warn', 'careless call site', {
        correlationId: 'corr-careless',
        detail: 'Failed query: select * from x where a = $1\nparams: someone@client.example',
        note: 'refresh with ya29.a0AfH6SMBcarelessvalue0123 then 1//0gcarelessRefresh0123456',
        nested: { text: 'session eyJhbGciOiJIUzI1NiIs.eyJzdWIiOiJ4In0.c2lnbmF0dXJl' },
      });
    } finally {
      spy.mockRestore();
    }
    const line = lines[0] ?? '';
    for (const leak of ['Failed query', 'params:', 'someone@', 'ya29.', '1//0g', 'eyJhbGci'])
      expect(line).not.toContain(leak);
    expect(JSON.parse(line)).toMatchObject({
      detail: '[query text removed]',
      correlationId: 'corr-careless',
    });
  });

  it('a NUL reaching the database anyway maps to 400, not 500', async () => {
    let failure: unknown;
    try {
      await ownerQuery(sql`select ${'abc\u0000def'}::text as a`);
    } catch (error) {
      failure = error;
    }
    expect(failure).toBeInstanceOf(Error);
    expect(toAppError(failure, 'corr').status).toBe(400);
  });
});
