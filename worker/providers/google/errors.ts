/**
 * Google Calendar v3 / userinfo error bodies: `{"error":{"errors":[{"reason",…}],"code","message"}}`
 * (reference/providers.md §6). The reason decides between a short back-off (rate limits, 403 or 429),
 * a daily quota (hours) and a real permission problem, which all arrive as 403.
 */
import { errorBody, errorFromStatus, ProviderError, parseRetryAfter } from '../errors.ts';

const RATE_LIMIT = new Set(['rateLimitExceeded', 'userRateLimitExceeded']);
const QUOTA = new Set(['quotaExceeded', 'dailyLimitExceeded']);
const CURSOR = new Set(['fullSyncRequired', 'updatedMinTooLongAgo']);

function reasonOf(body: unknown): string {
  const error = (body as { error?: { errors?: Array<{ reason?: unknown }> } } | undefined)?.error;
  const reason = error?.errors?.[0]?.reason;
  return typeof reason === 'string' ? reason : '';
}

export async function googleError(response: Response): Promise<ProviderError> {
  const status = response.status;
  const retryAfter = parseRetryAfter(response.headers.get('retry-after'));
  const reason = reasonOf(await errorBody(response));
  if (RATE_LIMIT.has(reason))
    return new ProviderError('rate_limited', `rate limited (${reason})`, status, retryAfter);
  if (QUOTA.has(reason))
    return new ProviderError('quota_exceeded', `daily quota exceeded (${reason})`, status, retryAfter);
  if (status === 410 && reason === 'deleted') return new ProviderError('not_found', 'deleted', status);
  if (CURSOR.has(reason))
    return new ProviderError('cursor_expired', `sync cursor expired (${reason})`, status);
  return errorFromStatus(status, reason, retryAfter);
}
