/** Request checks for free/busy and availability: each bad field is named, nothing throws. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  checkAvailabilityRequest,
  checkDuration,
  checkFreeBusyRequest,
  checkRequired,
  checkTimeRange,
  checkTimeZone,
  checkUserIds,
  checkWorkingHours,
  LIMITS,
} from '../../worker/availability/index.ts';
import { offsetSegments } from '../../worker/time/zone.ts';

const uuid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const errorField = (checked: { ok: boolean; error?: { field: string } }) =>
  checked.ok ? null : checked.error!.field;

describe('field checks', () => {
  it('time zones: IANA names only, canonical spelling, usable by the zone math', () => {
    expect(checkTimeZone('Europe/Berlin')).toEqual({ ok: true, value: 'Europe/Berlin' });
    expect(checkTimeZone('europe/berlin')).toEqual({ ok: true, value: 'Europe/Berlin' });
    expect(checkTimeZone('UTC').ok).toBe(true);
    expect(checkTimeZone('Etc/GMT+5').ok).toBe(true);
    for (const bad of [
      'Mars/Olympus_Mons',
      '+01:00',
      '-0500',
      '',
      'Europe/Berlin ',
      42,
      null,
      'a'.repeat(80),
    ]) {
      expect(errorField(checkTimeZone(bad)), String(bad)).toBe('time_zone');
    }
    for (const zone of Intl.supportedValuesOf('timeZone')) {
      const checked = checkTimeZone(zone);
      expect(checked.ok, zone).toBe(true);
      if (checked.ok) expect(() => offsetSegments(checked.value, { start: 0, end: 1 })).not.toThrow();
    }
  });

  it('duration 15–480 whole minutes', () => {
    expect(checkDuration(15).ok && checkDuration(480).ok).toBe(true);
    for (const bad of [14, 481, 30.5, '30', Number.NaN, null])
      expect(errorField(checkDuration(bad))).toBe('duration_minutes');
  });

  it('time range: after, at most 62 days, parseable', () => {
    const start = '2026-03-01T00:00:00Z';
    const plus = (ms: number) => new Date(Date.parse(start) + ms).toISOString();
    expect(checkTimeRange(start, plus(62 * 86_400_000)).ok).toBe(true);
    expect(errorField(checkTimeRange(start, plus(62 * 86_400_000 + 1)))).toBe('time_max');
    expect(errorField(checkTimeRange(start, start))).toBe('time_max');
    expect(errorField(checkTimeRange(start, plus(-1)))).toBe('time_max');
    expect(errorField(checkTimeRange('yesterday', start))).toBe('time_min');
    expect(errorField(checkTimeRange(start, ''))).toBe('time_max');
  });

  it('user ids: 1–50 UUIDs, the bad one named, duplicates folded', () => {
    const fifty = Array.from({ length: 50 }, (_, i) => uuid(i));
    expect(checkUserIds(fifty).ok).toBe(true);
    expect(errorField(checkUserIds([...fifty, uuid(50)]))).toBe('user_ids');
    expect(errorField(checkUserIds([]))).toBe('user_ids');
    expect(errorField(checkUserIds('x'))).toBe('user_ids');
    expect(errorField(checkUserIds([uuid(1), uuid(2), uuid(3), 'sam@example.com']))).toBe('user_ids[3]');
    expect(checkUserIds([uuid(1), uuid(1).toUpperCase(), uuid(2)])).toEqual({
      ok: true,
      value: [uuid(1), uuid(2)],
    });
    expect(checkUserIds([...fifty, uuid(0)]).ok).toBe(true);
  });

  it('required: "all" or 1..number of users', () => {
    expect(checkRequired('all', 5)).toEqual({ ok: true, value: 'all' });
    expect(checkRequired(3, 5)).toEqual({ ok: true, value: 3 });
    for (const bad of [0, 6, 2.5, 'any', '3', null])
      expect(errorField(checkRequired(bad, 5))).toBe('required');
  });

  it('working hours: the exact element is named', () => {
    expect(
      checkWorkingHours({
        mon: [
          { start: '09:00', end: '12:00' },
          { start: '13:00', end: '17:00' },
        ],
        sat: [],
        sun: [{ start: '22:00', end: '24:00' }],
      }).ok,
    ).toBe(true);
    expect(errorField(checkWorkingHours({ monday: [] }))).toBe('working_hours');
    expect(
      errorField(
        checkWorkingHours({
          mon: [
            { start: '09:00', end: '12:00' },
            { start: '13:00', end: '25:00' },
          ],
        }),
      ),
    ).toBe('working_hours.mon[1].end');
    expect(errorField(checkWorkingHours({ tue: [{ start: '9:00', end: '12:00' }] }))).toBe(
      'working_hours.tue[0].start',
    );
    expect(errorField(checkWorkingHours({ tue: [{ start: '24:00', end: '24:00' }] }))).toBe(
      'working_hours.tue[0].start',
    );
    expect(errorField(checkWorkingHours({ wed: [{ start: '17:00', end: '09:00' }] }))).toBe(
      'working_hours.wed[0].end',
    );
    expect(
      errorField(
        checkWorkingHours({
          thu: [
            { start: '09:00', end: '12:00' },
            { start: '11:00', end: '13:00' },
          ],
        }),
      ),
    ).toBe('working_hours.thu');
    expect(errorField(checkWorkingHours([]))).toBe('working_hours');
    expect(errorField(checkWorkingHours({ fri: 'all day' }))).toBe('working_hours.fri');
  });
});

describe('request checks', () => {
  const good = {
    user_ids: [uuid(1), uuid(2), uuid(3)],
    time_min: '2026-03-02T00:00:00Z',
    time_max: '2026-03-09T00:00:00Z',
    time_zone: 'America/New_York',
  };

  it('fills availability defaults: org duration, step, no buffer, everyone required', () => {
    const checked = checkAvailabilityRequest(good, 45);
    expect(checked).toEqual({
      ok: true,
      value: {
        userIds: good.user_ids,
        range: { start: Date.parse(good.time_min), end: Date.parse(good.time_max) },
        timeZone: 'America/New_York',
        durationMinutes: 45,
        bufferMinutes: 0,
        slotStepMinutes: 30,
        required: 'all',
        workingHours: null,
      },
    });
  });

  it('names every wrong field at once', () => {
    const checked = checkAvailabilityRequest(
      {
        ...good,
        time_max: '2026-01-01T00:00:00Z',
        time_zone: 'Nowhere/Special',
        duration_minutes: 500,
        required: 4,
        working_hours: { mon: [{ start: '09:00', end: '08:00' }] },
      },
      30,
    );
    expect(checked.ok).toBe(false);
    if (!checked.ok) {
      expect(checked.errors.map((e) => e.field)).toEqual([
        'duration_minutes',
        'time_max',
        'time_zone',
        'working_hours.mon[0].end',
        'required',
      ]);
    }
    expect(checkFreeBusyRequest([])).toEqual({
      ok: false,
      errors: [{ field: 'body', message: 'must be a JSON object' }],
    });
    expect(checkFreeBusyRequest({ ...good, time_zone: undefined })).toEqual({
      ok: true,
      value: {
        userIds: good.user_ids,
        range: { start: Date.parse(good.time_min), end: Date.parse(good.time_max) },
        timeZone: null,
        live: false,
      },
    });
    const liveNo = checkFreeBusyRequest({ ...good, live: 'yes' });
    expect(liveNo.ok ? [] : liveNo.errors.map((e) => e.field)).toEqual(['live']);
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
          for (const checked of [checkAvailabilityRequest(input, 30), checkFreeBusyRequest(input)]) {
            if (checked.ok) continue;
            expect(checked.errors.length).toBeGreaterThan(0);
            for (const error of checked.errors) {
              expect(error.field).toMatch(
                /^(body|live|user_ids|time_min|time_max|time_zone|duration_minutes|buffer_minutes|slot_step_minutes|required|working_hours)/,
              );
              expect(JSON.stringify(error)).not.toContain(marker);
            }
          }
        }
      }),
      { numRuns: 1000 },
    );
    expect(LIMITS.maxUsers).toBe(50);
  });
});
