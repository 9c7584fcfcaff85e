/**
 * Checks of free/busy and availability request fields, for the routes to turn into a 400 that
 * names the field. Each returns the normalised value or the field and a message safe to show
 * (it never echoes the value back, so a pasted token or email cannot reach a response or log).
 */
import { isKnownTimeZone, zoneAsWritten } from '../time/zone.ts';
import { DAY_MS, type Instant, toMs } from './intervals.ts';
import { defaultSlotStep } from './slots.ts';
import { parseClock, WEEKDAYS, type WorkingHours } from './working-hours.ts';

export const LIMITS = Object.freeze({
  maxUsers: 50,
  maxRangeDays: 62,
  minDurationMinutes: 15,
  maxDurationMinutes: 480,
  maxBufferMinutes: 240,
  minSlotStepMinutes: 5,
  maxSlotStepMinutes: 240,
  maxWorkingRangesPerDay: 6,
});

export interface FieldError {
  readonly field: string;
  readonly message: string;
}

export type Checked<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: FieldError };

const ok = <T>(value: T): Checked<T> => ({ ok: true, value });
const fail = (field: string, message: string): Checked<never> => ({ ok: false, error: { field, message } });

/** IANA names only: letters, digits, `_ - + /` (so `Etc/GMT+5` passes, `+01:00` does not). */
const ZONE_NAME_PATTERN = /^[A-Za-z][A-Za-z0-9_+\-/]{0,63}$/;

/** An IANA zone the runtime knows, spelled as the caller wrote it (worker/time/zone.ts `zoneAsWritten`). */
export function checkTimeZone(value: unknown, field = 'time_zone'): Checked<string> {
  if (typeof value !== 'string' || !ZONE_NAME_PATTERN.test(value)) {
    return fail(field, 'must be an IANA time zone name such as Europe/Berlin');
  }
  if (!isKnownTimeZone(value)) return fail(field, 'is not a known IANA time zone');
  return ok(zoneAsWritten(value));
}

function checkIntegerIn(value: unknown, field: string, min: number, max: number): Checked<number> {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    return fail(field, `must be a whole number from ${min} to ${max}`);
  }
  return ok(value);
}

export function checkDuration(value: unknown, field = 'duration_minutes'): Checked<number> {
  return checkIntegerIn(value, field, LIMITS.minDurationMinutes, LIMITS.maxDurationMinutes);
}

export function checkBuffer(value: unknown, field = 'buffer_minutes'): Checked<number> {
  return checkIntegerIn(value, field, 0, LIMITS.maxBufferMinutes);
}

export function checkSlotStep(value: unknown, field = 'slot_step_minutes'): Checked<number> {
  return checkIntegerIn(value, field, LIMITS.minSlotStepMinutes, LIMITS.maxSlotStepMinutes);
}

/** `'all'` or a number of users from 1 to the number of users asked about. */
export function checkRequired(
  value: unknown,
  userCount: number,
  field = 'required',
): Checked<'all' | number> {
  if (value === 'all') return ok('all');
  if (typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= userCount)
    return ok(value);
  return fail(field, `must be "all" or a whole number from 1 to the number of user_ids (${userCount})`);
}

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** 1 to 50 UUIDs, lower-cased, duplicates removed (asking twice for Sam is still Sam). */
export function checkUserIds(value: unknown, field = 'user_ids'): Checked<string[]> {
  if (!Array.isArray(value) || value.length === 0)
    return fail(field, 'must be a non-empty array of user ids');
  const ids: string[] = [];
  for (const [index, id] of value.entries()) {
    if (typeof id !== 'string' || !UUID_PATTERN.test(id)) return fail(`${field}[${index}]`, 'must be a UUID');
    const normalised = id.toLowerCase();
    if (!ids.includes(normalised)) ids.push(normalised);
  }
  if (ids.length > LIMITS.maxUsers) return fail(field, `must list at most ${LIMITS.maxUsers} users`);
  return ok(ids);
}

