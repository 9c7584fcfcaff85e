/**
 * Microsoft Graph writes for meetings CE schedules (reference/providers.md §9): create on the
 * connection's calendar with `transactionId` (documented to avoid redundant POSTs on client retries;
 * what a duplicate returns is not documented — reference ⚠ — and CE assumes the existing event, as the
 * emulator does; docs/decisions.md) and the app tag as a single-value extended property; `isOnlineMeeting` with
 * `teamsForBusiness` for a Teams link. Graph invites attendees on create and update by itself.
 * Times are sent as wall-clock time in the meeting's IANA zone (Graph accepts IANA names).
 */

import { wallTimeIn } from '../../time/zone.ts';
import { ProviderError } from '../errors.ts';
import { jsonWrite } from '../json-write.ts';
import type { MeetingAttendee, MeetingChange, MeetingDraft, WrittenMeeting } from '../types.ts';
import { GRAPH_APP_TAG_PROPERTY_ID, graphTransactionIdFor } from './app-tag.ts';
import { calendarPath } from './changes.ts';
import { microsoftError } from './errors.ts';

interface GraphEventAnswer {
  id?: string;
  changeKey?: string;
  iCalUId?: string;
  onlineMeeting?: { joinUrl?: string } | null;
  webLink?: string;
}

function times(change: Pick<MeetingChange, 'startMs' | 'endMs' | 'timeZone'>) {
  if (change.startMs === undefined || change.endMs === undefined) return {};
  const zone = change.timeZone ?? 'UTC';
  return {
    start: { dateTime: wallTimeIn(change.startMs, zone), timeZone: zone },
    end: { dateTime: wallTimeIn(change.endMs, zone), timeZone: zone },
  };
}

/** Graph keeps each attendee's answer itself (status is read-only): only addresses are sent. */
const attendeesOf = (attendees: readonly MeetingAttendee[]) =>
  attendees.map((a) => ({ emailAddress: { address: a.email }, type: 'required' }));

function written(answer: GraphEventAnswer): WrittenMeeting {
  if (!answer.id) throw new ProviderError('unknown', 'provider returned no event id');
  return {
    providerEventId: answer.id,
    etag: answer.changeKey ?? null,
    icalUid: answer.iCalUId ?? null,
    conferenceUrl: answer.onlineMeeting?.joinUrl ?? null,
    link: answer.webLink ?? null,
  };
}

export function microsoftMeetings(graph: string) {
  const eventsUrl = (calendarId: string) => `${graph}${calendarPath(calendarId)}/events`;
  return {
    async createEvent(accessToken: string, draft: MeetingDraft): Promise<WrittenMeeting> {
      const body = {
        subject: draft.title,
        ...(draft.description ? { body: { contentType: 'text', content: draft.description } } : {}),
        ...(draft.location ? { location: { displayName: draft.location } } : {}),
        ...times(draft),
        attendees: attendeesOf(draft.attendees),
        transactionId: graphTransactionIdFor(draft.tag),
        singleValueExtendedProperties: [{ id: GRAPH_APP_TAG_PROPERTY_ID, value: draft.tag }],
        ...(draft.conference ? { isOnlineMeeting: true, onlineMeetingProvider: 'teamsForBusiness' } : {}),
      };
      const response = await jsonWrite('POST', eventsUrl(draft.calendarId), accessToken, body);
      if (!response.ok) throw await microsoftError(response);
      return written((await response.json()) as GraphEventAnswer);
    },

    async updateEvent(
      accessToken: string,
      calendarId: string,
      providerEventId: string,
      change: MeetingChange,
    ): Promise<WrittenMeeting> {
      const body = {
        ...(change.title !== undefined ? { subject: change.title } : {}),
        ...(change.description !== undefined
          ? { body: { contentType: 'text', content: change.description ?? '' } }
          : {}),
        ...(change.location !== undefined ? { location: { displayName: change.location ?? '' } } : {}),
        ...times(change),
        ...(change.attendees !== undefined ? { attendees: attendeesOf(change.attendees) } : {}),
      };
      const response = await jsonWrite(
        'PATCH',
        `${eventsUrl(calendarId)}/${encodeURIComponent(providerEventId)}`,
        accessToken,
        body,
      );
      if (!response.ok) throw await microsoftError(response);
      return written((await response.json()) as GraphEventAnswer);
    },

    async deleteEvent(accessToken: string, calendarId: string, providerEventId: string): Promise<void> {
      const response = await jsonWrite(
        'DELETE',
        `${eventsUrl(calendarId)}/${encodeURIComponent(providerEventId)}`,
        accessToken,
      );
      if (response.ok || response.status === 404) {
        await response.body?.cancel();
        return;
      }
      throw await microsoftError(response);
    },
  };
}
