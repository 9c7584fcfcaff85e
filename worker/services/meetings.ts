/**
 * Meeting use cases (issue 15): create, change, cancel. The request's checks and the caller's rights
 * are settled here; the write itself goes through the connection's Durable Object, the single writer
 * of that calendar (durable-objects/meetings/desk.ts), which answers with the meeting as stored.
 */
import { type ConnectionRow, findVisibleConnection } from '../../db/queries/connections.ts';
import { defaultMeetingConnection, findIdempotencyKey, findMeeting } from '../../db/queries/meetings.ts';
import type {
  MeetingInput,
  MeetingOutcome,
  MeetingPatch,
  MeetingRpcResult,
  MeetingView,
} from '../../durable-objects/meetings/types.ts';
import type { RequestScope } from '../env.ts';
import { AppError, forbidden, notFound, validationFailed } from '../errors.ts';
import { requirePermission } from '../middleware/auth.ts';
import { type ConnectionObject, identityOf, withAttachedObject } from './connection-object.ts';
import { canonicalJson, checkMeetingFields, START_IN_PAST } from './meeting-input.ts';

export interface CreateMeetingBody {
  connection_id?: string | undefined;
  title: string;
  start: string;
  duration_minutes?: number | undefined;
  time_zone: string;
  attendees: string[];
  description?: string | undefined;
  location?: string | undefined;
  conference?: boolean | undefined;
}

export interface UpdateMeetingBody {
  title?: string | undefined;
  start?: string | undefined;
  duration_minutes?: number | undefined;
  time_zone?: string | undefined;
  attendees?: string[] | undefined;
  description?: string | null | undefined;
  location?: string | null | undefined;
}

export async function createMeeting(
  scope: RequestScope,
  body: CreateMeetingBody,
  idempotencyKey: string | undefined,
): Promise<{ meeting: MeetingView; replayed: boolean }> {
  requirePermission(scope.claims, 'ce.calendar.schedule');
  const requestHash = idempotencyKey ? await sha256Hex(canonicalJson(body)) : null;
  let checked = checkMeetingFields(body, Date.now());
  // A retry of a stored request is answered with its meeting even once its start has passed: the body
  // is checked as of its start (every other field as usual), and the object replays it.
  if (
    !checked.ok &&
    idempotencyKey &&
    requestHash &&
    checked.problems.every((p) => p.field === 'start' && p.message === START_IN_PAST) &&
    (await isStoredRequest(scope, idempotencyKey, requestHash))
  )
    checked = checkMeetingFields(body, Date.parse(body.start));
  if (!checked.ok) throw validationFailed(checked.problems);
  const fields = checked.value;
  const connection = await meetingConnection(scope, body.connection_id);
  const input: MeetingInput = {
    title: fields.title ?? body.title.trim(),
    startMs: fields.startMs ?? Date.parse(body.start),
    durationMinutes: body.duration_minutes ?? null,
    timeZone: fields.timeZone ?? body.time_zone,
    attendees: fields.attendees ?? [],
    description: body.description?.trim() || null,
    location: body.location?.trim() || null,
    conference: body.conference ?? false,
    idempotency: idempotencyKey && requestHash ? { key: idempotencyKey, requestHash } : null,
  };
  const outcome = await callObject(scope, connection, (stub) =>
    stub.createMeeting(input, scope.correlationId),
  );
  return { meeting: succeeded(outcome), replayed: outcome.ok && outcome.replayed };
}

export async function updateMeeting(
  scope: RequestScope,
  id: string,
  body: UpdateMeetingBody,
): Promise<MeetingView> {
  requirePermission(scope.claims, 'ce.calendar.schedule');
  const checked = checkMeetingFields(body, Date.now());
  if (!checked.ok) throw validationFailed(checked.problems);
  const fields = checked.value;
  const patch: MeetingPatch = {
    ...(fields.title !== undefined ? { title: fields.title } : {}),
    ...(fields.startMs !== undefined ? { startMs: fields.startMs } : {}),
    ...(body.duration_minutes !== undefined ? { durationMinutes: body.duration_minutes } : {}),
    ...(fields.timeZone !== undefined ? { timeZone: fields.timeZone } : {}),
    ...(fields.attendees !== undefined ? { attendees: fields.attendees } : {}),
    ...(body.description !== undefined ? { description: body.description?.trim() || null } : {}),
    ...(body.location !== undefined ? { location: body.location?.trim() || null } : {}),
  };
  const connection = await ownMeetingConnection(scope, id);
  const outcome = await callObject(scope, connection, (stub) =>
    stub.updateMeeting(id, patch, scope.correlationId),
  );
  return succeeded(outcome);
}

