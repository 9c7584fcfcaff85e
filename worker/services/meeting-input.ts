/**
 * The meeting API's limits and the checks no JSON Schema keyword can say (issue 15, issue 20 §3).
 * The limits are enforced by the zod schemas (worker/routes/meeting-schemas.ts), which import them
 * from here; what is left here is pure: a start not in the past (beyond a small tolerance) nor too
 * far ahead (a rule of the clock the document lists as `within_now`), titles trimmed, addresses folded, and the zone spelled as the caller wrote it. Each
 * problem names its field; no message repeats an address.
 */
import type { FieldProblem } from '../errors.ts';
import { zoneAsWritten } from '../time/zone.ts';

/**
 * The start's window around the moment a request arrives, as the document states it (`x-ce-rules`
 * of the meeting bodies): 5 minutes in the past are accepted (clock skew, a form submitted a moment
 * late); more than three years ahead is refused (a typo in the year, not a plan). Checked here, not
 * in the schema, because a retry of a stored Idempotency-Key request is exempt (see services/meetings.ts).
 */
export const START_WINDOW = {
  rule: 'within_now',
  field: 'start',
  past_minutes: 5,
  future_days: 3 * 366,
} as const;
export const START_TOLERANCE_MS = START_WINDOW.past_minutes * 60_000;
/** The one problem a replay of a stored request may have: time passed since it was first sent. */
export const START_IN_PAST = 'must not be in the past';
export const MAX_START_AHEAD_MS = START_WINDOW.future_days * 86_400_000;
export const MIN_DURATION_MINUTES = 15;
export const MAX_DURATION_MINUTES = 480;
/** Above Google's practical invitation sizes for a CRM meeting; larger lists are mailing lists. */
export const MAX_ATTENDEES = 100;
export const MAX_TITLE_LENGTH = 200;
export const MAX_DESCRIPTION_LENGTH = 8000;
export const MAX_LOCATION_LENGTH = 500;
export const MAX_EMAIL_LENGTH = 254;
/** Page size of the meeting list. */
export const DEFAULT_LIST_LIMIT = 50;
export const MAX_LIST_LIMIT = 200;

/** Control characters (refused in every string by middleware/text-input.ts), as a class body. */
const CONTROL = '\\u0000-\\u001f\\u007f';
/**
 * Pragmatic address check: one @, a dotted domain, no spaces, angle brackets or control characters
 * (what both providers accept as an invitee; the schema publishes this pattern).
 */
export const MEETING_EMAIL_PATTERN = new RegExp(
  `^[^\\s@<>()[\\]\\\\,;:"${CONTROL}]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$`,
);

export interface RawMeetingFields {
  title?: string | undefined;
  start?: string | undefined;
  time_zone?: string | undefined;
  attendees?: string[] | undefined;
}

export interface CheckedMeetingFields {
  title?: string;
  startMs?: number;
  timeZone?: string;
  attendees?: string[];
}

export type MeetingFieldsCheck =
  | { ok: true; value: CheckedMeetingFields }
  | { ok: false; problems: FieldProblem[] };

/** The fields present (PATCH sends some, POST all required ones), already valid by their schema. */
export function checkMeetingFields(input: RawMeetingFields, nowMs: number): MeetingFieldsCheck {
  const problems: FieldProblem[] = [];
  const value: CheckedMeetingFields = {};
  if (input.title !== undefined) value.title = input.title.trim();
  if (input.start !== undefined) {
    const startMs = Date.parse(input.start);
    if (startMs < nowMs - START_TOLERANCE_MS) problems.push({ field: 'start', message: START_IN_PAST });
    else if (startMs > nowMs + MAX_START_AHEAD_MS)
      problems.push({ field: 'start', message: 'must be within the next three years' });
    else value.startMs = startMs;
  }
  if (input.time_zone !== undefined) value.timeZone = zoneAsWritten(input.time_zone);
  if (input.attendees !== undefined) value.attendees = distinctAddresses(input.attendees);
  return problems.length > 0 ? { ok: false, problems } : { ok: true, value };
}

/** The same person once: the first spelling of an address wins, any case. */
function distinctAddresses(list: readonly string[]): string[] {
  const seen = new Set<string>();
  return list.filter((email) => {
    const key = email.toLowerCase();
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
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
