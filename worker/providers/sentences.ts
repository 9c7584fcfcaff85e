/**
 * The sentences a caller reads for a provider error, by code, in one table (issue 21 §3). Two columns,
 * because the same code is told differently when a whole request failed (`request`: the HTTP error body
 * from worker/error-mapping.ts, the meeting desk's outcome) and when one calendar of a live free/busy
 * answer failed while the others answered (`calendar`: worker/services/freebusy.ts). The wording is
 * kept as it was; aligning the two columns is a wording decision, made here in one place. Provider
 * messages are never echoed: they may name the mailbox.
 */
import type { ProviderErrorCode } from './errors.ts';

export type SentenceContext = 'request' | 'calendar';

const FALLBACK: Record<SentenceContext, string> = {
  request: 'The calendar provider request failed',
  calendar: 'The provider could not answer for this calendar',
};

const SENTENCES: Partial<Record<ProviderErrorCode, Partial<Record<SentenceContext, string>>>> = {
  invalid_grant: {
    request: 'The calendar connection needs to be reconnected',
    calendar: 'The calendar needs to be reconnected',
  },
  unauthorized: { calendar: 'The calendar needs to be reconnected' },
  rate_limited: {
    request: 'The calendar provider is rate limiting; retry later',
    calendar: 'The provider is rate limiting this calendar; try again shortly',
  },
  quota_exceeded: {
    request: "The calendar provider's daily quota is used up; retry later",
    calendar: 'The provider is rate limiting this calendar; try again shortly',
  },
  temporary: { calendar: 'The provider is temporarily unavailable' },
  not_configured: { request: 'This calendar provider is not configured on this server' },
  not_found: { request: 'Not found at the calendar provider' },
};

/** The caller-safe sentence for a provider error code in the given context. */
export function providerSentence(code: ProviderErrorCode, context: SentenceContext): string {
  return SENTENCES[code]?.[context] ?? FALLBACK[context];
}
