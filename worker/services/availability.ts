/**
 * POST /v1/calendar/availability: slots where everyone (or any N) is free, from the mirror.
 * Busy time comes through the same leak-proof path as free/busy (`ce_free_busy_read()`); the slot
 * maths is the pure `worker/availability` core (see docs/decisions.md).
 */
import { readModuleSettings } from '../../db/queries/settings.ts';
import {
  type AvailabilityRequest,
  checkAvailabilityRequest,
  DEFAULT_WORKING_HOURS,
  type FieldError,
  findSlots,
  MINUTE_MS,
  workingWindows,
} from '../availability/index.ts';
import type { RequestScope } from '../env.ts';
import { AppError, validationFailed } from '../errors.ts';
import { busyByUser, ownerZone, readMirror, requireFreeBusyAccess } from './freebusy.ts';

export interface AvailabilityAnswer {
  time_min: string;
  time_max: string;
  time_zone: string;
  duration_minutes: number;
  slot_step_minutes: number;
  buffer_minutes: number;
  required: 'all' | number;
  slots: Array<{ start: string; end: string; free_user_ids: string[] }>;
  truncated: boolean;
}

/** The org setting only fills a missing duration, so a body is checked before any database work. */
const PLACEHOLDER_DURATION = 30;

function check(body: unknown, defaultDuration: number): AvailabilityRequest {
  const checked = checkAvailabilityRequest(body, defaultDuration);
  if (!checked.ok) throw validationFailed(checked.errors.map((e: FieldError) => ({ ...e })));
  return checked.value;
}

export async function availability(
  scope: RequestScope,
  body: unknown,
  nowMs = Date.now(),
): Promise<AvailabilityAnswer> {
  let request = check(body, PLACEHOLDER_DURATION);
  requireFreeBusyAccess(scope.claims, request.userIds);
  const needsSetting = (body as { duration_minutes?: unknown }).duration_minutes === undefined;
  // No slot in the past: the window starts now at the earliest (whole minutes).
  const start = Math.max(request.range.start, Math.ceil(nowMs / MINUTE_MS) * MINUTE_MS);
  const bufferMs = request.bufferMinutes * MINUTE_MS;
  const read = { start: start - bufferMs, end: request.range.end + bufferMs };
  const { settings, mirror } = await scope.db.asTenant(scope.claims, async (tx) => ({
    settings: needsSetting ? await readModuleSettings(tx) : null,
    mirror: await readMirror(tx, request.userIds, read),
  }));
  if (settings) request = check(body, settings.calendar_default_meeting_duration_minutes);

  const calendarsOf = (userId: string) => mirror.calendars.filter((c) => c.userId === userId);
  const missing = request.userIds.filter((id) => id !== scope.claims.sub && calendarsOf(id).length === 0);
  if (missing.length > 0) {
    throw new AppError('not_found', 'Some users have no calendar you may see', { user_ids: missing });
  }
  const answer = (slots: AvailabilityAnswer['slots'], truncated: boolean): AvailabilityAnswer => ({
    time_min: new Date(start).toISOString(),
    time_max: new Date(request.range.end).toISOString(),
    time_zone: request.timeZone,
    duration_minutes: request.durationMinutes,
    slot_step_minutes: request.slotStepMinutes,
    buffer_minutes: request.bufferMinutes,
    required: request.required,
    slots,
    truncated,
  });
  if (start >= request.range.end) return answer([], false);

  const busy = busyByUser(
    request.userIds,
    mirror.blocks,
    (id) => ownerZone(calendarsOf(id), request.timeZone),
    read,
  );
  const range = { start, end: request.range.end };
  const result = findSlots({
    range,
    timeZone: request.timeZone,
    durationMinutes: request.durationMinutes,
    bufferMinutes: request.bufferMinutes,
    slotStepMinutes: request.slotStepMinutes,
    required: request.required,
    users: request.userIds.map((id) => ({ id, busy: busy.get(id) ?? [] })),
    sharedWorking: workingWindows(range, request.timeZone, request.workingHours ?? DEFAULT_WORKING_HOURS),
  });
  return answer(
    result.slots.map((slot) => ({
      start: new Date(slot.start).toISOString(),
      end: new Date(slot.end).toISOString(),
      free_user_ids: slot.free_user_ids,
    })),
    result.truncated,
  );
}
