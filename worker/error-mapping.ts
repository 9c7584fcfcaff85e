/**
 * The one place lower layers' errors become HTTP errors: AppError as is, Hono's own 4xx, provider
 * and vault errors, caller-caused Postgres errors; anything else is a generic 500 (detail is logged,
 * never sent).
 */
import { HTTPException } from 'hono/http-exception';
import { AppError, fromDatabaseError } from './errors.ts';
import { ProviderError } from './providers/errors.ts';
import { VaultError } from './vault/keys.ts';

export function toAppError(error: unknown, correlationId: string): AppError {
  if (error instanceof AppError) return error;
  if (error instanceof HTTPException && error.status < 500) {
    if (error.status === 415)
      return new AppError('unsupported_media_type', 'Send the request body as application/json');
    if (/JSON/i.test(error.message)) return new AppError('invalid_json', 'Request body is not valid JSON');
    return new AppError(
      error.status === 401 ? 'unauthorized' : 'validation_failed',
      error.message || 'Bad request',
    );
  }
  if (error instanceof ProviderError) {
    switch (error.code) {
      case 'invalid_grant':
        return new AppError('conflict', 'The calendar connection needs to be reconnected', {
          reason: 'reconnect_required',
        });
      case 'rate_limited':
        return new AppError('rate_limited', 'The calendar provider is rate limiting; retry later');
      case 'quota_exceeded':
        return new AppError('rate_limited', "The calendar provider's daily quota is used up; retry later");
      case 'not_configured':
        // Our configuration (e.g. the platform OAuth client) is missing: not the provider's fault.
        return new AppError('unavailable', 'This calendar provider is not configured on this server');
      case 'not_found':
        return new AppError('not_found', 'Not found at the calendar provider');
      default:
        return new AppError('provider_failed', 'The calendar provider request failed');
    }
  }
  if (error instanceof VaultError)
    return new AppError('unavailable', 'The credential vault is not available');
  return (
    fromDatabaseError(error) ?? new AppError('internal', 'Internal error', { correlation_id: correlationId })
  );
}
