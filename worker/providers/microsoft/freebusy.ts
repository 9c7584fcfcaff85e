/**
 * Microsoft Graph getSchedule (reference/providers.md §10) for the account's own mailbox (by its
 * address: getSchedule is per mailbox, so every calendar id asked about gets the mailbox's answer). Busy time
 * comes from `scheduleItems` (exact instants; `availabilityView` is only a coarse grid) with Graph's
 * statuses mapped like our mirror's busy rules: `busy`, `tentative` and `oof` block, `free` and
 * `workingElsewhere` (availabilityView digit `4`) do not. Times are asked for in UTC
 * (`Prefer: outlook.timezone="UTC"`), so each `dateTime` (7 fractional digits, no offset) is UTC.
 * A schedule with `error` (e.g. `ErrorMailRecipientNotFound`) becomes a per-calendar error.
 */
import { ProviderError } from '../errors.ts';
import type { FreeBusyCalendar, FreeBusyQuery } from '../types.ts';
import { microsoftError } from './errors.ts';

const BLOCKING = new Set(['busy', 'tentative', 'oof']);

interface GraphScheduleBody {
  value?: Array<{
    scheduleId?: string;
    scheduleItems?: Array<{ status?: string; start?: { dateTime?: string }; end?: { dateTime?: string } }>;
    error?: { responseCode?: string; message?: string };
  }>;
}

/** Graph's UTC `dateTime` without an offset (`2026-03-08T09:00:00.0000000`) as epoch ms. */
function utcMs(dateTime: string | undefined): number {
  if (!dateTime) return Number.NaN;
  const trimmed = dateTime.replace(/(\.\d{3})\d*$/, '$1');
  return Date.parse(/[zZ]|[+-]\d{2}:\d{2}$/.test(trimmed) ? trimmed : `${trimmed}Z`);
}

const graphUtc = (ms: number) => ({
  dateTime: new Date(ms).toISOString().replace(/Z$/, ''),
  timeZone: 'UTC',
});

export function microsoftFreeBusy(graph: string) {
  return async (accessToken: string, query: FreeBusyQuery): Promise<FreeBusyCalendar[]> => {
    let response: Response;
    try {
      response = await fetch(`${graph}/me/calendar/getSchedule`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${accessToken}`,
          'content-type': 'application/json',
          prefer: 'outlook.timezone="UTC"',
        },
        body: JSON.stringify({
          schedules: [query.accountEmail],
          startTime: graphUtc(query.window.startMs),
          endTime: graphUtc(query.window.endMs),
          availabilityViewInterval: 15,
        }),
      });
    } catch (error) {
      throw new ProviderError(
        'temporary',
        `provider unreachable: ${error instanceof Error ? error.name : 'unknown'}`,
      );
    }
    if (!response.ok) throw await microsoftError(response);
    const body = (await response.json()) as GraphScheduleBody;
    const schedule = (body.value ?? []).find(
      (entry) => entry.scheduleId?.toLowerCase() === query.accountEmail.toLowerCase(),
    );
    // getSchedule answers for the mailbox; every calendar id asked about shares that answer.
    return query.calendarIds.map((calendarId) => {
      if (!schedule)
        return { calendarId, busy: [], error: { code: 'missing', message: 'schedule not in the answer' } };
      if (schedule.error) {
        const code = schedule.error.responseCode ?? 'error';
        return { calendarId, busy: [], error: { code, message: `Microsoft: ${code}` } };
      }
      const busy = (schedule.scheduleItems ?? [])
        .filter((item) => BLOCKING.has(item.status ?? ''))
        .map((item) => ({ startMs: utcMs(item.start?.dateTime), endMs: utcMs(item.end?.dateTime) }))
        .filter((period) => Number.isFinite(period.startMs) && period.endMs > period.startMs);
      return { calendarId, busy };
    });
  };
}
