/**
 * Request rules of free/busy, availability and events, all in the zod schemas (the one validation
 * path): each bad field is named the way the 400 names it, nothing throws, no value is echoed.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import {
  AvailabilityRequest,
  FreeBusyRequest,
  LIMITS,
  WorkingHoursSchema,
} from '../../worker/routes/availability-fields.ts';
import { fieldProblems } from '../../worker/routes/field-problems.ts';
import { offsetSegments } from '../../worker/time/zone.ts';

const uuid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

const good = {
  user_ids: [uuid(1), uuid(2), uuid(3)],
  time_min: '2026-03-02T00:00:00Z',
  time_max: '2026-03-09T00:00:00Z',
  time_zone: 'America/New_York',
};

/** The fields a 400 would name for `body`, or [] when it is accepted. */
function named(schema: z.ZodType, body: unknown): string[] {
  const parsed = schema.safeParse(body);
  return parsed.success ? [] : fieldProblems(parsed.error).map((p) => p.field);
}

describe('field rules', () => {
  it('time zones: IANA names the runtime knows, kept as written', () => {
    for (const zone of ['Europe/Berlin', 'UTC', 'Etc/GMT+5', 'Europe/Kyiv', 'Asia/Kolkata']) {
      const parsed = FreeBusyRequest.parse({ ...good, time_zone: zone });
      expect(parsed.time_zone).toBe(zone);
    }
    for (const bad of [
      'Mars/Olympus_Mons',
      '+01:00',
      '-0500',
      '',
      'Europe/Berlin ',
      42,
      null,
      'a'.repeat(80),
    ])
      expect(named(FreeBusyRequest, { ...good, time_zone: bad }), String(bad)).toEqual(['time_zone']);
    for (const zone of Intl.supportedValuesOf('timeZone')) {
      expect(named(AvailabilityRequest, { ...good, time_zone: zone }), zone).toEqual([]);
      expect(() => offsetSegments(zone, { start: 0, end: 1 })).not.toThrow();
    }
  });

  it('duration 15–480, buffer 0–240, step 5–240 whole minutes', () => {
    expect(named(AvailabilityRequest, { ...good, duration_minutes: 15, buffer_minutes: 0 })).toEqual([]);
    expect(named(AvailabilityRequest, { ...good, duration_minutes: 480, slot_step_minutes: 240 })).toEqual(
      [],
    );
    for (const bad of [14, 481, 30.5, '30', Number.NaN, null])
      expect(named(AvailabilityRequest, { ...good, duration_minutes: bad })).toEqual(['duration_minutes']);
    expect(named(AvailabilityRequest, { ...good, buffer_minutes: 241 })).toEqual(['buffer_minutes']);
    expect(named(AvailabilityRequest, { ...good, slot_step_minutes: 4 })).toEqual(['slot_step_minutes']);
  });

  it('window: RFC 3339, time_max after time_min, at most 62 days', () => {
    const plus = (ms: number) => new Date(Date.parse(good.time_min) + ms).toISOString();
    const window = (time_min: unknown, time_max: unknown) =>
      named(FreeBusyRequest, { ...good, time_min, time_max });
    expect(window(good.time_min, plus(62 * 86_400_000))).toEqual([]);
    expect(window('2026-03-02T01:00:00+01:00', '2026-03-02T00:30:00Z')).toEqual([]);
    expect(window(good.time_min, plus(62 * 86_400_000 + 1))).toEqual(['time_max']);
    expect(window(good.time_min, good.time_min)).toEqual(['time_max']);
    expect(window(good.time_min, plus(-1))).toEqual(['time_max']);
    expect(window('yesterday', good.time_max)).toEqual(['time_min']);
    expect(window('2026-03-02', good.time_max)).toEqual(['time_min']);
    expect(window('2026-03-02T00:00:00', good.time_max)).toEqual(['time_min']);
    expect(window(good.time_min, '')).toEqual(['time_max']);
  });

  it('user ids: 1–50 UUIDs, the bad one named, duplicates folded', () => {
    const fifty = Array.from({ length: 50 }, (_, i) => uuid(i));
    expect(named(FreeBusyRequest, { ...good, user_ids: fifty })).toEqual([]);
    expect(named(FreeBusyRequest, { ...good, user_ids: [...fifty, uuid(50)] })).toEqual(['user_ids']);
    expect(named(FreeBusyRequest, { ...good, user_ids: [] })).toEqual(['user_ids']);
    expect(named(FreeBusyRequest, { ...good, user_ids: 'x' })).toEqual(['user_ids']);
    expect(
      named(FreeBusyRequest, { ...good, user_ids: [uuid(1), uuid(2), uuid(3), 'sam@example.com'] }),
    ).toEqual(['user_ids[3]']);
    const folded = FreeBusyRequest.parse({ ...good, user_ids: [uuid(1), uuid(1).toUpperCase(), uuid(2)] });
    expect(folded.user_ids).toEqual([uuid(1), uuid(2)]);
  });

  it('required: "all" or 1 up to the number of distinct users', () => {
    expect(AvailabilityRequest.parse({ ...good, required: 'all' }).required).toBe('all');
    expect(AvailabilityRequest.parse({ ...good, required: 3 }).required).toBe(3);
    for (const bad of [0, 4, 2.5, 'any', '3', null])
      expect(named(AvailabilityRequest, { ...good, required: bad }), String(bad)).toEqual(['required']);
    expect(named(AvailabilityRequest, { ...good, user_ids: [uuid(1), uuid(1)], required: 2 })).toEqual([
      'required',
    ]);
  });

  it('working hours: the exact element is named', () => {
    expect(
      named(WorkingHoursSchema, {
        mon: [
          { start: '09:00', end: '12:00' },
          { start: '13:00', end: '17:00' },
        ],
        sat: [],
        sun: [{ start: '22:00', end: '24:00' }],
      }),
    ).toEqual([]);
    expect(named(WorkingHoursSchema, { monday: [] })).toEqual(['monday']);
    expect(
      named(WorkingHoursSchema, {
        mon: [
          { start: '09:00', end: '12:00' },
          { start: '13:00', end: '25:00' },
        ],
      }),
    ).toEqual(['mon[1].end']);
    expect(named(WorkingHoursSchema, { tue: [{ start: '9:00', end: '12:00' }] })).toEqual(['tue[0].start']);
    expect(named(WorkingHoursSchema, { tue: [{ start: '24:00', end: '24:00' }] })).toEqual(['tue[0].start']);
    expect(named(WorkingHoursSchema, { wed: [{ start: '17:00', end: '09:00' }] })).toEqual(['wed[0].end']);
    expect(
      named(WorkingHoursSchema, {
        thu: [
          { start: '09:00', end: '12:00' },
          { start: '11:00', end: '13:00' },
        ],
      }),
    ).toEqual(['thu']);
    expect(named(WorkingHoursSchema, [])).toEqual(['body']);
    expect(named(WorkingHoursSchema, { fri: 'all day' })).toEqual(['fri']);
    expect(
      named(AvailabilityRequest, { ...good, working_hours: { wed: [{ start: '17:00', end: '09:00' }] } }),
    ).toEqual(['working_hours.wed[0].end']);
  });
});

