import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type BadgeInput,
  connectionBadge,
  type SyncErrorCode,
  syncErrorMessage,
} from '../../worker/services/connection-badge.ts';

const input = fc.record<BadgeInput>({
  syncStatus: fc.constantFrom('syncing', 'paused', 'error', 'reconnect_required'),
  syncEnabled: fc.boolean(),
  lastSyncAt: fc.option(fc.date({ noInvalidDate: true }), { nil: null }),
});

describe('connectionBadge', () => {
  it('maps the four SPEC badges and "waiting" for a card that never synced', () => {
    const at = new Date('2026-11-25T10:00:00Z');
    expect(connectionBadge({ syncStatus: 'syncing', syncEnabled: true, lastSyncAt: null })).toBe('waiting');
    expect(connectionBadge({ syncStatus: 'syncing', syncEnabled: true, lastSyncAt: at })).toBe('syncing');
    expect(connectionBadge({ syncStatus: 'paused', syncEnabled: false, lastSyncAt: at })).toBe('paused');
    expect(connectionBadge({ syncStatus: 'error', syncEnabled: true, lastSyncAt: at })).toBe('error');
    expect(connectionBadge({ syncStatus: 'reconnect_required', syncEnabled: false, lastSyncAt: null })).toBe(
      'reconnect',
    );
  });

  it('never says syncing while nothing has run', () => {
    fc.assert(
      fc.property(input, (i) => {
        if (i.lastSyncAt === null) expect(connectionBadge(i)).not.toBe('syncing');
      }),
    );
  });

  it('what needs the user wins; otherwise auto-sync off is paused', () => {
    fc.assert(
      fc.property(input, (i) => {
        const badge = connectionBadge(i);
        if (i.syncStatus === 'reconnect_required') expect(badge).toBe('reconnect');
        else if (i.syncStatus === 'error') expect(badge).toBe('error');
        else if (!i.syncEnabled) expect(badge).toBe('paused');
        else expect(['syncing', 'waiting']).toContain(badge);
      }),
    );
  });
});

describe('syncErrorMessage', () => {
  const codes: SyncErrorCode[] = [
    'unauthorized',
    'invalid_grant',
    'invalid_client',
    'insufficient_scope',
    'rate_limited',
    'quota_exceeded',
    'temporary',
    'cursor_expired',
    'not_found',
    'conflict',
    'not_configured',
    'unknown',
    'missing_refresh_token',
    'not_attached',
  ];

  it('gives every code its own sentence; a code needing a person says which action', () => {
    const sentences = codes.map(syncErrorMessage);
    expect(new Set(sentences).size).toBe(codes.length);
    for (const code of ['invalid_grant', 'missing_refresh_token', 'insufficient_scope', 'not_found'] as const)
      expect(syncErrorMessage(code)).toMatch(/Reconnect/);
    for (const code of ['invalid_client', 'not_configured'] as const)
      expect(syncErrorMessage(code)).toMatch(/admin/);
  });

  it('says what to do for an unclassified failure, and reads an unlisted code as one', () => {
    expect(syncErrorMessage('unknown')).toMatch(
      /retries automatically.*reconnect the calendar.*contact support/s,
    );
    expect(syncErrorMessage('something_new')).toBe(syncErrorMessage('unknown'));
    expect(syncErrorMessage('constructor')).toBe(syncErrorMessage('unknown'));
  });
});
