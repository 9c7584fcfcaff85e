/**
 * The read side of meetings (issue 15, issue 20 §3): the rows CE holds mapped to the `MeetingView`
 * every answer is made from. Pure; the object's writes and the service's reads both use it.
 */
import { type MeetingRows, PENDING_EVENT_PREFIX } from '../../db/queries/meetings.ts';
import type { MeetingAttendeeState, MeetingView } from './types.ts';

/** The meeting as stored; `reminderAt`: its unsent reminder (visible to the organizer only). */
export function meetingView(rows: MeetingRows, reminderAt: Date | null): MeetingView {
  const { activity, event } = rows;
  return {
    activityId: activity.id,
    ownerUserId: activity.ownerUserId,
    connectionId: activity.connectionId,
    providerEventId:
      event && !event.providerEventId.startsWith(PENDING_EVENT_PREFIX) ? event.providerEventId : null,
    title: activity.subject,
    startMs: activity.startsAt.getTime(),
    endMs: activity.endsAt.getTime(),
    timeZone: activity.timeZone,
    attendees: activity.attendees as MeetingAttendeeState[],
    description: activity.description,
    location: activity.location,
    conference: activity.conference,
    conferenceUrl: activity.conferenceUrl,
    providerLink: activity.providerLink,
    status: activity.status,
    // No outbound row: cancelled on the provider, or its calendar was disconnected; nothing is owed.
    syncStatus: event ? event.syncStatus : 'synced',
    reminderAtMs: reminderAt ? reminderAt.getTime() : null,
    createdAtMs: activity.createdAt.getTime(),
  };
}
