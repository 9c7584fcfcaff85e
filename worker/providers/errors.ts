/**
 * The provider layer's one error type. Each adapter turns its provider's HTTP answers into these
 * codes once (`toProviderError`); callers (the Durable Object, services) switch on the code and never
 * parse provider bodies themselves.
 *
 * - `unauthorized`: an API rejected the access token (401). Refresh once and retry; not a reason to
 *   ask the user to reconnect.
 * - `invalid_grant`: only the token endpoint says this: the grant is revoked or expired → reconnect.
 * - `rate_limited`: back off briefly (Retry-After when given).
 * - `quota_exceeded`: a daily quota is spent; retry in hours, not seconds.
 * - `insufficient_scope`: the grant lacks a permission (403 forbidden).
 * - `not_configured`: our configuration is missing (e.g. the platform OAuth client) → 503.
 */
export type ProviderErrorCode =
  | 'unauthorized'
  | 'invalid_grant'
  | 'invalid_client'
  | 'insufficient_scope'
  | 'rate_limited'
  | 'quota_exceeded'
  | 'temporary'
  | 'cursor_expired'
  | 'not_found'
  | 'conflict'
  | 'not_configured'
  | 'unknown';

/**
 * Codes worth retrying: the same call may succeed later (a forced token refresh, a back-off, the
 * provider coming back). The sync run backs off on these (durable-objects/sync/transitions.ts) and the
 * meeting outbox keeps the write queued (durable-objects/meetings/outbox.ts); everything else waits for
 * the user or the next poll.
 */
export const RETRYABLE_CODES = [
  'temporary',
  'rate_limited',
  'quota_exceeded',
  'unauthorized',
  'unknown',
] as const satisfies readonly ProviderErrorCode[];

const RETRYABLE_SET: ReadonlySet<string> = new Set(RETRYABLE_CODES);

/** Whether an error code (a provider's, or a token failure's such as `not_attached`) is retryable. */
export function isRetryableCode(code: string): boolean {
  return RETRYABLE_SET.has(code);
}

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

/** The response body as JSON, or undefined (error bodies are small; a non-JSON body is no reason). */
export async function errorBody(response: Response): Promise<unknown> {
  const text = await response.text().catch(() => '');
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * The statuses both providers use the same way; an adapter calls this after its own reasons.
 * A 401 here is always `unauthorized` (an API call): `invalid_grant` comes only from the token endpoint.
 */
export function errorFromStatus(status: number, reason: string, retryAfter?: number): ProviderError {
  const detail = reason || String(status);
  if (status === 401) return new ProviderError('unauthorized', 'access token rejected', status);
  if (status === 429)
    return new ProviderError('rate_limited', `rate limited (${detail})`, status, retryAfter);
  if (status === 410) return new ProviderError('cursor_expired', `sync cursor expired (${detail})`, status);
  if (status >= 500)
    return new ProviderError('temporary', `provider unavailable (${status})`, status, retryAfter);
  if (status === 403) return new ProviderError('insufficient_scope', `forbidden (${detail})`, status);
  if (status === 404) return new ProviderError('not_found', 'not found', status);
  if (status === 409 || status === 412) return new ProviderError('conflict', `conflict (${detail})`, status);
  return new ProviderError('unknown', `unexpected provider response ${status}`, status);
}
