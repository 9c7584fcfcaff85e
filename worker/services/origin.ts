/** The app's public origin: PUBLIC_BASE_URL when configured (behind proxies), else the request's. */
import type { Env } from '../env.ts';

export function appOrigin(env: Env, requestUrl: string): string {
  return new URL(env.PUBLIC_BASE_URL || requestUrl).origin;
}

export const CALLBACK_PATH = '/functions/v1/calendar-oauth-callback';