/**
 * `timeMin < timeMax` and at most 62 days apart. The error names `time_max` when the window is
 * inverted or too long (the start is taken as the anchor), `time_min`/`time_max` when unparseable.
 */
export function checkTimeRange(
  timeMin: Instant | string,
  timeMax: Instant | string,
  fields = { min: 'time_min', max: 'time_max' },
): Checked<{ start: number; end: number }> {
  const start = typeof timeMin === 'string' ? Date.parse(timeMin) : toMs(timeMin);
  const end = typeof timeMax === 'string' ? Date.parse(timeMax) : toMs(timeMax);
  if (!Number.isFinite(start)) return fail(fields.min, 'must be an ISO 8601 date-time');
  if (!Number.isFinite(end)) return fail(fields.max, 'must be an ISO 8601 date-time');
  if (end <= start) return fail(fields.max, `must be after ${fields.min}`);
  if (end - start > LIMITS.maxRangeDays * DAY_MS) {
    return fail(fields.max, `must be at most ${LIMITS.maxRangeDays} days after ${fields.min}`);
  }
  return ok({ start, end });
}

/**
 * Working hours: an object keyed by `sun`…`sat`, each an array of `{start, end}` `HH:MM` ranges
 * (`end` up to `24:00`, `start < end`, ranges of a day not overlapping). Names the exact element,
 * e.g. `working_hours.mon[1].end`.
 */
export function checkWorkingHours(value: unknown, field = 'working_hours'): Checked<WorkingHours> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return fail(field, 'must be an object keyed by weekday (sun … sat)');
  }
  const hours: Partial<Record<(typeof WEEKDAYS)[number], { start: string; end: string }[]>> = {};
  for (const [key, ranges] of Object.entries(value)) {
    const day = WEEKDAYS.find((weekday) => weekday === key);
    // The unknown key is not echoed: it is caller text and could be anything.
    if (!day) return fail(field, 'has a key that is not a weekday (sun … sat)');
    if (!Array.isArray(ranges) || ranges.length > LIMITS.maxWorkingRangesPerDay) {
      return fail(`${field}.${day}`, `must be an array of at most ${LIMITS.maxWorkingRangesPerDay} ranges`);
    }
    const parsed: { start: string; end: string; from: number; to: number }[] = [];
    for (const [index, range] of ranges.entries()) {
      const at = `${field}.${day}[${index}]`;
      if (typeof range !== 'object' || range === null) return fail(at, 'must be {start, end}');
      const { start, end } = range as { start?: unknown; end?: unknown };
      const from = typeof start === 'string' ? parseClock(start) : null;
      if (from === null || from === 1440)
        return fail(`${at}.start`, 'must be a time HH:MM from 00:00 to 23:59');
      const to = typeof end === 'string' ? parseClock(end) : null;
      if (to === null) return fail(`${at}.end`, 'must be a time HH:MM from 00:01 to 24:00');
      if (to <= from) return fail(`${at}.end`, 'must be after start (write overnight hours as two days)');
      parsed.push({ start: start as string, end: end as string, from, to });
    }
    parsed.sort((a, b) => a.from - b.from);
    for (let index = 1; index < parsed.length; index++) {
      if (parsed[index]!.from < parsed[index - 1]!.to)
        return fail(`${field}.${day}`, 'ranges must not overlap');
    }
    hours[day] = parsed.map(({ start, end }) => ({ start, end }));
  }
  return ok(hours);
}

/** A checked request body, or every wrong field (the route answers 400 with the list). */
export type CheckedRequest<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly errors: FieldError[] };

/** A checked `POST /v1/calendar/freebusy` body. */
export interface FreeBusyRequest {
  readonly userIds: string[];
  readonly range: { start: number; end: number };
  readonly timeZone: string | null;
  /** Ask the providers instead of the mirror. */
  readonly live: boolean;
}

