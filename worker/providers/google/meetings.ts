/**
 * Google Calendar v3 writes for meetings CE schedules (reference/providers.md §3): events.insert with
 * CE's own event id, `sendUpdates=all` so attendees are invited, the app tag as a private extended
 * property, and `conferenceDataVersion=1` + `createRequest` for a Meet link. A 409 `duplicate` on
 * insert means an earlier attempt (whose answer was lost) created the event: it is read back, and
 * accepted only when it carries the same tag.
 */
import { ProviderError } from '../errors.ts';
import { jsonWrite } from '../json-write.ts';
import type { MeetingAttendee, MeetingChange, MeetingDraft, WrittenMeeting } from '../types.ts';
import { GOOGLE_APP_TAG_PROPERTY, tagFromGoogle } from './app-tag.ts';
import { googleError } from './errors.ts';

interface GoogleEventAnswer {
  id?: string;
  etag?: string;
  iCalUID?: string;
  hangoutLink?: string;
  htmlLink?: string;
  status?: string;
  extendedProperties?: { private?: Record<string, string | null> };
}

/** Google event ids are base32hex (a–v, 0–9), 5–1024 characters: a uuid's hex digits qualify. */
export function googleEventIdFor(tag: string): string {
  const id = tag.toLowerCase().replace(/[^0-9a-v]/g, '');
  if (id.length < 5) throw new Error('meeting tag too short for a Google event id');
  return id;
}

/** Answers already known are sent back, so a PATCH of the list never resets them. */
const googleAttendee = (a: MeetingAttendee) => ({
  email: a.email,
  ...(a.responseStatus ? { responseStatus: a.responseStatus } : {}),
});

function times(change: Pick<MeetingChange, 'startMs' | 'endMs' | 'timeZone'>) {
  if (change.startMs === undefined || change.endMs === undefined) return {};
  const zone = change.timeZone ?? 'UTC';
  return {
    start: { dateTime: new Date(change.startMs).toISOString(), timeZone: zone },
    end: { dateTime: new Date(change.endMs).toISOString(), timeZone: zone },
  };
}

function written(answer: GoogleEventAnswer): WrittenMeeting {
  if (!answer.id) throw new ProviderError('unknown', 'provider returned no event id');
  return {
    providerEventId: answer.id,
    etag: answer.etag ?? null,
    icalUid: answer.iCalUID ?? null,
    conferenceUrl: answer.hangoutLink ?? null,
    link: answer.htmlLink ?? null,
  };
}

export function googleMeetings(calendarApi: string) {
  const eventsUrl = (calendarId: string) =>
    `${calendarApi}/calendars/${encodeURIComponent(calendarId)}/events`;

  async function readEvent(accessToken: string, calendarId: string, id: string): Promise<GoogleEventAnswer> {
    const response = await jsonWrite(
      'GET',
      `${eventsUrl(calendarId)}/${encodeURIComponent(id)}`,
      accessToken,
    );
    if (!response.ok) throw await googleError(response);
    return (await response.json()) as GoogleEventAnswer;
  }

  return {
    async createEvent(accessToken: string, draft: MeetingDraft): Promise<WrittenMeeting> {
      const id = googleEventIdFor(draft.tag);
      const params = new URLSearchParams({ sendUpdates: 'all' });
      if (draft.conference) params.set('conferenceDataVersion', '1');
      const body = {
        id,
        summary: draft.title,
        ...(draft.description ? { description: draft.description } : {}),
        ...(draft.location ? { location: draft.location } : {}),
        ...times(draft),
        attendees: draft.attendees.map(googleAttendee),
        extendedProperties: { private: { [GOOGLE_APP_TAG_PROPERTY]: draft.tag } },
        ...(draft.conference
          ? {
              conferenceData: {
                // Resending the same requestId is ignored by Google: the retry asks for the same link.
                createRequest: { requestId: draft.tag, conferenceSolutionKey: { type: 'hangoutsMeet' } },
              },
            }
          : {}),
      };
      const response = await jsonWrite('POST', `${eventsUrl(draft.calendarId)}?${params}`, accessToken, body);
      if (response.ok) return written((await response.json()) as GoogleEventAnswer);
      const error = await googleError(response);
      if (error.code !== 'conflict' || response.status !== 409) throw error;
      // Our own earlier attempt, or (never with uuid tags) someone else's event with this id.
      const existing = await readEvent(accessToken, draft.calendarId, id);
      if (tagFromGoogle(existing.extendedProperties?.private) !== draft.tag)
        throw new ProviderError('conflict', 'event id taken by an event CE did not create', 409);
      // Our event, but cancelled on the provider since (Google keeps cancelled events readable).
      if (existing.status === 'cancelled') throw new ProviderError('not_found', 'deleted', 410);
      return written(existing);
    },

    async updateEvent(
      accessToken: string,
      calendarId: string,
      providerEventId: string,
      change: MeetingChange,
    ): Promise<WrittenMeeting> {
      const body = {
        ...(change.title !== undefined ? { summary: change.title } : {}),
        ...(change.description !== undefined ? { description: change.description ?? '' } : {}),
        ...(change.location !== undefined ? { location: change.location ?? '' } : {}),
        ...times(change),
        ...(change.attendees !== undefined ? { attendees: change.attendees.map(googleAttendee) } : {}),
      };
      const response = await jsonWrite(
        'PATCH',
        `${eventsUrl(calendarId)}/${encodeURIComponent(providerEventId)}?sendUpdates=all`,
        accessToken,
        body,
      );
      if (!response.ok) throw await googleError(response);
      return written((await response.json()) as GoogleEventAnswer);
    },

    async deleteEvent(accessToken: string, calendarId: string, providerEventId: string): Promise<void> {
      const response = await jsonWrite(
        'DELETE',
        `${eventsUrl(calendarId)}/${encodeURIComponent(providerEventId)}?sendUpdates=all`,
        accessToken,
      );
      if (response.ok || response.status === 404 || response.status === 410) {
        await response.body?.cancel();
        return;
      }
      throw await googleError(response);
    },
  };
}
