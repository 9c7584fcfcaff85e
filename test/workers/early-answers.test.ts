/**
 * Early answers leave no request body behind (issue 20 §1), and a method a path does not have is a
 * 405 with `Allow` (issue 20 §6). The worker's own fetch handler answers each request in this
 * isolate; `bodyUsed` then says whether the body the worker was handed was read or cancelled (both
 * disturb the stream) before the answer left. Without `settleRequestBody` the 401, 403, 404, 405,
 * 413, 415 and webhook answers leave it untouched.
 */

import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import worker from '../../worker/index.ts';
import { adminToken, userToken } from './helpers.ts';

const BASE = 'https://ce-calendar.test';

async function send(
  method: string,
  path: string,
  headers: Record<string, string>,
  body: string = '{"provider":"google"}',
) {
  // A client's Content-Length, as curl sends it (a Request built here has none, which would make
  // the body limit read every body as if it were chunked).
  const length = { 'content-length': String(new TextEncoder().encode(body).byteLength) };
  const request = new Request(`${BASE}${path}`, { method, headers: { ...length, ...headers }, body });
  const ctx = createExecutionContext();
  const response = await worker.fetch(request, env, ctx);
  // Read to its end or cancelled (both disturb the stream) by the time the answer leaves the
  // worker: nothing may be left for later, nor for the background.
  const settled = request.bodyUsed;
  await response.arrayBuffer();
  await waitOnExecutionContext(ctx);
  return { status: response.status, headers: response.headers, settled };
}

const json = { 'content-type': 'application/json' };

describe('every early answer settles the request body before it leaves', () => {
  it('401 without a token, twice in a row (the two unauthenticated POSTs of the report)', async () => {
    for (let i = 0; i < 2; i++) {
      const { status, settled } = await send('POST', '/v1/calendar/oauth/start', json);
      expect(status).toBe(401);
      expect(settled).toBe(true);
    }
  });

  it('403 for a member on an org_admin operation with a body', async () => {
    const token = await userToken();
    const { status, settled } = await send(
      'POST',
      '/v1/calendar/token-backfill',
      { ...json, authorization: `Bearer ${token}` },
      '{}',
    );
    expect(status).toBe(403);
    expect(settled).toBe(true);
  });

  it('415 for a body that is not JSON (and for one without a content type: the tee the gate peeks through)', async () => {
    const token = await adminToken();
    const typed = await send('PUT', '/v1/calendar/settings', {
      'content-type': 'text/plain',
      authorization: `Bearer ${token}`,
    });
    expect(typed.status).toBe(415);
    expect(typed.settled).toBe(true);
    const untyped = await send('PUT', '/v1/calendar/settings', { authorization: `Bearer ${token}` });
    expect(untyped.status).toBe(415);
    expect(untyped.settled).toBe(true);
  });

  it('413 for an honest Content-Length over 1 MiB, also on the unauthenticated webhook routes', async () => {
    for (const path of [
      '/v1/calendar/settings',
      '/v1/calendar/webhooks/microsoft',
      '/v1/calendar/webhooks/google',
    ]) {
      const { status, settled } = await send(
        'POST',
        path,
        { ...json, 'content-length': String(2 * 1024 * 1024) },
        '{}',
      );
      expect(status, path).toBe(413);
      expect(settled, path).toBe(true);
    }
  });

  it('a validation 400 and the webhook answers (204 for Google, a 400 for a malformed push, the Graph handshake)', async () => {
    const token = await adminToken();
    const invalid = await send(
      'PUT',
      '/v1/calendar/settings',
      { ...json, authorization: `Bearer ${token}` },
      '{"calendar_sync_poll_interval_minutes":"often"}',
    );
    expect(invalid.status).toBe(400);
    expect(invalid.settled).toBe(true);
    const google = await send('POST', '/v1/calendar/webhooks/google', {
      'x-goog-channel-id': `${crypto.randomUUID()}.nonce`,
      'x-goog-resource-state': 'exists',
      'x-goog-channel-token': 'forged',
      'x-goog-message-number': '7',
    });
    expect(google.status).toBe(204);
    expect(google.settled).toBe(true);
    const malformed = await send('POST', '/v1/calendar/webhooks/google', {});
    expect(malformed.status).toBe(400);
    expect(malformed.settled).toBe(true);
    const handshake = await send('POST', '/v1/calendar/webhooks/microsoft?validationToken=abc', {
      'content-type': 'text/plain',
    });
    expect(handshake.status).toBe(200);
    expect(handshake.settled).toBe(true);
  });

  it('404 for an unknown path, 405 for a method the path lacks, 403 for a refused preflight', async () => {
    const token = await adminToken();
    const missing = await send('POST', '/nowhere', json);
    expect(missing.status).toBe(404);
    expect(missing.settled).toBe(true);
    const wrongMethod = await send('DELETE', '/v1/calendar/settings', {
      ...json,
      authorization: `Bearer ${token}`,
    });
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.settled).toBe(true);
    const preflight = await send('OPTIONS', '/v1/calendar/settings', {
      origin: 'https://evil.example',
      'access-control-request-method': 'PUT',
    });
    expect(preflight.status).toBe(403);
    expect(preflight.settled).toBe(true);
  });

  it('a body the route reads is read to its end, and the request succeeds', async () => {
    const token = await adminToken();
    const reply = await send(
      'PUT',
      '/v1/calendar/settings',
      { ...json, authorization: `Bearer ${token}` },
      JSON.stringify({
        calendar_default_meeting_duration_minutes: 30,
        calendar_sync_poll_interval_minutes: 15,
        calendar_pre_meeting_notification_minutes: 10,
      }),
    );
    expect(reply.status).toBe(200);
    expect(reply.settled).toBe(true);
  });
});

