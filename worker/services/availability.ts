/**
 * POST /v1/calendar/availability: slots where everyone (or any N) is free, from the mirror.
 * Busy time comes through the same leak-proof path as free/busy (`ce_free_busy_read()`); the slot
 * maths is the pure `worker/availability` core (see docs/decisions.md).
 */
import { DEFAULT_MODULE_SETTINGS, readModuleSettings } from '../../db/queries/settings.ts';
import {
  DEFAULT_WORKING_HOURS,
  defaultSlotStep,
  findSlots,
  MINUTE_MS,
  type WorkingHours,
  workingWindows,
} from '../availability/index.ts';
import type { RequestScope } from '../env.ts';
import { AppError } from '../errors.ts';
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

/** The body as the route's schema left it (worker/routes/availability-fields.ts): checked, zone as sent. */
export interface AvailabilityBody {
  user_ids: string[];
  time_min: string;
  time_max: string;
  time_zone: string;
  duration_minutes?: number | undefined;
  buffer_minutes?: number | undefined;
  slot_step_minutes?: number | undefined;
  required?: 'all' | number | undefined;
  working_hours?: WorkingHours | null | undefined;
}

/** An availability request with its defaults filled in. */
interface AvailabilityRequest {
  readonly userIds: string[];
  readonly range: { start: number; end: number };
  readonly timeZone: string;
  readonly durationMinutes: number;
  readonly bufferMinutes: number;
  readonly slotStepMinutes: number;
  readonly required: 'all' | number;
  readonly workingHours: WorkingHours | null;
}

/** Defaults: the organization's duration, a step of the duration up to 30, no buffer, everyone required. */
function withDefaults(body: AvailabilityBody, defaultDuration: number): AvailabilityRequest {
  const durationMinutes = body.duration_minutes ?? defaultDuration;
  return {
    userIds: body.user_ids,
    range: { start: Date.parse(body.time_min), end: Date.parse(body.time_max) },
    timeZone: body.time_zone,
    durationMinutes,
    bufferMinutes: body.buffer_minutes ?? 0,
    slotStepMinutes: body.slot_step_minutes ?? defaultSlotStep(durationMinutes),
    required: body.required ?? 'all',
    workingHours: body.working_hours ?? null,
  };
}

/** The body was checked by the route's schema (worker/routes/availability-fields.ts). */
export async function availability(
  scope: RequestScope,
  body: AvailabilityBody,
  nowMs = Date.now(),
): Promise<AvailabilityAnswer> {
  requireFreeBusyAccess(scope.claims, body.user_ids);
  const needsSetting = body.duration_minutes === undefined;
  const window = { start: Date.parse(body.time_min), end: Date.parse(body.time_max) };
  // No slot in the past: the window starts now at the earliest (whole minutes).
  const start = Math.max(window.start, Math.ceil(nowMs / MINUTE_MS) * MINUTE_MS);
  const bufferMs = (body.buffer_minutes ?? 0) * MINUTE_MS;
  const read = { start: start - bufferMs, end: window.end + bufferMs };
  const { settings, mirror } = await scope.db.asTenant(scope.claims, async (tx) => ({
    settings: needsSetting ? await readModuleSettings(tx) : null,
    mirror: await readMirror(tx, body.user_ids, read),
  }));
  const request = withDefaults(
    body,
    (settings ?? DEFAULT_MODULE_SETTINGS).calendar_default_meeting_duration_minutes,
  );

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
