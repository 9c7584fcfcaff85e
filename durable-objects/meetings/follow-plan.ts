/**
 * What an inbound change to a meeting CE created means for its activity (issue 15): cancelled or
 * deleted on the provider → the activity is cancelled; moved → the activity moves (and its reminder
 * with it when the start moved: a reminder belongs to a start, so an end-only change keeps it, issue
 * 20 §2); retitled; attendees answered. Pure: the caller applies the result.
 */
import type { MirrorEvent } from '../../worker/sync/types.ts';
import { attendeeAnswers, sameAnswers } from './attendees.ts';
import type { MeetingAttendeeState } from './types.ts';

export interface ActivityState {
  subject: string;
  startsAtMs: number;
  endsAtMs: number;
  attendees: MeetingAttendeeState[];
}

export type FollowChange =
  | { kind: 'none' }
  | { kind: 'cancel' }
  | {
      kind: 'update';
      subject?: string;
      /** Set when the time changed; `startChanged`: the reminder is planned again (only then). */
      moved?: { startsAtMs: number; endsAtMs: number; startChanged: boolean };
      attendees?: MeetingAttendeeState[];
    };

export function followChange(activity: ActivityState, incoming: MirrorEvent | 'deleted'): FollowChange {
  if (incoming === 'deleted' || incoming.status === 'cancelled') return { kind: 'cancel' };
  // An all-day rewrite of a CE meeting is not something CE schedules; keep the activity's time.
  const timing = incoming.timing;
  const moved =
    !timing.allDay && (timing.startMs !== activity.startsAtMs || timing.endMs !== activity.endsAtMs)
      ? {
          startsAtMs: timing.startMs,
          endsAtMs: timing.endMs,
          startChanged: timing.startMs !== activity.startsAtMs,
        }
      : undefined;
  const subject = incoming.title !== null && incoming.title !== activity.subject ? incoming.title : undefined;
  const answers = attendeeAnswers(activity.attendees, incoming.attendees);
  const attendees = sameAnswers(answers, activity.attendees) ? undefined : answers;
  if (!moved && subject === undefined && !attendees) return { kind: 'none' };
  return {
    kind: 'update',
    ...(subject === undefined ? {} : { subject }),
    ...(moved ? { moved } : {}),
    ...(attendees ? { attendees } : {}),
  };
}
