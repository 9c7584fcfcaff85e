/**
 * Microsoft Graph change source (issue 13): `calendarView/delta` rounds, one page per call
 * (reference/providers.md §8).
 *
 * - A full round (no cursor) starts `…/calendarView/delta?startDateTime&endDateTime` with the sync
 *   window; Graph fixes that window into every later link. Every link handed to the engine is stamped
 *   with its round's start and window end (`packLink`); a stored cursor that `needsRebaseline`
 *   (`worker/sync/horizon.ts`) calls due answers `cursor_expired`, so the engine runs a full round
 *   with a new window, which removes what vanished — before the window runs out or the token expires.
 * - `@odata.nextLink` / `@odata.deltaLink` are followed as opaque URLs (never parsed), only when they
 *   point at the configured Graph base (a link elsewhere would carry the access token off-site).
 * - Occurrences are stubs: their details come from the series master — from the same page, else one
 *   calendar-scoped GET per series per call (not the mirror's copy, which is stale exactly when Graph
 *   re-lists a series). A master that cannot be fetched fails the page with a retryable error: never
 *   an untitled row.
 * - Times are asked in UTC (`Prefer: outlook.timezone="UTC"`): instants are unambiguous and no
 *   Windows zone name has to be resolved to read a time; the event's own zone comes from
 *   `originalStartTimeZone` (`windows-zones.ts`).
 */

import { needsRebaseline } from '../../sync/horizon.ts';
import type { NormalizedChange } from '../../sync/types.ts';
import { fetchWithDeadline } from '../deadline.ts';
import { ProviderError, type ProviderErrorCode } from '../errors.ts';
import type { ChangePage, ChangeRequest, MasterLookup, RereadRequest } from '../types.ts';
import { GRAPH_APP_TAG_PROPERTY_ID } from './app-tag.ts';
import { microsoftError } from './errors.ts';
import { rereadChanges } from './reread.ts';
import { type GraphEventJson, GraphEventShapeError, mapGraphPage } from './to-event.ts';
import { ianaZoneOf } from './windows-zones.ts';

const DAY_MS = 86_400_000;

/** Items per delta page we ask for (Graph may send fewer, or an empty page with a nextLink). */
export const GRAPH_DELTA_PAGE_SIZE = 100;
/** Pages of one series' instances read at most (a provider bug must not pin the re-read). */
const MAX_INSTANCE_PAGES = 50;
/** One Graph call may take this long before it counts as a timeout (retryable). */
export const GRAPH_CALL_TIMEOUT_MS = 30_000;

export interface GraphChangeSourceOptions {
  /** `…/v1.0` of the configured Graph host, without a trailing slash. */
  graphBase: string;
  pageSize?: number;
  timeoutMs?: number;
  /** The clock for the re-baseline decision (tests move it). */
  now?: () => number;
}

interface DeltaBody {
  value?: GraphEventJson[];
  '@odata.nextLink'?: string;
  '@odata.deltaLink'?: string;
}

/** The calendar's path under `/me`: the default calendar has its own short path. */
export function calendarPath(calendarId: string): string {
  return calendarId === 'primary' ? '/me/calendar' : `/me/calendars/${encodeURIComponent(calendarId)}`;
}

/** Where a full round starts: the calendar's `calendarView/delta` over the window. */
export function initialDeltaUrl(graphBase: string, calendarId: string, window: ChangeRequest['window']) {
  // The default calendar's delta lives at /me/calendarView/delta (providers.md §8).
  const path =
    calendarId === 'primary' ? '/me/calendarView/delta' : `${calendarPath(calendarId)}/calendarView/delta`;
  const query = new URLSearchParams({
    startDateTime: new Date(window.startMs).toISOString(),
    endDateTime: new Date(window.endMs).toISOString(),
  });
  return `${graphBase}${path}?${query}`;
}

/**
 * A nextLink/deltaLink is used as given, but only on our Graph host and under its version path:
 * anything else is refused (the link is never parsed beyond that check). A refused *stored* link
 * (the engine's cursor or page token) is `cursor_expired`: it was written under another Graph base
 * (the local emulator's Graph port changes on every start), so the round starts over from the
 * configured host. A refused link in a fresh answer is `temporary`: not followed, tried next run.
 */
export function trustedGraphLink(
  graphBase: string,
  link: string,
  field: string,
  refused: Extract<ProviderErrorCode, 'cursor_expired' | 'temporary'> = 'temporary',
): string {
  let url: URL;
  let base: URL;
  try {
    url = new URL(link);
    base = new URL(`${graphBase}/`);
  } catch {
    throw new ProviderError(refused, `${field} is not a URL`);
  }
  if (url.origin !== base.origin || !url.pathname.startsWith(base.pathname))
    throw new ProviderError(refused, `${field} is not on the configured Graph host`);
  return link;
}

