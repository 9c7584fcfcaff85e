/**
 * The request bodies of free/busy and availability: every limit is a zod rule here (the one place
 * they are checked), so the OpenAPI document states them and the services take the parsed values.
 */
import { z } from '@hono/zod-openapi';
import { parseClock, WEEKDAYS, type WorkingHours } from '../availability/working-hours.ts';
import { checkAfter, crossFieldRules, dateTime, minutes, timeZone, uuid } from './fields.ts';

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

/**
 * 1 to 50 user ids. Answers fold them lower-cased and without duplicates (asking twice for Sam is
 * still Sam); the limit counts the ids as sent.
 */
export const UserIds = z
  .array(uuid('a user id'), { error: 'must be a non-empty array of user ids' })
  .min(1, 'must be a non-empty array of user ids')
  .max(LIMITS.maxUsers, `must list at most ${LIMITS.maxUsers} users`)
  .transform((ids) => [...new Set(ids.map((id) => id.toLowerCase()))]);

const WINDOW = { rule: 'after', field: 'time_max', than: 'time_min', max_days: LIMITS.maxRangeDays } as const;

export const windowStart = () =>
  dateTime().openapi({ description: 'Window start, RFC 3339', example: '2026-03-02T00:00:00Z' });
export const windowEnd = () =>
  dateTime().openapi({
    description: `Window end (exclusive), after time_min, at most ${LIMITS.maxRangeDays} days later`,
    example: '2026-03-09T00:00:00Z',
  });

/** The `time_min < time_max ≤ time_min + 62 days` rule, named on `time_max`, with its `x-ce-rules` entry. */
export const windowRule = {
  rule: WINDOW,
  check: (value: { time_min: string; time_max: string }, ctx: z.RefinementCtx) =>
    checkAfter(value, WINDOW, ctx),
};

/** `HH:MM` from 00:00 to 24:00 (a start of 24:00 is refused by the ordered-ranges rule). */
const Clock = z
  .string()
  .regex(/^([01]\d|2[0-3]):[0-5]\d$|^24:00$/, { error: 'must be a time HH:MM from 00:00 to 24:00' });

const WorkingRange = z.object({ start: Clock, end: Clock }).strict();

const DayRanges = z
  .array(WorkingRange)
  .max(LIMITS.maxWorkingRangesPerDay, `must be at most ${LIMITS.maxWorkingRangesPerDay} ranges`);

/**
 * Working hours keyed by weekday (`sun` … `sat`), each an array of `{start, end}` ranges with
 * `start < end` that do not overlap; the error names the exact element (`working_hours.mon[1].end`).
 */
export const WorkingHoursSchema = z
  .object(
    Object.fromEntries(WEEKDAYS.map((day) => [day, DayRanges.optional()])) as Record<
      (typeof WEEKDAYS)[number],
      z.ZodOptional<typeof DayRanges>
    >,
  )
  .strict()
  .superRefine((hours, ctx) => {
    for (const day of WEEKDAYS) {
      // Malformed clocks were named by the Clock pattern; only well-formed ranges are compared.
      const ranges = (hours[day] ?? []).flatMap((range, index) => {
        const from = parseClock(range.start);
        const to = parseClock(range.end);
        return from === null || to === null ? [] : [{ index, from, to }];
      });
      for (const { index, from, to } of ranges) {
        if (from === 1440)
          ctx.addIssue({ code: 'custom', path: [day, index, 'start'], message: 'must be before 24:00' });
        else if (to <= from)
          ctx.addIssue({
            code: 'custom',
            path: [day, index, 'end'],
            message: 'must be after start (write overnight hours as two days)',
          });
      }
      const sorted = ranges.filter((r) => r.from < r.to).sort((a, b) => a.from - b.from);
      if (sorted.some((range, i) => i > 0 && range.from < sorted[i - 1]!.to))
        ctx.addIssue({ code: 'custom', path: [day], message: 'ranges must not overlap' });
    }
  })
  .transform((hours): WorkingHours => hours)
  .openapi({
    description:
      'Per weekday (sun … sat) HH:MM ranges in time_zone, e.g. {"mon":[{"start":"09:00","end":"17:00"}]}; each start before its end, no overlaps (an overnight shift is two days). Default Mon–Fri 09:00–17:00. Applies to every user: users\' own working hours are not stored yet',
    ...crossFieldRules({ rule: 'ordered_ranges' }),
  });

export const FreeBusyRequest = z
  .object({
    user_ids: UserIds.openapi({ description: 'Users of your organization; duplicates are folded' }),
    time_min: windowStart(),
    time_max: windowEnd(),
    time_zone: timeZone().optional().openapi({
      description:
        "IANA zone. All-day events use each user's calendar zone when known, else this zone, else UTC",
      example: 'Europe/Berlin',
    }),
    live: z.boolean({ error: 'must be true or false' }).optional().openapi({
      description: 'Ask the providers (Google freeBusy, Microsoft getSchedule) instead of the mirror',
    }),
  })
  .strict()
  .superRefine(windowRule.check)
  .openapi('FreeBusyRequest', crossFieldRules(WINDOW));

const REQUIRED = { rule: 'at_most_distinct_items_of', field: 'required', of: 'user_ids' } as const;

export const AvailabilityRequest = z
  .object({
    user_ids: UserIds.openapi({ description: 'Users of your organization; duplicates are folded' }),
    duration_minutes: minutes(LIMITS.minDurationMinutes, LIMITS.maxDurationMinutes)
      .optional()
      .openapi({ description: 'Default: the organization’s default meeting duration' }),
    time_min: windowStart().openapi({
      description: 'Window start, RFC 3339; a start in the past is moved to now',
    }),
    time_max: windowEnd(),
    time_zone: timeZone().openapi({
      description: 'IANA zone of the working hours and of slot alignment',
      example: 'America/New_York',
    }),
    working_hours: WorkingHoursSchema.nullable().optional(),
    buffer_minutes: minutes(0, LIMITS.maxBufferMinutes)
      .optional()
      .openapi({ description: 'Kept clear of busy time around each slot (default 0)' }),
    slot_step_minutes: minutes(LIMITS.minSlotStepMinutes, LIMITS.maxSlotStepMinutes).optional().openapi({
      description: 'Slots start on multiples of it on the local clock (default: the duration, at most 30)',
    }),
    required: z
      .union([z.literal('all'), z.number().int().min(1)], {
        error: 'must be "all" or a whole number from 1 to the number of user_ids',
      })
      .optional()
      .openapi({
        description:
          '"all" (default) or N, at most the number of distinct user_ids: any N of the users free (round-robin, panels)',
      }),
  })
  .strict()
  .superRefine((body, ctx) => {
    windowRule.check(body, ctx);
    if (typeof body.required === 'number' && body.required > body.user_ids.length)
      ctx.addIssue({
        code: 'custom',
        path: ['required'],
        message: `must be "all" or a whole number from 1 to the number of user_ids (${body.user_ids.length})`,
      });
  })
  .openapi('AvailabilityRequest', crossFieldRules(WINDOW, REQUIRED));