describe('a client that stops sending', () => {
  it('gets its 401 once it has been quiet for a moment: the rest is cancelled, not waited for', async () => {
    let cancelled = false;
    let sent = false;
    const stalled = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent) return new Promise<void>(() => undefined); // promises more, never sends it
        sent = true;
        controller.enqueue(new TextEncoder().encode('{"provider":'));
        return undefined;
      },
      cancel() {
        cancelled = true;
      },
    });
    const request = new Request(`${BASE}/v1/calendar/oauth/start`, {
      method: 'POST',
      headers: { ...json, 'content-length': '1000' },
      body: stalled,
    });
    const response = await worker.fetch(request, env, createExecutionContext());
    expect(response.status).toBe(401);
    expect(cancelled).toBe(true);
    await response.arrayBuffer();
  });
});

describe('a method a path does not have: 405 with Allow, before authentication', () => {
  it('answers 405 naming the allowed methods, with or without a token', async () => {
    for (const headers of [{}, { authorization: `Bearer ${await adminToken()}` }] as Record<
      string,
      string
    >[]) {
      const res = await send('DELETE', '/v1/calendar/settings', headers, '');
      expect(res.status).toBe(405);
      expect(res.headers.get('allow')).toBe('GET, HEAD, PUT');
    }
    const post = await worker.fetch(
      new Request(`${BASE}/v1/calendar/oauth/start`),
      env,
      createExecutionContext(),
    );
    await post.arrayBuffer();
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('POST');
  });

  it('matches parameterised paths, keeps unknown paths a 401/404, and the error is the JSON envelope', async () => {
    const id = crypto.randomUUID();
    const res = await worker.fetch(
      new Request(`${BASE}/v1/calendar/connections/${id}/sync`, { method: 'GET' }),
      env,
      createExecutionContext(),
    );
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toContain('POST');
    const body = (await res.json()) as { error: { code: string } };
    expect(body.error.code).toBe('method_not_allowed');
    const unknown = await worker.fetch(
      new Request(`${BASE}/v1/calendar/nothing-here`),
      env,
      createExecutionContext(),
    );
    expect(unknown.status).toBe(401);
    await unknown.arrayBuffer();
    const page = await worker.fetch(
      new Request(`${BASE}/admin`, { method: 'POST' }),
      env,
      createExecutionContext(),
    );
    expect(page.status).toBe(405);
    expect(page.headers.get('allow')).toBe('GET, HEAD');
    await page.arrayBuffer();
  });
});