/**
 * A Graph link as stored by the engine (page token or cursor), stamped with its round: when the full
 * round that fixed the delta window began and where that window ends, so `needsRebaseline` can be
 * asked on every later call without the engine storing anything else. `ce1:<startedAt>:<windowEnd>:<link>`.
 */
export interface RoundStamp {
  link: string;
  startedAt: number;
  windowEnd: number;
}

export function packLink(stamp: RoundStamp): string {
  // An unknown age is written as 0: the next check then re-baselines.
  const ms = (value: number) => (Number.isFinite(value) ? Math.max(0, Math.floor(value)) : 0);
  return `ce1:${ms(stamp.startedAt)}:${ms(stamp.windowEnd)}:${stamp.link}`;
}

/** A bare link (stored before stamping existed) has no known age: the next check re-baselines it. */
export function unpackLink(value: string): RoundStamp {
  const m = value.match(/^ce1:(\d+):(\d+):(.+)$/s);
  if (!m) return { link: value, startedAt: Number.NaN, windowEnd: Number.NaN };
  return { startedAt: Number(m[1]), windowEnd: Number(m[2]), link: m[3] ?? '' };
}

export function graphChangeSource(options: GraphChangeSourceOptions) {
  const { graphBase } = options;
  const pageSize = options.pageSize ?? GRAPH_DELTA_PAGE_SIZE;
  const timeoutMs = options.timeoutMs ?? GRAPH_CALL_TIMEOUT_MS;
  const clock = options.now ?? Date.now;

  async function graphGet(
    url: string,
    accessToken: string,
    prefer: string,
    signal: AbortSignal | undefined,
  ): Promise<Response> {
    try {
      // The call's deadline, and the run's own abort (disconnect, pause) when it has one.
      return await fetchWithDeadline(
        url,
        { headers: { authorization: `Bearer ${accessToken}`, accept: 'application/json', prefer } },
        timeoutMs,
        signal,
      );
    } catch (error) {
      const name = error instanceof Error ? error.name : 'unknown';
      throw new ProviderError('temporary', `Graph unreachable: ${name}`);
    }
  }

  async function jsonOf<T>(response: Response, what: string): Promise<T> {
    try {
      return (await response.json()) as T;
    } catch {
      throw new ProviderError('temporary', `Graph sent an unreadable ${what}`, response.status);
    }
  }

  /**
   * An event (a series master, for stubs without one) by id from the calendar-scoped path
   * (`/me/events/{id}` 404s for shared calendars). Undefined when Graph says it no longer exists.
   */
  async function fetchEvent(
    accessToken: string,
    calendarId: string,
    eventId: string,
    signal: AbortSignal | undefined,
  ): Promise<GraphEventJson | undefined> {
    const expand = `singleValueExtendedProperties($filter=id eq '${GRAPH_APP_TAG_PROPERTY_ID}')`;
    const url = `${graphBase}${calendarPath(calendarId)}/events/${encodeURIComponent(eventId)}?$expand=${encodeURIComponent(expand)}`;
    const response = await graphGet(url, accessToken, 'outlook.timezone="UTC"', signal);
    if (response.status === 404) {
      await response.body?.cancel();
      return undefined;
    }
    if (!response.ok) throw retryable(await microsoftError(response));
    return jsonOf<GraphEventJson>(response, 'event');
  }

  /**
   * A series' occurrences and exceptions over `window` (`…/events/{id}/instances`), every page;
   * undefined when the series is gone (404).
   */
  async function fetchInstances(
    accessToken: string,
    calendarId: string,
    masterId: string,
    window: ChangeRequest['window'],
    signal: AbortSignal | undefined,
  ): Promise<GraphEventJson[] | undefined> {
    const query = new URLSearchParams({
      startDateTime: new Date(window.startMs).toISOString(),
      endDateTime: new Date(window.endMs).toISOString(),
      $top: String(pageSize),
    });
    let url = `${graphBase}${calendarPath(calendarId)}/events/${encodeURIComponent(masterId)}/instances?${query}`;
    const items: GraphEventJson[] = [];
    for (let page = 0; page < MAX_INSTANCE_PAGES; page += 1) {
      const response = await graphGet(url, accessToken, 'outlook.timezone="UTC"', signal);
      if (response.status === 404) {
        await response.body?.cancel();
        return undefined;
      }
      if (!response.ok) throw retryable(await microsoftError(response));
      const body = await jsonOf<{ value?: GraphEventJson[]; '@odata.nextLink'?: string }>(
        response,
        'instances page',
      );
      items.push(...(body.value ?? []));
      const next = body['@odata.nextLink'];
      if (!next) return items;
      url = trustedGraphLink(graphBase, next, '@odata.nextLink');
    }
    throw new ProviderError('temporary', 'too many instance pages for one series');
  }

  /**
   * The owner's zone, for the day an all-day event covers. Graph's calendar resource has no zone and
   * mailboxSettings needs a scope we do not ask for (MailboxSettings.Read), so it is read where
   * Calendars.Read already suffices: the mailbox's working hours in getSchedule (a Windows name,
   * translated). Undefined when any step fails or the name is unknown: a display zone never fails a
   * round, and the stored zone stays until a later full round reads one.
   */
  async function ownerTimeZone(
    accessToken: string,
    signal: AbortSignal | undefined,
  ): Promise<string | undefined> {
    try {
      const me = await graphGet(`${graphBase}/me`, accessToken, 'outlook.timezone="UTC"', signal);
      if (!me.ok) return undefined;
      const { mail, userPrincipalName } = (await me.json()) as {
        mail?: string | null;
        userPrincipalName?: string;
      };
      const mailbox = mail ?? userPrincipalName;
      if (!mailbox) return undefined;
      const now = clock();
      const wall = (ms: number) => new Date(ms).toISOString().slice(0, 19);
      const response = await fetchWithDeadline(
        `${graphBase}/me/calendar/getSchedule`,
        {
          method: 'POST',
          headers: {
            authorization: `Bearer ${accessToken}`,
            accept: 'application/json',
            'content-type': 'application/json',
          },
          body: JSON.stringify({
            schedules: [mailbox],
            startTime: { dateTime: wall(now), timeZone: 'UTC' },
            endTime: { dateTime: wall(now + 3_600_000), timeZone: 'UTC' },
            availabilityViewInterval: 60,
          }),
        },
        timeoutMs,
        signal,
      );
      if (!response.ok) {
        await response.body?.cancel();
        return undefined;
      }
      const body = (await response.json()) as {
        value?: Array<{ workingHours?: { timeZone?: { name?: string } } }>;
      };
      return ianaZoneOf(body.value?.[0]?.workingHours?.timeZone?.name) ?? undefined;
    } catch {
      return undefined;
    }
  }

  return {
    async listChanges(
      accessToken: string,
      request: ChangeRequest,
      _masters: MasterLookup,
    ): Promise<ChangePage> {
      const now = clock();
      // The round this call belongs to: when it began (fixing Graph's window) and where the window ends.
      const carried = request.pageToken ?? request.cursor;
      const round: RoundStamp = carried
        ? unpackLink(carried)
        : {
            link: initialDeltaUrl(graphBase, request.calendarId, request.window),
            startedAt: now,
            windowEnd: request.window.endMs,
          };
      if (!request.pageToken && request.cursor && needsRebaseline(round.startedAt, round.windowEnd, now))
        throw new ProviderError('cursor_expired', 'delta window re-baseline due');
      const url = carried
        ? trustedGraphLink(
            graphBase,
            round.link,
            request.pageToken ? 'page token' : 'delta cursor',
            'cursor_expired',
          )
        : round.link;
      const response = await graphGet(
        url,
        accessToken,
        `odata.maxpagesize=${pageSize}, outlook.timezone="UTC"`,
        request.signal,
      );
      if (!response.ok) throw await microsoftError(response);
      const body = await jsonOf<DeltaBody>(response, 'delta page');
      if (!Array.isArray(body.value)) throw new ProviderError('temporary', 'Graph delta page without value');
      const nextLink = body['@odata.nextLink'];
      const deltaLink = body['@odata.deltaLink'];
      if (!nextLink && !deltaLink) throw new ProviderError('temporary', 'Graph delta page without a link');

      // Not the mirror's copy (`MasterLookup`): stubs without their master mean the series changed
      // (Graph re-lists a series only then), so a stored master may be stale. The convergence
      // property found a renamed series keeping its old title that way.
      const changes = await resolvePage(body.value, (id) =>
        fetchEvent(accessToken, request.calendarId, id, request.signal),
      );
      // Incremental rounds: a series listed again replaces its stored occurrences (a full round
      // removes unseen rows at its end anyway).
      if (request.cursor)
        changes.push(...replaceListedSeries(body.value, windowDates(request.window, round)));
      const stamp = (link: string, field: string) =>
        packLink({ ...round, link: trustedGraphLink(graphBase, link, field) });
      if (nextLink) return { changes, nextPageToken: stamp(nextLink, '@odata.nextLink') };
      // A full round's end (no stored cursor): the owner's zone is read again, once per round.
      const zone = request.cursor ? undefined : await ownerTimeZone(accessToken, request.signal);
      return {
        changes,
        nextCursor: stamp(deltaLink ?? '', '@odata.deltaLink'),
        ...(zone ? { calendarTimeZone: zone } : {}),
      };
    },

    /** Events push named that the round did not return, read directly (reread.ts). */
    async rereadEvents(accessToken: string, request: RereadRequest): Promise<NormalizedChange[]> {
      const dates = windowDates(request.window, { link: '', startedAt: Number.NaN, windowEnd: Number.NaN });
      return rereadChanges(request, {
        event: (id) => fetchEvent(accessToken, request.calendarId, id, request.signal),
        instances: (id) =>
          fetchInstances(accessToken, request.calendarId, id, request.window, request.signal),
        replaceSeries: (master) => replaceListedSeries([master], dates),
      });
    },
  };
}

