/**
 * Google adapter: accounts.google.com (authorize), oauth2.googleapis.com (token, revoke),
 * www.googleapis.com (Calendar v3, userinfo). Base URLs are configuration (SPEC §7), so the same code
 * talks to the emulator or to Google.
 */
import { z } from 'zod';
import { bearerGet, probe, trimUrl } from '../http.ts';
import { readProviderJson } from '../json-read.ts';
import type { CalendarProvider, ProviderConfig } from '../types.ts';
import { listGoogleChanges } from './changes.ts';
import { googleError } from './errors.ts';
import { googleFreeBusy } from './freebusy.ts';
import { googleMeetings } from './meetings.ts';
import { googlePush } from './push.ts';
import { googleSeriesExpansion } from './recurrence.ts';

/** The userinfo answer: the one field we read. */
const UserInfo = z.looseObject({ email: z.string().min(1) });

export const GOOGLE_SCOPES = [
  'https://www.googleapis.com/auth/calendar',
  'https://www.googleapis.com/auth/userinfo.email',
];

export function googleProvider(config: ProviderConfig): CalendarProvider {
  const accounts = trimUrl(config.GOOGLE_ACCOUNTS_BASE_URL ?? 'https://accounts.google.com');
  const oauthBase = trimUrl(config.GOOGLE_OAUTH_BASE_URL ?? 'https://oauth2.googleapis.com');
  const api = trimUrl(config.GOOGLE_API_BASE_URL ?? 'https://www.googleapis.com');
  const calendarApi = `${api}/calendar/v3`;
  return {
    name: 'google',
    supportsOrganizationClient: true,
    seriesExpansion: googleSeriesExpansion,
    endpoints: {
      authorizationServer: {
        issuer: 'https://accounts.google.com',
        authorization_endpoint: `${accounts}/o/oauth2/v2/auth`,
        token_endpoint: `${oauthBase}/token`,
        revocation_endpoint: `${oauthBase}/revoke`,
      },
      revocationUrl: `${oauthBase}/revoke`,
      scopes: GOOGLE_SCOPES,
    },
    platformClient() {
      const clientId = config.GOOGLE_CALENDAR_CLIENT_ID;
      const clientSecret = config.GOOGLE_CALENDAR_CLIENT_SECRET;
      return clientId && clientSecret ? { clientId, clientSecret } : undefined;
    },
    // Offline access + consent: Google only returns a refresh token at consent.
    authorizationParameters: () => ({
      access_type: 'offline',
      prompt: 'consent',
      include_granted_scopes: 'true',
    }),
    async accountEmail(accessToken) {
      const response = await bearerGet(`${api}/oauth2/v3/userinfo`, accessToken);
      if (!response.ok) throw await googleError(response);
      const { email } = await readProviderJson(response, UserInfo, 'userinfo');
      return email.toLowerCase();
    },
    probeAccess: (accessToken) =>
      probe(`${calendarApi}/users/me/calendarList?maxResults=1`, accessToken, googleError),
    toProviderError: googleError,
    freeBusy: googleFreeBusy(calendarApi),
    listChanges: (accessToken, request) => listGoogleChanges(calendarApi, accessToken, request),
    ...googlePush(calendarApi),
    ...googleMeetings(calendarApi),
  };
}
