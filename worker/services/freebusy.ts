/**
 * POST /v1/calendar/freebusy: merged busy intervals per user, from the mirror (default) or live from
 * the providers. Colleagues' time is read only through `ce_free_busy_read()` (SECURITY DEFINER,
 * merged busy blocks and sync state only), so an answer cannot carry a title, attendee or location.
 * Own time takes the same path: one code path, one shape.
 */
import {
  type BusyBlockRow,
  type CalendarFreshnessRow,
  type LiveTargetRow,
  readCalendarsAndBusy,
  readLiveTargets,
} from '../../db/queries/busy.ts';
import type { TenantTx } from '../../db/tenant.ts';
import { type BusyEvent, busyIntervals, clipIntervals, type Interval } from '../availability/index.ts';
import type { RequestScope, TenantClaims } from '../env.ts';
import { forbidden } from '../errors.ts';
import { ProviderError } from '../providers/errors.ts';
import { type CalendarProvider, type Provider, providerFor } from '../providers/index.ts';
import { providerSentence } from '../providers/sentences.ts';
import { getFreshCalendarAccessToken } from './tokens.ts';

/** A live answer waits at most this long for the slowest calendar; the rest report `timeout`. */
export const LIVE_DEADLINE_MS = 8_000;

export interface FreeBusyInput {
  userIds: string[];
  range: { start: number; end: number };
  timeZone: string | null;
  live: boolean;
}

export interface CalendarState {
  connection_id: string;
  provider: Provider;
  sync_enabled: boolean;
  sync_status: CalendarFreshnessRow['syncStatus'];
  last_sync_at: string | null;
}

export interface CalendarError {
  connection_id: string;
  code: string;
  message: string;
}

export interface UserFreeBusy {
  user_id: string;
  busy: Array<{ start: string; end: string }>;
  /** The zone all-day events were resolved in (the user's calendar zone, else the request's, else UTC). */
  all_day_time_zone: string;
  calendars: CalendarState[];
  errors: CalendarError[];
}

export interface FreeBusyAnswer {
  time_min: string;
  time_max: string;
  source: 'mirror' | 'live';
  users: UserFreeBusy[];
  /** Asked-about users with no calendar the caller may see (another organization looks the same). */
  not_found_user_ids: string[];
}

/** Own free/busy: view, schedule or view-all. Anyone else's: schedule or view-all (SPEC §2). */
export function requireFreeBusyAccess(claims: TenantClaims, userIds: readonly string[]): void {
  const has = (permission: string) => claims.permissions.includes(permission);
  const asksOthers = userIds.some((id) => id !== claims.sub);
  if (asksOthers && !has('ce.calendar.schedule') && !has('ce.calendar.view-all')) {
    throw forbidden("Requires the ce.calendar.schedule permission to see colleagues' free/busy");
  }
  if (!has('ce.calendar.view') && !has('ce.calendar.schedule') && !has('ce.calendar.view-all')) {
    throw forbidden('Requires the ce.calendar.view permission');
  }
}

/** The zone an owner's all-day events are read in. */
export function ownerZone(calendars: readonly CalendarFreshnessRow[], fallback: string | null): string {
  return calendars.find((c) => c.calendarTimeZone)?.calendarTimeZone ?? fallback ?? 'UTC';
}

/** Busy intervals per user from stored blocks (timed as instants, all-day in the owner's zone). */
export function busyByUser(
  userIds: readonly string[],
  blocks: readonly BusyBlockRow[],
  zoneOf: (userId: string) => string,
  range: Interval,
): Map<string, Interval[]> {
  const events = new Map<string, BusyEvent[]>(userIds.map((id) => [id, []]));
  for (const block of blocks) {
    events
      .get(block.userId)
      ?.push(
        block.allDay
          ? { startDate: block.startDate, endDate: block.endDate }
          : { start: block.startMs, end: block.endMs },
      );
  }
  return new Map(userIds.map((id) => [id, busyIntervals(events.get(id) ?? [], zoneOf(id), range)]));
}

/** Everything the mirror knows for `userIds` in one call: calendars and (merged) busy blocks. */
export async function readMirror(
  tx: TenantTx,
  userIds: readonly string[],
  range: Interval,
): Promise<{ calendars: CalendarFreshnessRow[]; blocks: BusyBlockRow[] }> {
  return readCalendarsAndBusy(tx, userIds, range.start, range.end);
}

const iso = (ms: number) => new Date(ms).toISOString();

function calendarState(row: CalendarFreshnessRow): CalendarState {
  return {
    connection_id: row.connectionId,
    provider: row.provider,
    sync_enabled: row.syncEnabled,
    sync_status: row.syncStatus,
    last_sync_at: row.lastSyncAt?.toISOString() ?? null,
  };
}