/**
 * Every calendar date the round's window can touch (both the request's horizon and the window the
 * round was started with, a day of slack each side for zone offsets).
 */
export function windowDates(window: ChangeRequest['window'], round: RoundStamp): string[] {
  const from = Math.floor(window.startMs / DAY_MS) - 1;
  const endMs = Number.isFinite(round.windowEnd) ? Math.max(round.windowEnd, window.endMs) : window.endMs;
  const to = Math.ceil(endMs / DAY_MS) + 1;
  const dates: string[] = [];
  for (let day = from; day <= to; day += 1) dates.push(new Date(day * DAY_MS).toISOString().slice(0, 10));
  return dates;
}

/**
 * Graph lists a changed series complete on one page (never split across pages): its master and/or
 * its occurrence stubs, with every occurrence in the window. Occurrence ids follow the original
 * start, so after a series time change the stored occurrences are not named again, and no `@removed`
 * comes for them. Such a series' stored occurrence rows are therefore dropped (as cancelled on every
 * date of the window) before the page's rows are written: the listed ones come back, the stale ones
 * are gone. Exceptions are not touched (Graph reports dropped exceptions as `@removed`). A page that
 * carries only a changed exception of a series does not list the series and replaces nothing.
 */
export function replaceListedSeries(items: readonly GraphEventJson[], dates: string[]): NormalizedChange[] {
  const listed = new Set<string>();
  for (const item of items) {
    if (item['@removed']) continue;
    if (item.type === 'seriesMaster') listed.add(item.id);
    else if (item.type === 'occurrence' && item.seriesMasterId) listed.add(item.seriesMasterId);
  }
  return [...listed].map((seriesKey) => ({ kind: 'cancelOccurrences', seriesKey, dates }));
}

