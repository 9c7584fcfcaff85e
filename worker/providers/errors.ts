/**
 * The provider layer's one error type. Adapters turn HTTP answers into these codes once; callers
 * (the Durable Object, routes) switch on the code and never parse provider bodies themselves.
 */
export type ProviderErrorCode =
  | 'invalid_grant'
  | 'invalid_client'
  | 'insufficient_scope'
  | 'rate_limited'
  | 'temporary'
  | 'cursor_expired'
  | 'not_found'
  | 'conflict'
  | 'unknown';

export class ProviderError extends Error {
  override readonly name = 'ProviderError';
  constructor(
    readonly code: ProviderErrorCode,
    message: string,
    readonly status?: number,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

/** Retry-After as seconds: integer or fractional seconds (Graph), or an HTTP date. */
export function parseRetryAfter(value: string | null): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds);
  const date = Date.parse(value);
  return Number.isFinite(date) ? Math.max(0, (date - Date.now()) / 1000) : undefined;
}

/** Classifies a non-2xx provider API response (Calendar v3 or Graph). */
export async function errorFromResponse(response: Response): Promise<ProviderError> {
  const retryAfter = parseRetryAfter(response.headers.get('retry-after'));
  const text = await response.text().catch(() => '');
  const reason =
    text.match(/"reason"\s*:\s*"([^"]+)"/)?.[1] ?? text.match(/"code"\s*:\s*"([^"]+)"/)?.[1] ?? '';
  const status = response.status;
  if (status === 410 || /fullSyncRequired|SyncStateNotFound|syncStateNotFound|resyncRequired/.test(reason)) {
    return new ProviderError('cursor_expired', `sync cursor expired (${reason || status})`, status);
  }
  if (
    status === 429 ||
    /rateLimitExceeded|userRateLimitExceeded|quotaExceeded|TooManyRequests|ApplicationThrottled/.test(reason)
  ) {
    return new ProviderError('rate_limited', `rate limited (${reason || status})`, status, retryAfter);
  }
  if (status >= 500)
    return new ProviderError('temporary', `provider unavailable (${status})`, status, retryAfter);
  if (status === 401) return new ProviderError('invalid_grant', 'access token rejected', status);
  if (status === 403)
    return new ProviderError('insufficient_scope', `forbidden (${reason || status})`, status);
  if (status === 404) return new ProviderError('not_found', 'not found', status);
  if (status === 409 || status === 412)
    return new ProviderError('conflict', `conflict (${reason || status})`, status);
  return new ProviderError('unknown', `unexpected provider response ${status}`, status);
}