/** A checked `POST /v1/calendar/availability` body, defaults filled in. */
export interface AvailabilityRequest {
  readonly userIds: string[];
  readonly range: { start: number; end: number };
  readonly timeZone: string;
  readonly durationMinutes: number;
  readonly bufferMinutes: number;
  readonly slotStepMinutes: number;
  readonly required: 'all' | number;
  readonly workingHours: WorkingHours | null;
}

function field<T>(checked: Checked<T>, errors: FieldError[]): T | undefined {
  if (checked.ok) return checked.value;
  errors.push(checked.error);
  return undefined;
}

function asRecord(body: unknown): Record<string, unknown> | null {
  return typeof body === 'object' && body !== null && !Array.isArray(body)
    ? (body as Record<string, unknown>)
    : null;
}

/** Checks a free/busy body; every wrong field is reported, in body order. */
export function checkFreeBusyRequest(body: unknown): CheckedRequest<FreeBusyRequest> {
  const record = asRecord(body);
  if (!record) return failAll([{ field: 'body', message: 'must be a JSON object' }]);
  const errors: FieldError[] = [];
  const userIds = field(checkUserIds(record.user_ids), errors);
  const range = field(checkTimeRange(asTime(record.time_min), asTime(record.time_max)), errors);
  const timeZone = record.time_zone === undefined ? null : field(checkTimeZone(record.time_zone), errors);
  const live = record.live ?? false;
  if (typeof live !== 'boolean') errors.push({ field: 'live', message: 'must be true or false' });
  if (errors.length > 0 || !userIds || !range || timeZone === undefined || typeof live !== 'boolean') {
    return failAll(errors);
  }
  return { ok: true, value: { userIds, range, timeZone, live } };
}

/**
 * Checks an availability body. `defaultDurationMinutes` is the organization's setting; the step
 * defaults to `defaultSlotStep(duration)`, the buffer to 0, `required` to `'all'`.
 */
export function checkAvailabilityRequest(
  body: unknown,
  defaultDurationMinutes: number,
): CheckedRequest<AvailabilityRequest> {
  const record = asRecord(body);
  if (!record) return failAll([{ field: 'body', message: 'must be a JSON object' }]);
  const errors: FieldError[] = [];
  const userIds = field(checkUserIds(record.user_ids), errors);
  const durationMinutes = field(checkDuration(record.duration_minutes ?? defaultDurationMinutes), errors);
  const range = field(checkTimeRange(asTime(record.time_min), asTime(record.time_max)), errors);
  const timeZone = field(checkTimeZone(record.time_zone), errors);
  const workingHours =
    record.working_hours === undefined || record.working_hours === null
      ? null
      : field(checkWorkingHours(record.working_hours), errors);
  const bufferMinutes = field(checkBuffer(record.buffer_minutes ?? 0), errors);
  const slotStepMinutes = field(
    checkSlotStep(record.slot_step_minutes ?? defaultSlotStep(durationMinutes ?? LIMITS.minDurationMinutes)),
    errors,
  );
  const required = field(checkRequired(record.required ?? 'all', userIds?.length ?? LIMITS.maxUsers), errors);
  if (
    errors.length > 0 ||
    !userIds ||
    !range ||
    !timeZone ||
    durationMinutes === undefined ||
    bufferMinutes === undefined ||
    slotStepMinutes === undefined ||
    required === undefined ||
    workingHours === undefined
  ) {
    return failAll(errors);
  }
  return {
    ok: true,
    value: {
      userIds,
      range,
      timeZone,
      durationMinutes,
      bufferMinutes,
      slotStepMinutes,
      required,
      workingHours,
    },
  };
}

/** Times arrive as ISO strings; anything else is reported as unparseable. */
function asTime(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function failAll(errors: FieldError[]): { ok: false; errors: FieldError[] } {
  return { ok: false, errors };
}
