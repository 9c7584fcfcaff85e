/**
 * How events created by CE are marked on Google, so inbound sync updates the existing row (keeping
 * `sync_direction = outbound` and `activity_id`) instead of adding a duplicate: a private extended
 * property. The tag value is opaque to Google; CE picks it per event.
 */

export const GOOGLE_APP_TAG_PROPERTY = 'ceCalendarTag';

export function tagFromGoogle(privateProperties: Record<string, string | null> | undefined): string | null {
  const value = privateProperties?.[GOOGLE_APP_TAG_PROPERTY];
  return typeof value === 'string' && value !== '' ? value : null;
}
