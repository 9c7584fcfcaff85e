/**
 * The meeting API's checks beyond types (issue 15), pure: a start not in the past (beyond a small
 * tolerance), a known zone, duration 15–480, at most `MAX_ATTENDEES` distinct, well-formed
 * addresses. Each problem names its field; no message repeats an address.
 */
import { checkTimeZone } from '../availability/validation.ts';
import type { FieldProblem } from '../errors.ts';

/** A start this far in the past is accepted (clock skew, a form submitted a moment late). */
export const START_TOLERANCE_MS = 5 * 60_000;
/** The one problem a replay of a stored request may have: time passed since it was first sent. */
export const START_IN_PAST = 'must not be in the past';
/** Meetings further ahead than this are refused (a typo in the year, not a plan). */
export const MAX_START_AHEAD_MS = 3 * 366 * 86_400_000;
export const MIN_DURATION_MINUTES = 15;
export const MAX_DURATION_MINUTES = 480;
/** Above Google's practical invitation sizes for a CRM meeting; larger lists are mailing lists. */
export const MAX_ATTENDEES = 100;
export const MAX_TITLE_LENGTH = 200;
export const MAX_DESCRIPTION_LENGTH = 8000;
export const MAX_LOCATION_LENGTH = 500;

/** Pragmatic address check: one @, a dotted domain, no spaces or angle brackets. */
const EMAIL =
  /^[^\s@<>()[\]\\,;:"]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/;

export interface RawMeetingFields {
  title?: string | undefined;
  start?: string | undefined;
  duration_minutes?: number | undefined;
  time_zone?: string | undefined;
  attendees?: string[] | undefined;
}

export interface CheckedMeetingFields {
  title?: string;
  startMs?: number;
  durationMinutes?: number;
  timeZone?: string;
  attendees?: string[];
}

export type MeetingFieldsCheck =
  | { ok: true; value: CheckedMeetingFields }
  | { ok: false; problems: FieldProblem[] };

/** Checks the fields present (PATCH sends some, POST all required ones). */
export function checkMeetingFields(input: RawMeetingFields, nowMs: number): MeetingFieldsCheck {
  const problems: FieldProblem[] = [];
  const value: CheckedMeetingFields = {};
  if (input.title !== undefined) {
    const title = input.title.trim();
    if (title.length === 0) problems.push({ field: 'title', message: 'must not be empty' });
    else if (title.length > MAX_TITLE_LENGTH)
      problems.push({ field: 'title', message: `must be at most ${MAX_TITLE_LENGTH} characters` });
    else value.title = title;
  }
  if (input.start !== undefined) {
    const startMs = parseInstant(input.start);
    if (startMs === undefined)
      problems.push({
        field: 'start',
        message: 'must be an ISO 8601 date-time with an offset, e.g. 2026-03-02T09:00:00Z',
      });
    else if (startMs < nowMs - START_TOLERANCE_MS) problems.push({ field: 'start', message: START_IN_PAST });
    else if (startMs > nowMs + MAX_START_AHEAD_MS)
      problems.push({ field: 'start', message: 'must be within the next three years' });
    else value.startMs = startMs;
  }
  if (input.duration_minutes !== undefined) {
    const d = input.duration_minutes;
    if (!Number.isInteger(d) || d < MIN_DURATION_MINUTES || d > MAX_DURATION_MINUTES)
      problems.push({
        field: 'duration_minutes',
        message: `must be a whole number from ${MIN_DURATION_MINUTES} to ${MAX_DURATION_MINUTES}`,
      });
    else value.durationMinutes = d;
  }
  if (input.time_zone !== undefined) {
    const zone = checkTimeZone(input.time_zone);
    if (zone.ok) value.timeZone = zone.value;
    else problems.push(zone.error);
  }
  if (input.attendees !== undefined) {
    const checked = checkAttendees(input.attendees);
    if (checked.ok) value.attendees = checked.value;
    else problems.push(...checked.problems);
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, value };
}

function checkAttendees(
  list: readonly string[],
): { ok: true; value: string[] } | { ok: false; problems: FieldProblem[] } {
  if (list.length > MAX_ATTENDEES)
    return {
      ok: false,
      problems: [{ field: 'attendees', message: `must list at most ${MAX_ATTENDEES} attendees` }],
    };
  const problems: FieldProblem[] = [];
  const seen = new Set<string>();
  const value: string[] = [];
  list.forEach((raw, index) => {
    const email = raw.trim();
    if (email.length > 254 || !EMAIL.test(email)) {
      problems.push({ field: `attendees.${index}`, message: 'is not a valid email address' });
      return;
    }
    const key = email.toLowerCase();
    if (seen.has(key)) return; // the same person once
    seen.add(key);
    value.push(email);
  });
  return problems.length > 0 ? { ok: false, problems } : { ok: true, value };
}

/** An RFC 3339 instant: date, time and an explicit offset (a bare local time is ambiguous). */
function parseInstant(text: string): number | undefined {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/i.test(text))
    return undefined;
  const ms = Date.parse(text);
  return Number.isFinite(ms) ? ms : undefined;
}

/** A stable text of a request body: keys sorted at every level (the Idempotency-Key's hash input). */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
