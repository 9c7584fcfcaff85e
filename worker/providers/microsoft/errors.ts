/**
 * Microsoft Graph error bodies: `{"error":{"code","message","innerError":{…}}}` (reference/providers.md
 * §12). Throttling is 429 with a (possibly fractional) Retry-After; an expired delta link is 410.
 */
import { errorBody, errorFromStatus, ProviderError, parseRetryAfter } from '../errors.ts';

const RATE_LIMIT = new Set(['TooManyRequests', 'ApplicationThrottled', 'activityLimitReached']);
const QUOTA = new Set(['ErrorQuotaExceeded', 'quotaLimitReached']);
const CURSOR = new Set(['SyncStateNotFound', 'syncStateNotFound', 'resyncRequired', 'SyncStateInvalid']);
const FORBIDDEN = new Set(['ErrorAccessDenied', 'Authorization_RequestDenied', 'accessDenied']);

function codeOf(body: unknown): string {
  const code = (body as { error?: { code?: unknown } } | undefined)?.error?.code;
  return typeof code === 'string' ? code : '';
}

export async function microsoftError(response: Response): Promise<ProviderError> {
  const status = response.status;
  const retryAfter = parseRetryAfter(response.headers.get('retry-after'));
  const code = codeOf(await errorBody(response));
  if (RATE_LIMIT.has(code))
    return new ProviderError('rate_limited', `rate limited (${code})`, status, retryAfter);
  if (QUOTA.has(code))
    return new ProviderError('quota_exceeded', `quota exceeded (${code})`, status, retryAfter);
  if (CURSOR.has(code)) return new ProviderError('cursor_expired', `sync cursor expired (${code})`, status);
  if (FORBIDDEN.has(code)) return new ProviderError('insufficient_scope', `forbidden (${code})`, status);
  return errorFromStatus(status, code, retryAfter);
}
