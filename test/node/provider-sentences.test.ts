/**
 * The one sentence table for provider errors (worker/providers/sentences.ts): each code reads as the
 * three sites (error-mapping, live free/busy, the meeting desk) wrote it before they shared the table.
 */
import { describe, expect, it } from 'vitest';
import type { ProviderErrorCode } from '../../worker/providers/errors.ts';
import { providerSentence } from '../../worker/providers/sentences.ts';

const RECONNECT = 'The calendar connection needs to be reconnected';
const REQUEST_FAILED = 'The calendar provider request failed';
const CALENDAR_FAILED = 'The provider could not answer for this calendar';
const CALENDAR_RATE = 'The provider is rate limiting this calendar; try again shortly';

const expected: Record<ProviderErrorCode, { request: string; calendar: string }> = {
  invalid_grant: { request: RECONNECT, calendar: 'The calendar needs to be reconnected' },
  unauthorized: { request: REQUEST_FAILED, calendar: 'The calendar needs to be reconnected' },
  rate_limited: { request: 'The calendar provider is rate limiting; retry later', calendar: CALENDAR_RATE },
  quota_exceeded: {
    request: "The calendar provider's daily quota is used up; retry later",
    calendar: CALENDAR_RATE,
  },
  temporary: { request: REQUEST_FAILED, calendar: 'The provider is temporarily unavailable' },
  not_configured: {
    request: 'This calendar provider is not configured on this server',
    calendar: CALENDAR_FAILED,
  },
  not_found: { request: 'Not found at the calendar provider', calendar: CALENDAR_FAILED },
  invalid_client: { request: REQUEST_FAILED, calendar: CALENDAR_FAILED },
  insufficient_scope: { request: REQUEST_FAILED, calendar: CALENDAR_FAILED },
  cursor_expired: { request: REQUEST_FAILED, calendar: CALENDAR_FAILED },
  conflict: { request: REQUEST_FAILED, calendar: CALENDAR_FAILED },
  unknown: { request: REQUEST_FAILED, calendar: CALENDAR_FAILED },
};

describe('providerSentence', () => {
  it.each(Object.entries(expected))('%s reads as before in both contexts', (code, sentences) => {
    expect(providerSentence(code as ProviderErrorCode, 'request')).toBe(sentences.request);
    expect(providerSentence(code as ProviderErrorCode, 'calendar')).toBe(sentences.calendar);
  });
});
