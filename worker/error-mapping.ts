/**
 * The one place lower layers' errors become HTTP errors: AppError as is, Hono's own 4xx, provider
 * and vault errors, caller-caused Postgres errors; anything else is a generic 500 (detail is logged,
 * never sent).
 */
import { HTTPException } from 'hono/http-exception';
import { AppError, fromDatabaseError } from './errors.ts';
import { ProviderError } from './providers/errors.ts';
import { providerSentence } from './providers/sentences.ts';
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
        return new AppError('conflict', providerSentence('invalid_grant', 'request'), {
          reason: 'reconnect_required',
        });
      case 'rate_limited':
        return new AppError('rate_limited', providerSentence('rate_limited', 'request'));
      case 'quota_exceeded':
        return new AppError('rate_limited', providerSentence('quota_exceeded', 'request'));
      case 'not_configured':
        // Our configuration (e.g. the platform OAuth client) is missing: not the provider's fault.
        return new AppError('unavailable', providerSentence('not_configured', 'request'));
      case 'not_found':
        return new AppError('not_found', providerSentence('not_found', 'request'));
      default:
        return new AppError('provider_failed', providerSentence(error.code, 'request'));
    }
  }
  if (error instanceof VaultError)
    return new AppError('unavailable', 'The credential vault is not available');
  return (
    fromDatabaseError(error) ?? new AppError('internal', 'Internal error', { correlation_id: correlationId })
  );
}
