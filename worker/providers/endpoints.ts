/**
 * Provider endpoints and OAuth clients from configuration (SPEC §7: base URLs are configuration, so
 * the same code talks to the emulator or the real services). The only module that names providers'
 * hosts and scopes.
 */
import type * as oauth from 'oauth4webapi';
import type { Env } from '../env.ts';

export type Provider = 'google' | 'microsoft';

export const GOOGLE_SCOPES = [
  'https://www.googleapis.com/auth/calendar',
  'https://www.googleapis.com/auth/userinfo.email',
];
export const MICROSOFT_SCOPES = ['offline_access', 'Calendars.ReadWrite', 'User.Read'];

export interface ProviderEndpoints {
  authorizationServer: oauth.AuthorizationServer;
  userinfoUrl: string;
  revocationUrl?: string;
  apiBaseUrl: string;
  scopes: string[];
}

const trim = (url: string) => url.replace(/\/+$/, '');

export function endpointsFor(env: Env, provider: Provider): ProviderEndpoints {
  if (provider === 'google') {
    const accounts = trim(env.GOOGLE_ACCOUNTS_BASE_URL ?? 'https://accounts.google.com');
    const oauthBase = trim(env.GOOGLE_OAUTH_BASE_URL ?? 'https://oauth2.googleapis.com');
    const api = trim(env.GOOGLE_API_BASE_URL ?? 'https://www.googleapis.com');
    return {
      authorizationServer: {
        issuer: 'https://accounts.google.com',
        authorization_endpoint: `${accounts}/o/oauth2/v2/auth`,
        token_endpoint: `${oauthBase}/token`,
        revocation_endpoint: `${oauthBase}/revoke`,
      },
      userinfoUrl: `${api}/oauth2/v3/userinfo`,
      revocationUrl: `${oauthBase}/revoke`,
      apiBaseUrl: `${api}/calendar/v3`,
      scopes: GOOGLE_SCOPES,
    };
  }
  const login = trim(env.MICROSOFT_LOGIN_BASE_URL ?? 'https://login.microsoftonline.com');
  const graph = trim(env.MICROSOFT_GRAPH_BASE_URL ?? 'https://graph.microsoft.com');
  return {
    authorizationServer: {
      issuer: 'https://login.microsoftonline.com/common/v2.0',
      authorization_endpoint: `${login}/common/oauth2/v2.0/authorize`,
      token_endpoint: `${login}/common/oauth2/v2.0/token`,
    },
    userinfoUrl: `${graph}/v1.0/me`,
    apiBaseUrl: `${graph}/v1.0`,
    scopes: MICROSOFT_SCOPES,
  };
}

export interface OAuthClientCredentials {
  clientId: string;
  clientSecret: string;
}

export function platformClient(env: Env, provider: Provider): OAuthClientCredentials | undefined {
  const clientId = provider === 'google' ? env.GOOGLE_CALENDAR_CLIENT_ID : env.MICROSOFT_CALENDAR_CLIENT_ID;
  const clientSecret =
    provider === 'google' ? env.GOOGLE_CALENDAR_CLIENT_SECRET : env.MICROSOFT_CALENDAR_CLIENT_SECRET;
  return clientId && clientSecret ? { clientId, clientSecret } : undefined;
}
