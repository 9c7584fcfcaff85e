/**
 * Zod building blocks for request fields, so each rule the API enforces is written once and shows
 * in the OpenAPI document (format, pattern, min/max) instead of only in a description or a service.
 * Rules that tie two fields together cannot be JSON Schema keywords: they are checked by the
 * object's `superRefine` and listed in its `x-ce-rules` extension (see `CrossFieldRule`), which the
 * schema-driven test reads to build valid requests.
 */
import { z } from '@hono/zod-openapi';
import { isKnownTimeZone, zoneAsWritten } from '../time/zone.ts';

/**
 * Control characters other than tab, line feed and carriage return (U+0000–U+0008, U+000B, U+000C,
 * U+000E–U+001F, U+007F). The `rejectControlCharacters` middleware refuses them in every string
 * and key of a body or query before validation; text fields also carry this pattern so the document
 * says it.
 */
export const NO_CONTROL_CHARACTERS = '^[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f]*$';
const noControlCharacters = new RegExp(NO_CONTROL_CHARACTERS);

/** Free text up to `max` characters (no control characters except tab and line breaks). */
export const text = (max: number) =>
  z.string().max(max, `must be at most ${max} characters`).regex(noControlCharacters, {
    error: 'must not contain control characters',
  });

/** One pattern (JSON Schema holds one per string): something besides white space, no control characters. */
const nonBlank = new RegExp(`^(?=[\\s\\S]*\\S)${NO_CONTROL_CHARACTERS.slice(1)}`);

/**
 * Text that is not blank. Surrounding white space is trimmed before the length check, so the
 * pattern (at least one non-space character) is what makes `"  "` a 400 in the document too.
 */
export const nonBlankText = (max: number) =>
  z
    .string()
    .regex(nonBlank, { error: 'is required and must not contain control characters' })
    .trim()
    .max(max, `must be at most ${max} characters`);

/**
 * A UUID as zod checks it (RFC 9562: version 1–8, variant 10xx, or the nil/max UUID). The pattern
 * is in the document too: `format: uuid` alone lets generators send ids zod refuses.
 */
export const uuid = (what: string) =>
  z.uuid({ error: `must be ${what} (uuid)` }).openapi({ pattern: z.regexes.uuid().source });

/** RFC 3339 date-time with `Z` or an offset (`2026-03-02T09:00:00+01:00`); a bare local time is refused. */
export const dateTime = () =>
  z.iso.datetime({
    offset: true,
    error: 'must be an RFC 3339 date-time with Z or an offset, e.g. 2026-03-02T09:00:00Z',
  });

/** IANA names only: letters, digits, `_ - + /` (so `Etc/GMT+5` passes, `+01:00` does not). */
export const TIME_ZONE_PATTERN = '^[A-Za-z][A-Za-z0-9_+\\-/]{0,63}$';
const timeZonePattern = new RegExp(TIME_ZONE_PATTERN);

/**
 * An IANA zone name, kept as the caller wrote it (`Europe/Kyiv` stays `Europe/Kyiv`, not the
 * legacy alias `Europe/Kiev` that ICU canonicalizes it to; only the letter case is corrected). The examples are zones the fuzz test
 * may pick: a pattern alone cannot say which names exist.
 */
export const timeZone = () =>
  z
    .string()
    .regex(timeZonePattern, { error: 'must be an IANA time zone name such as Europe/Berlin' })
    .refine(isKnownTimeZone, { error: 'is not a known IANA time zone' })
    // Runs even after a failed check above (zod goes on to report every problem): unknown names stay.
    .overwrite((name) => (isKnownTimeZone(name) ? zoneAsWritten(name) : name))
    .openapi({
      description: 'IANA time zone name (case as in the tz database)',
      examples: ['Europe/Berlin', 'America/New_York', 'Asia/Kolkata', 'Europe/Kyiv', 'UTC'],
    });

/** A whole number of minutes from `min` to `max`. */
export const minutes = (min: number, max: number) =>
  z
    .number({ error: 'must be a number of minutes' })
    .int('must be a whole number of minutes')
    .min(min, `must be at least ${min}`)
    .max(max, `must be at most ${max}`);

/** An email address (the HTML form rule zod calls `html5Email`: what browsers and providers accept). */
export const email = (max = 320) =>
  z.email({ pattern: z.regexes.html5Email, error: 'must be an email address' }).max(max);

