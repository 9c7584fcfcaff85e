/**
 * Reading meetings (issue 20 §3): one by id, or a page by activity or time window, so CE web can
 * show `pending`/`error` after a create and the attendees' answers without replaying a write. Read
 * from the database directly (no provider call, no object): what CE holds is the answer.
 *
 * Who sees what: your own meetings with ce.calendar.view, view-all or schedule; anyone's in your
 * organization with ce.calendar.view-all (RLS enforces it too: without view-all another user's
 * meeting does not exist for you, 404). Attendee addresses and the reminder go to the organizer only.
 */
import { findMeeting, listMeetings as listMeetingRows } from '../../db/queries/meetings.ts';
import { reminderFor, remindersOf } from '../../db/queries/notifications.ts';
import type { MeetingView } from '../../durable-objects/meetings/types.ts';
import { meetingView } from '../../durable-objects/meetings/view.ts';
import type { RequestScope } from '../env.ts';
import { forbidden, notFound, validationFailed } from '../errors.ts';
import { DEFAULT_LIST_LIMIT } from './meeting-input.ts';

const READERS = ['ce.calendar.view', 'ce.calendar.view-all', 'ce.calendar.schedule'];

export interface MeetingListQuery {
  activity_id?: string | undefined;
  time_min?: string | undefined;
  time_max?: string | undefined;
  user_id?: string | undefined;
  cursor?: string | undefined;
  limit?: number | undefined;
}

export interface MeetingPage {
  meetings: MeetingView[];
  nextCursor: string | null;
}

function requireReader(scope: RequestScope): void {
  if (!READERS.some((permission) => scope.claims.permissions.includes(permission)))
    throw forbidden('Requires the ce.calendar.view permission');
}

export async function getMeeting(scope: RequestScope, id: string): Promise<MeetingView> {
  requireReader(scope);
  const view = await scope.db.asTenant(scope.claims, async (tx) => {
    const rows = await findMeeting(tx, id);
    return rows ? meetingView(rows, await reminderFor(tx, id)) : undefined;
  });
  if (!view) throw notFound('Meeting');
  return view;
}

export async function listMeetings(scope: RequestScope, query: MeetingListQuery): Promise<MeetingPage> {
  requireReader(scope);
  // The query schema's x-ce-rules hold: activity_id alone, or a time_min–time_max window (≤ 62 days).
  const byActivity = query.activity_id !== undefined;
  const window = byActivity ? undefined : windowOf(query);
  // By activity: whoever organizes it (RLS shows yours, or any with view-all); else one organizer's.
  const ownerUserId = query.user_id ?? (byActivity ? undefined : scope.claims.sub);
  if (
    ownerUserId !== undefined &&
    ownerUserId !== scope.claims.sub &&
    !scope.claims.permissions.includes('ce.calendar.view-all')
  )
    throw forbidden("Requires the ce.calendar.view-all permission for other users' meetings");
  const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
  const limit = query.limit ?? DEFAULT_LIST_LIMIT;
  const { rows, reminders } = await scope.db.asTenant(scope.claims, async (tx) => {
    const rows = await listMeetingRows(tx, {
      ...(ownerUserId === undefined ? {} : { ownerUserId }),
      ...(byActivity ? { activityId: query.activity_id } : {}),
      ...(window ? { window } : {}),
      ...(after ? { after } : {}),
      limit: limit + 1,
    });
    // Reminders are the organizer's own rows (RLS): another user's stay unknown, and unshown.
    return {
      rows,
      reminders: await remindersOf(
        tx,
        rows.map((row) => row.activity.id),
      ),
    };
  });
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return {
    meetings: page.map((row) => meetingView(row, reminders.get(row.activity.id) ?? null)),
    nextCursor:
      rows.length > limit && last ? encodeCursor(last.activity.startsAt.getTime(), last.activity.id) : null,
  };
}

/** The window the schema checked (both ends given, ordered, at most 62 days apart). */
function windowOf(query: MeetingListQuery): { startMs: number; endMs: number } {
  return { startMs: Date.parse(query.time_min ?? ''), endMs: Date.parse(query.time_max ?? '') };
}

/** The position after a page: its last meeting's start and id (opaque to the client). */
function encodeCursor(startMs: number, id: string): string {
  return btoa(`${startMs}:${id}`).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
}

const CURSOR = /^(\d{1,15}):([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;

function decodeCursor(cursor: string): { startMs: number; id: string } {
  let text: string;
  try {
    text = atob(cursor.replace(/-/g, '+').replace(/_/g, '/'));
  } catch {
    text = '';
  }
  const match = CURSOR.exec(text);
  if (!match?.[1] || !match[2])
    throw validationFailed([{ field: 'cursor', message: 'is not a cursor of this query' }]);
  return { startMs: Number(match[1]), id: match[2] };
}
