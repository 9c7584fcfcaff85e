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
