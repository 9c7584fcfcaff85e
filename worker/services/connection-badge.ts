import type { ProviderErrorCode } from '../providers/errors.ts';

/**
 * The badge of a connection card: a pure projection of the user-facing sync state (SPEC "Syncing /
 * Paused / Error / Reconnect"), plus "Waiting for first sync" while no sync run has ended yet, so a
 * new card never claims to be syncing when nothing has run.
 */
export type ConnectionBadge = 'syncing' | 'waiting' | 'paused' | 'error' | 'reconnect';

export interface BadgeInput {
  syncStatus: 'syncing' | 'paused' | 'error' | 'reconnect_required';
  syncEnabled: boolean;
  lastSyncAt: Date | null;
}

export function connectionBadge({ syncStatus, syncEnabled, lastSyncAt }: BadgeInput): ConnectionBadge {
  // What needs the user wins over everything else, even when auto-sync is off.
  if (syncStatus === 'reconnect_required') return 'reconnect';
  if (syncStatus === 'error') return 'error';
  if (!syncEnabled) return 'paused';
  return lastSyncAt === null ? 'waiting' : 'syncing';
}

/** Every code a sync run or a token refresh can leave on a card (`last_error_code`). */
export type SyncErrorCode = ProviderErrorCode | 'missing_refresh_token' | 'not_attached';

/**
 * The card's sentence per code: what happened and what the person should do (never provider text).
 * Exhaustive by type, so a new code cannot reach a card without its own sentence.
 */
const SYNC_ERROR_SENTENCES: Record<SyncErrorCode, string> = {
  rate_limited: 'The calendar provider asked us to slow down; the sync retries automatically.',
  quota_exceeded: "The provider's daily quota is spent; the sync resumes when the quota resets.",
  temporary: 'The calendar provider is unavailable right now; the sync retries automatically.',
  unauthorized:
    'The provider refused the access token; the sync retries with a fresh one. If this stays, reconnect the calendar.',
  invalid_grant: 'Access to the calendar was revoked or expired. Reconnect the calendar.',
  missing_refresh_token: 'No refresh token is stored for this calendar. Reconnect the calendar.',
  insufficient_scope: 'The calendar permission is missing. Reconnect and grant calendar access.',
  invalid_client:
    "The provider refused the organization's OAuth client (its secret may have changed). An admin must update the Google OAuth client; then reconnect the calendar.",
  not_configured:
    'This calendar provider is not configured on the server. Ask an admin to configure it; the sync resumes after that.',
  not_found:
    'The calendar was not found at the provider (deleted, or access removed). Reconnect the calendar.',
  conflict: 'The provider reported a conflicting change; the next sync reads the calendar again.',
  cursor_expired: 'The provider asked for a full resync; it runs automatically.',
  not_attached:
    'The sync of this calendar lost its setup. Turn auto-sync off and on again, or reconnect the calendar.',
  unknown:
    'The last sync failed for a reason CE does not recognise; it retries automatically. If this stays for more than an hour, reconnect the calendar, and if that does not help, contact support with the time shown.',
};

const isSyncErrorCode = (code: string): code is SyncErrorCode => Object.hasOwn(SYNC_ERROR_SENTENCES, code);

/** A sentence a person can act on for a stored sync error code (an unlisted one reads as `unknown`). */
export function syncErrorMessage(code: string): string {
  return SYNC_ERROR_SENTENCES[isSyncErrorCode(code) ? code : 'unknown'];
}