export async function cancelMeeting(scope: RequestScope, id: string): Promise<MeetingView> {
  requirePermission(scope.claims, 'ce.calendar.schedule');
  const connection = await ownMeetingConnection(scope, id);
  const outcome = await callObject(scope, connection, (stub) => stub.cancelMeeting(id, scope.correlationId));
  return succeeded(outcome);
}

/** Whether this key already holds this very request (the caller's own key; RLS hides others'). */
async function isStoredRequest(scope: RequestScope, key: string, requestHash: string): Promise<boolean> {
  const stored = await scope.db.asTenant(scope.claims, (tx) => findIdempotencyKey(tx, key));
  return stored?.requestHash === requestHash;
}

/** The named connection (own only: a colleague's visible one is 403, anything else 404), or the default. */
async function meetingConnection(
  scope: RequestScope,
  connectionId: string | undefined,
): Promise<ConnectionRow> {
  const { db, claims } = scope;
  if (connectionId === undefined) {
    const own = await db.asTenant(claims, (tx) => defaultMeetingConnection(tx, claims.sub));
    if (!own)
      throw new AppError(
        'unprocessable',
        'Connect a calendar first: no calendar connection can take the meeting',
        {
          fields: [{ field: 'connection_id', message: 'no usable calendar connection of yours' }],
        },
      );
    return own;
  }
  const connection = await db.asTenant(claims, (tx) => findVisibleConnection(tx, connectionId));
  if (!connection) throw notFound('Connection');
  if (connection.userId !== claims.sub)
    throw forbidden('Meetings can only be scheduled on your own calendar');
  return connection;
}

/** The meeting's calendar, when the caller owns the meeting (a colleague's visible one is 403). */
async function ownMeetingConnection(scope: RequestScope, id: string): Promise<ConnectionRow> {
  const { db, claims } = scope;
  const found = await db.asTenant(claims, async (tx) => {
    const rows = await findMeeting(tx, id);
    if (!rows) return undefined;
    const connectionId = rows.activity.connectionId;
    const connection = connectionId ? await findVisibleConnection(tx, connectionId) : undefined;
    return { activity: rows.activity, connection };
  });
  if (!found) throw notFound('Meeting');
  if (found.activity.ownerUserId !== claims.sub) throw forbidden('Only the organizer can change a meeting');
  if (!found.connection)
    throw new AppError('conflict', 'The calendar of this meeting was disconnected', {
      reason: 'disconnected',
    });
  return found.connection;
}

async function callObject(
  scope: RequestScope,
  connection: ConnectionRow,
  rpc: (stub: ConnectionObject) => Promise<MeetingRpcResult>,
): Promise<MeetingOutcome> {
  const result = await withAttachedObject(
    scope.env,
    connection.id,
    scope.correlationId,
    rpc,
    (r) => !r.attached,
    () => identityOf(connection),
  );
  if (!result.attached) throw new AppError('unavailable', 'The calendar connection is not ready; retry');
  const { attached: _attached, ...outcome } = result;
  return outcome;
}

function succeeded(outcome: MeetingOutcome): MeetingView {
  if (outcome.ok) return outcome.meeting;
  switch (outcome.reason) {
    case 'idempotency_conflict':
      return raise(new AppError('conflict', outcome.message, { reason: 'idempotency_key_reused' }));
    case 'not_found':
      return raise(notFound('Meeting'));
    case 'cancelled':
      return raise(new AppError('conflict', outcome.message, { reason: 'cancelled' }));
    case 'reconnect_required':
      return raise(new AppError('conflict', outcome.message, { reason: 'reconnect_required' }));
    case 'provider_rejected':
      return raise(new AppError('provider_failed', outcome.message));
  }
}

function raise(error: AppError): never {
  throw error;
}

async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}
