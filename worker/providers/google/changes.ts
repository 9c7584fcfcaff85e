/**
 * Google `listChanges` (providers.md §2): events.list on the connection's calendar with
 * `singleEvents=false`, so masters keep their rules and exceptions arrive as their own items. A full
 * round has no `showDeleted` (cancelled instances of live series still come, as EXDATE markers); an
 * incremental round repeats the same `syncToken` query with `showDeleted=true` (false is forbidden
 * there) plus `pageToken`. `nextSyncToken` is on the last page only. A 410 is `cursor_expired`.
 */
import { fetchWithDeadline } from '../deadline.ts';
import { ProviderError } from '../errors.ts';
import type { ChangePage, ChangeRequest } from '../types.ts';
import { googleError } from './errors.ts';
import { type GoogleEventJson, mapGoogleItems } from './to-event.ts';

/** Items per page: Google's cap is 2500; 1000 keeps one page's upsert well under Postgres' parameter limit. */
export const GOOGLE_PAGE_SIZE = 1000;
/** A page that takes longer than this is a timeout (retried with backoff), not a hung run. */
export const GOOGLE_LIST_TIMEOUT_MS = 20_000;

interface EventsListBody {
  items?: GoogleEventJson[];
  nextPageToken?: string;
  nextSyncToken?: string;
  timeZone?: string;
}

export function eventsListUrl(calendarApi: string, request: ChangeRequest): string {
  const url = new URL(`${calendarApi}/calendars/${encodeURIComponent(request.calendarId)}/events`);
  url.searchParams.set('maxResults', String(GOOGLE_PAGE_SIZE));
  url.searchParams.set('singleEvents', 'false');
  if (request.cursor) {
    url.searchParams.set('syncToken', request.cursor);
    url.searchParams.set('showDeleted', 'true');
  }
  if (request.pageToken) url.searchParams.set('pageToken', request.pageToken);
  return url.toString();
}

export async function listGoogleChanges(
  calendarApi: string,
  accessToken: string,
  request: ChangeRequest,
): Promise<ChangePage> {
  let response: Response;
  try {
    response = await fetchWithDeadline(
      eventsListUrl(calendarApi, request),
      { headers: { authorization: `Bearer ${accessToken}`, accept: 'application/json' } },
      GOOGLE_LIST_TIMEOUT_MS,
      request.signal,
    );
  } catch (error) {
    const name = error instanceof Error ? error.name : 'unknown';
    throw new ProviderError('temporary', `events.list failed: ${name}`);
  }
  if (!response.ok) throw await googleError(response);
  const body = (await response.json()) as EventsListBody;
  const zone = body.timeZone ?? null;
  return {
    changes: mapGoogleItems(body.items ?? [], zone),
    ...(zone ? { calendarTimeZone: zone } : {}),
    ...(body.nextPageToken ? { nextPageToken: body.nextPageToken } : {}),
    ...(!body.nextPageToken && body.nextSyncToken ? { nextCursor: body.nextSyncToken } : {}),
  };
}
