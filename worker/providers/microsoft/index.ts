/**
 * Microsoft adapter: login.microsoftonline.com (authorize, token; no revocation endpoint for these
 * tokens) and Microsoft Graph v1.0. Base URLs are configuration (SPEC §7).
 */
import { z } from 'zod';
import { ProviderError } from '../errors.ts';
import { bearerGet, probe, trimUrl } from '../http.ts';
import { readProviderJson } from '../json-read.ts';
import type { CalendarProvider, ProviderConfig } from '../types.ts';
import { graphChangeSource } from './changes.ts';
import { microsoftError } from './errors.ts';
import { microsoftFreeBusy } from './freebusy.ts';
import { microsoftMeetings } from './meetings.ts';
import { graphPush } from './push.ts';

/** The /me answer: the mailbox address, else the sign-in name. */
const Me = z.looseObject({
  mail: z.string().nullish(),
  userPrincipalName: z.string().optional(),
});

export const MICROSOFT_SCOPES = ['offline_access', 'Calendars.ReadWrite', 'User.Read'];

export function microsoftProvider(config: ProviderConfig): CalendarProvider {
  const login = trimUrl(config.MICROSOFT_LOGIN_BASE_URL ?? 'https://login.microsoftonline.com');
  const graph = `${trimUrl(config.MICROSOFT_GRAPH_BASE_URL ?? 'https://graph.microsoft.com')}/v1.0`;
  return {
    name: 'microsoft',
    supportsOrganizationClient: false,
    seriesExpansion: { kind: 'listed_occurrences' },
    endpoints: {
      authorizationServer: {
        issuer: 'https://login.microsoftonline.com/common/v2.0',
        authorization_endpoint: `${login}/common/oauth2/v2.0/authorize`,
        token_endpoint: `${login}/common/oauth2/v2.0/token`,
      },
      scopes: MICROSOFT_SCOPES,
    },
    platformClient() {
      const clientId = config.MICROSOFT_CALENDAR_CLIENT_ID;
      const clientSecret = config.MICROSOFT_CALENDAR_CLIENT_SECRET;
      return clientId && clientSecret ? { clientId, clientSecret } : undefined;
    },
    authorizationParameters: () => ({ response_mode: 'query', prompt: 'select_account' }),
    async accountEmail(accessToken) {
      const response = await bearerGet(`${graph}/me`, accessToken);
      if (!response.ok) throw await microsoftError(response);
      const body = await readProviderJson(response, Me, 'me');
      const email = body.mail ?? body.userPrincipalName;
      if (!email) throw new ProviderError('unknown', 'me answered without a valid mail or userPrincipalName');
      return email.toLowerCase();
    },
    probeAccess: (accessToken) => probe(`${graph}/me`, accessToken, microsoftError),
    toProviderError: microsoftError,
    freeBusy: microsoftFreeBusy(graph),
    ...graphChangeSource({ graphBase: graph }),
    ...graphPush(graph),
    ...microsoftMeetings(graph),
  };
}