export async function freeBusy(scope: RequestScope, input: FreeBusyInput): Promise<FreeBusyAnswer> {
  requireFreeBusyAccess(scope.claims, input.userIds);
  const range = input.range;
  const { calendars, live } = await scope.db.asTenant(scope.claims, async (tx) => {
    const mirror = await readMirror(tx, input.userIds, range);
    const targets = input.live ? await readLiveTargets(tx, input.userIds) : [];
    return { calendars: mirror, live: targets };
  });
  const calendarsOf = (userId: string) => calendars.calendars.filter((c) => c.userId === userId);
  const found = input.userIds.filter((id) => id === scope.claims.sub || calendarsOf(id).length > 0);
  const zoneOf = (userId: string) => ownerZone(calendarsOf(userId), input.timeZone);

  let busy: Map<string, Interval[]>;
  const errors = new Map<string, CalendarError[]>(found.map((id) => [id, []]));
  if (input.live) {
    const answers = await askProviders(live, range, input.timeZone ?? 'UTC', {
      providerOf: (target) => providerFor(scope.env, target.provider),
      accessTokenFor: (target) =>
        getFreshCalendarAccessToken(
          scope.env,
          {
            id: target.connectionId,
            organizationId: scope.claims.org_id,
            userId: target.userId,
            provider: target.provider,
          },
          scope.correlationId,
        ),
    });
    busy = new Map(found.map((id) => [id, [] as Interval[]]));
    const collected = new Map<string, Interval[]>(found.map((id) => [id, []]));
    for (const answer of answers) {
      if (answer.error) errors.get(answer.userId)?.push(answer.error);
      else collected.get(answer.userId)?.push(...answer.busy);
    }
    for (const id of found) busy.set(id, clipIntervals(collected.get(id) ?? [], range));
  } else {
    busy = busyByUser(found, calendars.blocks, zoneOf, range);
  }

  return {
    time_min: iso(range.start),
    time_max: iso(range.end),
    source: input.live ? 'live' : 'mirror',
    users: found.map((id) => ({
      user_id: id,
      busy: (busy.get(id) ?? []).map((interval) => ({ start: iso(interval.start), end: iso(interval.end) })),
      all_day_time_zone: zoneOf(id),
      calendars: calendarsOf(id).map(calendarState),
      errors: errors.get(id) ?? [],
    })),
    not_found_user_ids: input.userIds.filter((id) => !found.includes(id)),
  };
}

export interface LiveAnswer {
  userId: string;
  busy: Interval[];
  error?: CalendarError;
}

/** A calendar asked live: the target row without its provider's name (`LiveAccess` resolves it). */
export type LiveTarget = Omit<LiveTargetRow, 'provider'>;

/** How a live question reaches a calendar: its adapter and a token from its connection's object. */
export interface LiveAccess<T extends LiveTarget> {
  providerOf(target: T): CalendarProvider;
  accessTokenFor(target: T): Promise<string>;
}

/** Every calendar at once, each through its Durable Object's token, all within one deadline. */
export async function askProviders<T extends LiveTarget>(
  targets: readonly T[],
  range: Interval,
  timeZone: string,
  access: LiveAccess<T>,
): Promise<LiveAnswer[]> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), LIVE_DEADLINE_MS);
  });
  try {
    return await Promise.all(
      targets.map(async (target): Promise<LiveAnswer> => {
        const fail = (code: string, message: string): LiveAnswer => ({
          userId: target.userId,
          busy: [],
          error: { connection_id: target.connectionId, code, message },
        });
        try {
          const outcome = await Promise.race([askOne(access, target, range, timeZone), deadline]);
          if (outcome === 'timeout') return fail('timeout', 'The provider did not answer in time');
          const [calendar] = outcome;
          if (!calendar) return fail('missing', 'The provider gave no answer for this calendar');
          if (calendar.error) return fail(calendar.error.code, calendar.error.message);
          return {
            userId: target.userId,
            busy: calendar.busy.map((b) => ({ start: b.startMs, end: b.endMs })),
          };
        } catch (error) {
          if (error instanceof ProviderError)
            return fail(error.code, providerSentence(error.code, 'calendar'));
          return fail('unknown', 'The provider call failed');
        }
      }),
    );
  } finally {
    clearTimeout(timer);
  }
}

async function askOne<T extends LiveTarget>(
  access: LiveAccess<T>,
  target: T,
  range: Interval,
  timeZone: string,
) {
  const accessToken = await access.accessTokenFor(target);
  return access.providerOf(target).freeBusy(accessToken, {
    calendarIds: [target.providerCalendarId],
    accountEmail: target.accountEmail,
    window: { startMs: range.start, endMs: range.end },
    timeZone,
  });
}