/** Reads a series master by id; undefined when it no longer exists. */
type MasterFetch = (seriesMasterId: string) => Promise<GraphEventJson | undefined>;

const isStub = (item: GraphEventJson) =>
  !item['@removed'] && item.type === 'occurrence' && item.subject === undefined;

/**
 * One delta page → changes with every occurrence stub completed from its master (on the page, else
 * fetched once). A master fetched here is written too (upsert + its cancelled occurrences). A series whose master
 * is gone (404) is deleted: its stubs are stale and the next round reports the deletion anyway.
 */
export async function resolvePage(
  items: readonly GraphEventJson[],
  fetchMaster: MasterFetch,
): Promise<NormalizedChange[]> {
  const onPage = new Set(items.filter((i) => !i['@removed'] && i.type === 'seriesMaster').map((i) => i.id));
  const missing = [
    ...new Set(
      items
        .filter(isStub)
        .map((i) => i.seriesMasterId ?? '')
        .filter((id) => !onPage.has(id)),
    ),
  ];
  const fetched: GraphEventJson[] = [];
  const vanished = new Set<string>();
  for (const id of missing) {
    if (id === '') continue; // mapGraphPage names the malformed stub
    const master = await fetchMaster(id);
    if (!master) vanished.add(id);
    else if (master.type !== 'seriesMaster' || master.id !== id)
      throw new ProviderError('temporary', 'Graph answered a series master request with another item');
    else fetched.push(master);
  }
  const kept = items.filter((i) => !(isStub(i) && vanished.has(i.seriesMasterId ?? '')));
  let changes: NormalizedChange[];
  try {
    changes = mapGraphPage([...fetched, ...kept]);
  } catch (error) {
    if (error instanceof GraphEventShapeError) throw new ProviderError('unknown', error.message);
    throw error;
  }
  if (changes.some((c) => c.kind === 'needsMaster'))
    throw new ProviderError('temporary', 'Graph occurrence without a readable series master');
  // Last, so the page's own rows of a vanished series (its exceptions) go too (page-plan order).
  for (const id of vanished) changes.push({ kind: 'delete', providerEventId: id });
  return changes;
}

/** A failed master fetch fails the page; the engine retries it, so the error must be retryable. */
const KEEP_CODE = new Set([
  'rate_limited',
  'temporary',
  'unauthorized',
  'quota_exceeded',
  'insufficient_scope',
]);
function retryable(error: ProviderError): ProviderError {
  if (KEEP_CODE.has(error.code)) return error;
  return new ProviderError(
    'temporary',
    `series master unavailable (${error.message})`,
    error.status,
    error.retryAfterSeconds,
  );
}
