/**
 * Google freeBusy.query (reference/providers.md §4): one POST for the account's calendars. Google
 * answers per calendar, with `errors[]` instead of `busy` when one cannot be read (`notFound`, …);
 * those become per-calendar errors, never a failed answer. The request's `timeZone` only changes how
 * Google writes the instants; we read them as instants.
 */
import { ProviderError } from '../errors.ts';
import type { FreeBusyCalendar, FreeBusyQuery } from '../types.ts';
import { googleError } from './errors.ts';

interface GoogleFreeBusyBody {
  calendars?: Record<
    string,
    { busy?: Array<{ start?: string; end?: string }>; errors?: Array<{ reason?: string }> }
  >;
}

export function googleFreeBusy(calendarApi: string) {
  return async (accessToken: string, query: FreeBusyQuery): Promise<FreeBusyCalendar[]> => {
    let response: Response;
    try {
      response = await fetch(`${calendarApi}/freeBusy`, {
        method: 'POST',
        headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          timeMin: new Date(query.window.startMs).toISOString(),
          timeMax: new Date(query.window.endMs).toISOString(),
          timeZone: query.timeZone,
          items: query.calendarIds.map((id) => ({ id })),
        }),
      });
    } catch (error) {
      throw new ProviderError(
        'temporary',
        `provider unreachable: ${error instanceof Error ? error.name : 'unknown'}`,
      );
    }
    if (!response.ok) throw await googleError(response);
    const body = (await response.json()) as GoogleFreeBusyBody;
    return query.calendarIds.map((calendarId) => {
      const entry = body.calendars?.[calendarId];
      if (!entry)
        return { calendarId, busy: [], error: { code: 'missing', message: 'calendar not in the answer' } };
      const reason = entry.errors?.[0]?.reason;
      if (reason) return { calendarId, busy: [], error: { code: reason, message: `Google: ${reason}` } };
      const busy = (entry.busy ?? [])
        .map((period) => ({ startMs: Date.parse(period.start ?? ''), endMs: Date.parse(period.end ?? '') }))
        .filter((period) => Number.isFinite(period.startMs) && period.endMs > period.startMs);
      return { calendarId, busy };
    });
  };
}
