/** Each adapter's error parser: status + the provider's reason → one ProviderError code. */
import { describe, expect, it } from 'vitest';
import { googleError } from '../../worker/providers/google/errors.ts';
import { microsoftError } from '../../worker/providers/microsoft/errors.ts';

const google = (status: number, reason?: string, headers: Record<string, string> = {}) =>
  googleError(
    new Response(
      JSON.stringify({
        error: {
          code: status,
          message: 'x',
          errors: reason ? [{ domain: 'usageLimits', reason, message: 'x' }] : [],
        },
      }),
      { status, headers },
    ),
  );
const graph = (status: number, code?: string, headers: Record<string, string> = {}) =>
  microsoftError(new Response(JSON.stringify({ error: { code, message: 'x' } }), { status, headers }));

describe('Google errors', () => {
  it('401 is unauthorized (refresh once), never invalid_grant', async () => {
    expect((await google(401, 'authError')).code).toBe('unauthorized');
    // The real 401 shape without errors[] (status UNAUTHENTICATED).
    const bare = await googleError(
      new Response(
        '{"error":{"code":401,"message":"Request had invalid authentication credentials.","status":"UNAUTHENTICATED"}}',
        {
          status: 401,
        },
      ),
    );
    expect(bare.code).toBe('unauthorized');
  });

  it('403 rate limits back off, a daily quota waits, a real 403 is insufficient_scope', async () => {
    expect((await google(403, 'rateLimitExceeded')).code).toBe('rate_limited');
    expect((await google(403, 'userRateLimitExceeded')).code).toBe('rate_limited');
    expect(await google(429, 'rateLimitExceeded', { 'retry-after': '7' })).toMatchObject({
      code: 'rate_limited',
      retryAfterSeconds: 7,
    });
    expect((await google(403, 'quotaExceeded')).code).toBe('quota_exceeded');
    expect((await google(403, 'forbidden')).code).toBe('insufficient_scope');
    expect((await google(403, 'insufficientPermissions')).code).toBe('insufficient_scope');
    expect((await google(403, 'forbiddenForNonOrganizer')).code).toBe('insufficient_scope');
  });

  it('cursor expiry, gone events, not found, conflicts, server errors and non-JSON bodies', async () => {
    expect((await google(410, 'fullSyncRequired')).code).toBe('cursor_expired');
    expect((await google(410, 'updatedMinTooLongAgo')).code).toBe('cursor_expired');
    expect((await google(410, 'deleted')).code).toBe('not_found');
    expect((await google(404, 'notFound')).code).toBe('not_found');
    expect((await google(412, 'conditionNotMet')).code).toBe('conflict');
    expect((await google(503, 'backendError')).code).toBe('temporary');
    expect((await googleError(new Response('<html>oops</html>', { status: 502 }))).code).toBe('temporary');
  });
});

describe('Microsoft Graph errors', () => {
  it('401 InvalidAuthenticationToken is unauthorized, never invalid_grant', async () => {
    expect((await graph(401, 'InvalidAuthenticationToken')).code).toBe('unauthorized');
  });

  it('throttling with a fractional Retry-After, quota, forbidden, expired delta link', async () => {
    expect(await graph(429, 'TooManyRequests', { 'retry-after': '2.128' })).toMatchObject({
      code: 'rate_limited',
      retryAfterSeconds: 2.128,
    });
    expect((await graph(429, 'ApplicationThrottled')).code).toBe('rate_limited');
    expect((await graph(507, 'ErrorQuotaExceeded')).code).toBe('quota_exceeded');
    expect((await graph(403, 'ErrorAccessDenied')).code).toBe('insufficient_scope');
    expect((await graph(403)).code).toBe('insufficient_scope');
    expect((await graph(410, 'SyncStateNotFound')).code).toBe('cursor_expired');
    expect((await graph(400, 'resyncRequired')).code).toBe('cursor_expired');
    expect((await graph(404, 'ErrorItemNotFound')).code).toBe('not_found');
    expect(await graph(503, 'ServiceNotAvailable', { 'retry-after': '3' })).toMatchObject({
      code: 'temporary',
      retryAfterSeconds: 3,
    });
  });
});