describe('request rules', () => {
  it('an unknown field is named, unless its name could be an address or a token', () => {
    expect(named(FreeBusyRequest, { ...good, titel: 'x' })).toEqual(['titel']);
    const problems = (() => {
      const parsed = FreeBusyRequest.safeParse({ ...good, 'sam@example.com': 1 });
      return parsed.success ? [] : fieldProblems(parsed.error);
    })();
    expect(problems.map((p) => p.field)).toEqual(['body']);
    expect(JSON.stringify(problems)).not.toContain('sam@example.com');
  });

  it('names every wrong field of a body at once', () => {
    expect(
      named(AvailabilityRequest, {
        ...good,
        time_zone: 'Nowhere/Special',
        duration_minutes: 500,
        working_hours: { mon: [{ start: '09:00', end: '08:00' }] },
      }),
    ).toEqual(['duration_minutes', 'time_zone', 'working_hours.mon[0].end']);
    expect(named(FreeBusyRequest, [])).toEqual(['body']);
    expect(named(FreeBusyRequest, { ...good, live: 'yes' })).toEqual(['live']);
    expect(FreeBusyRequest.parse({ ...good, time_zone: undefined }).time_zone).toBeUndefined();
  });

  it('never throws, and names a field without echoing the value, for 1,000 random bodies', () => {
    const anyValue = fc.oneof(
      fc.string(),
      fc.integer(),
      fc.double(),
      fc.constant(null),
      fc.boolean(),
      fc.array(fc.string(), { maxLength: 60 }),
      fc.dictionary(fc.string(), fc.anything()),
    );
    const body = fc.oneof(
      fc.anything(),
      fc.record(
        {
          user_ids: fc.oneof(anyValue, fc.array(fc.uuid(), { maxLength: 55 })),
          time_min: fc.oneof(
            anyValue,
            fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
          ),
          time_max: fc.oneof(
            anyValue,
            fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
          ),
          time_zone: fc.oneof(anyValue, fc.constantFrom('UTC', 'Europe/Berlin', 'Asia/Kathmandu')),
          duration_minutes: anyValue,
          buffer_minutes: anyValue,
          slot_step_minutes: anyValue,
          required: fc.oneof(anyValue, fc.constant('all')),
          live: fc.oneof(anyValue, fc.boolean()),
          working_hours: fc.oneof(anyValue, fc.constant({ mon: [{ start: '09:00', end: '17:00' }] })),
        },
        { requiredKeys: [] },
      ),
    );
    const marker = 'sam.secret@example.com';
    fc.assert(
      fc.property(body, (raw) => {
        const withSecret =
          typeof raw === 'object' && raw !== null
            ? { ...raw, time_zone: marker, user_ids: [marker], working_hours: { [marker]: [] } }
            : raw;
        for (const input of [raw, withSecret]) {
          for (const schema of [AvailabilityRequest, FreeBusyRequest]) {
            const parsed = schema.safeParse(input);
            if (parsed.success) continue;
            const problems = fieldProblems(parsed.error);
            expect(problems.length).toBeGreaterThan(0);
            for (const problem of problems) {
              expect(problem.field).toMatch(/^[A-Za-z_]/);
              expect(JSON.stringify(problem)).not.toContain(marker);
            }
          }
        }
      }),
      { numRuns: 1000 },
    );
    expect(LIMITS.maxUsers).toBe(50);
  });
});