/**
 * A rule between fields of one object, machine-readable in the document under `x-ce-rules`:
 * - `after`: `field` is a date-time after `than`, at most `max_days` later;
 * - `at_most_distinct_items_of`: the number `field` is at most the count of distinct items of `of`;
 * - `ordered_ranges`: in each array property of the object, every `{start, end}` (`HH:MM`) has
 *   `start < end`, and the ranges of one array do not overlap;
 * - `within_now`: `field`, a date-time, is at most `past_minutes` before the moment the request
 *   arrives and at most `future_days` after it (a rule of the clock, so no JSON Schema keyword);
 * - `one_of`: exactly one of `groups` is given, all of its fields, and no field of another group.
 */
export type CrossFieldRule =
  | { rule: 'after'; field: string; than: string; max_days: number }
  | { rule: 'at_most_distinct_items_of'; field: string; of: string }
  | { rule: 'ordered_ranges' }
  | { rule: 'within_now'; field: string; past_minutes: number; future_days: number }
  | { rule: 'one_of'; groups: string[][] };

export const CROSS_FIELD_RULES = 'x-ce-rules';

/** The `x-ce-rules` metadata of an object schema. */
export const crossFieldRules = (...rules: CrossFieldRule[]) => ({ [CROSS_FIELD_RULES]: rules });

const DAY_MS = 86_400_000;

/** The `after` rule as a refinement: names `than` when unparseable is impossible (dateTime() ran). */
export function checkAfter(
  value: Record<string, unknown>,
  rule: Extract<CrossFieldRule, { rule: 'after' }>,
  ctx: z.RefinementCtx,
): void {
  const start = Date.parse(String(value[rule.than]));
  const end = Date.parse(String(value[rule.field]));
  if (!Number.isFinite(start) || !Number.isFinite(end)) return; // the field's own check named it
  if (end <= start)
    ctx.addIssue({ code: 'custom', path: [rule.field], message: `must be after ${rule.than}` });
  else if (end - start > rule.max_days * DAY_MS)
    ctx.addIssue({
      code: 'custom',
      path: [rule.field],
      message: `must be at most ${rule.max_days} days after ${rule.than}`,
    });
}

/**
 * The `one_of` rule as a refinement. Two groups given: the first given group's first field is named
 * (`activity_id: must not be combined with time_min/time_max`). A group given in part, or none (the
 * last group is then the default): each missing field of it is named as required.
 */
export function checkOneOf(
  value: Record<string, unknown>,
  rule: Extract<CrossFieldRule, { rule: 'one_of' }>,
  ctx: z.RefinementCtx,
): void {
  const given = rule.groups.filter((group) => group.some((field) => value[field] !== undefined));
  const [first, second] = given;
  if (first && second) {
    ctx.addIssue({
      code: 'custom',
      path: [first[0] ?? ''],
      message: `must not be combined with ${given.slice(1).flat().join('/')}`,
    });
    return;
  }
  const chosen = first ?? rule.groups[rule.groups.length - 1] ?? [];
  const others = rule.groups.filter((group) => group !== chosen).flat();
  for (const field of chosen)
    if (value[field] === undefined)
      ctx.addIssue({
        code: 'custom',
        path: [field],
        message: `is required unless ${others.join(' or ')} is given`,
      });
}

export const FROM_RESPONSE = 'x-ce-from-response';

/**
 * Marks an opaque parameter whose only valid values are ones the API handed out (a page cursor):
 * `x-ce-from-response` names the response field to copy it from. Any other value is a 400.
 */
export const fromResponse = (field: string) => ({ param: { [FROM_RESPONSE]: field } });

export const SAME_ORIGIN = 'x-ce-same-origin';

/** Marks a URL field that must resolve to this API's own origin (PUBLIC_BASE_URL). */
export const sameOrigin = () => ({ [SAME_ORIGIN]: true });

/** A paged query's `cursor` (the previous page's `next_cursor`) and `limit` (1..max, default as given). */
export const pageFields = (max: number, defaultSize: number) => ({
  cursor: z
    .string()
    .max(512, 'is not a cursor of this query')
    .optional()
    .openapi({ description: 'next_cursor of the previous page', ...fromResponse('next_cursor') }),
  limit: z.coerce
    .number({ error: 'must be a number' })
    .int('must be a whole number')
    .min(1, 'must be at least 1')
    .max(max, `must be at most ${max}`)
    .optional()
    .openapi({ description: `Page size (default ${defaultSize})` }),
});
