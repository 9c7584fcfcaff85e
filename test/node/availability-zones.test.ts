/**
 * Zone math of the availability core: offset segments, all-day events in the owner's zone, and
 * working-hours windows across DST, as named cases and against the Intl minute-grid oracle.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { allDayToInterval, type WorkingHours } from '../../worker/availability/index.ts';
import { workingWindows } from '../../worker/availability/working-hours.ts';
import { offsetSegments } from '../../worker/time/zone.ts';
import {
  ANCHOR_DAYS,
  covers,
  DAY,
  HOUR,
  hoursArbitrary,
  isNormalForm,
  isWorkingMinute,
  localClock,
  MINUTE,
  minuteSpans,
  rangeNearChange,
  ZONES,
} from './availability-oracle.ts';

const at = (iso: string) => Date.parse(iso);
const span = (start: string, end: string) => ({ start: at(start), end: at(end) });
const nineToFive: WorkingHours = {
  mon: [{ start: '09:00', end: '17:00' }],
  tue: [{ start: '09:00', end: '17:00' }],
  wed: [{ start: '09:00', end: '17:00' }],
  thu: [{ start: '09:00', end: '17:00' }],
  fri: [{ start: '09:00', end: '17:00' }],
};

describe('offsetSegments', () => {
  it('finds a change right after the range start (tzScan misses this one)', () => {
    const segments = offsetSegments('America/New_York', span('2026-10-31T12:00:00Z', '2026-12-15T00:00:00Z'));
    expect(segments.map((s) => [new Date(s.start).toISOString(), s.offsetMs / HOUR])).toEqual([
      ['2026-10-31T12:00:00.000Z', -4],
      ['2026-11-01T06:00:00.000Z', -5],
    ]);
  });

  it('locates half-hour-zone changes to the minute (St. John’s changes at 05:30Z and 04:30Z)', () => {
    const segments = offsetSegments('America/St_Johns', span('2026-01-01T00:00:00Z', '2027-01-01T00:00:00Z'));
    expect(segments.map((s) => new Date(s.start).toISOString())).toEqual([
      '2026-01-01T00:00:00.000Z',
      '2026-03-08T05:30:00.000Z',
      '2026-11-01T04:30:00.000Z',
    ]);
  });

  it('rejects an unknown zone', () => {
    expect(() =>
      offsetSegments('Mars/Olympus_Mons', span('2026-01-01T00:00:00Z', '2026-01-02T00:00:00Z')),
    ).toThrow(RangeError);
  });

  it('agrees with Intl at every 10th minute and tiles the range', () => {
    fc.assert(
      fc.property(fc.constantFrom(...ZONES), rangeNearChange(4), (zone, range) => {
        const segments = offsetSegments(zone, range);
        expect(segments[0]!.start).toBe(range.start);
        expect(segments[segments.length - 1]!.end).toBe(range.end);
        segments.forEach((segment, index) => {
          expect(segment.end).toBeGreaterThan(segment.start);
          if (index > 0) expect(segment.start).toBe(segments[index - 1]!.end);
          if (index > 0) expect(segment.offsetMs).not.toBe(segments[index - 1]!.offsetMs);
        });
        for (let minute = range.start; minute < range.end; minute += 10 * MINUTE) {
          const clock = localClock(zone, minute);
          const oracleOffset = Date.parse(`${clock.date}T00:00:00Z`) + clock.minuteOfDay * MINUTE - minute;
          const segment = segments.find((s) => s.start <= minute && minute < s.end)!;
          expect(segment.offsetMs, `${zone} at ${new Date(minute).toISOString()}`).toBe(oracleOffset);
        }
      }),
      { numRuns: 60 },
    );
  });
});

describe('allDayToInterval: the owner’s local day', () => {
  it('Pacific/Auckland (east of UTC): the day starts the previous UTC day', () => {
    // NZDT (+13) in January, NZST (+12) after 2026-04-05.
    expect(allDayToInterval({ startDate: '2026-01-15', endDate: '2026-01-16' }, 'Pacific/Auckland')).toEqual(
      span('2026-01-14T11:00:00Z', '2026-01-15T11:00:00Z'),
    );
    expect(allDayToInterval({ startDate: '2026-04-10', endDate: '2026-04-11' }, 'Pacific/Auckland')).toEqual(
      span('2026-04-09T12:00:00Z', '2026-04-10T12:00:00Z'),
    );
  });

  it('Pacific/Auckland: the fall-back day is 25 hours, a two-day event 49', () => {
    const day = allDayToInterval({ startDate: '2026-04-05', endDate: '2026-04-06' }, 'Pacific/Auckland');
    expect(day).toEqual(span('2026-04-04T11:00:00Z', '2026-04-05T12:00:00Z'));
    expect(day.end - day.start).toBe(25 * HOUR);
    const twoDays = allDayToInterval({ startDate: '2026-04-04', endDate: '2026-04-06' }, 'Pacific/Auckland');
    expect(twoDays.end - twoDays.start).toBe(49 * HOUR);
  });

  it('America/Los_Angeles (west of UTC): the day runs into the next UTC day; 23 h and 25 h DST days', () => {
    expect(
      allDayToInterval({ startDate: '2026-03-10', endDate: '2026-03-11' }, 'America/Los_Angeles'),
    ).toEqual(span('2026-03-10T07:00:00Z', '2026-03-11T07:00:00Z'));
    const spring = allDayToInterval(
      { startDate: '2026-03-08', endDate: '2026-03-09' },
      'America/Los_Angeles',
    );
    expect(spring).toEqual(span('2026-03-08T08:00:00Z', '2026-03-09T07:00:00Z'));
    expect(spring.end - spring.start).toBe(23 * HOUR);
    const fall = allDayToInterval({ startDate: '2026-11-01', endDate: '2026-11-02' }, 'America/Los_Angeles');
    expect(fall).toEqual(span('2026-11-01T07:00:00Z', '2026-11-02T08:00:00Z'));
  });

  it('a day whose midnight is skipped (Santiago) starts when the clock jumps to 01:00', () => {
    expect(allDayToInterval({ startDate: '2026-09-06', endDate: '2026-09-07' }, 'America/Santiago')).toEqual(
      span('2026-09-06T04:00:00Z', '2026-09-07T03:00:00Z'),
    );
  });

  it('reads an end not after the start as one day, and rejects malformed dates', () => {
    expect(allDayToInterval({ startDate: '2026-05-04', endDate: '2026-05-04' }, 'UTC')).toEqual(
      span('2026-05-04T00:00:00Z', '2026-05-05T00:00:00Z'),
    );
    expect(() => allDayToInterval({ startDate: '2026-02-30', endDate: '2026-03-01' }, 'UTC')).toThrow(
      RangeError,
    );
    expect(() => allDayToInterval({ startDate: '20260501', endDate: '2026-05-02' }, 'UTC')).toThrow(
      RangeError,
    );
  });

  it('covers exactly the minutes whose local date is in [start, end)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...ZONES),
        fc.constantFrom(...ANCHOR_DAYS),
        fc.integer({ min: -2, max: 1 }),
        fc.integer({ min: 1, max: 3 }),
        (zone, anchor, shiftDays, lengthDays) => {
          const startWall = anchor + shiftDays * DAY;
          const endWall = startWall + lengthDays * DAY;
          const date = (wall: number) => new Date(wall).toISOString().slice(0, 10);
          const [startDate, endDate] = [date(startWall), date(endWall)];
          const interval = allDayToInterval({ startDate, endDate }, zone);
          for (let minute = startWall - 15 * HOUR; minute < endWall + 15 * HOUR; minute += MINUTE) {
            const local = localClock(zone, minute).date;
            const expected = startDate <= local && local < endDate;
            if (covers([interval], minute) !== expected) {
              expect.fail(
                `${zone} ${startDate}..${endDate}: minute ${new Date(minute).toISOString()} local ${local}`,
              );
            }
          }
        },
      ),
      { numRuns: 25 },
    );
  });
});

describe('workingWindows', () => {
  it('keeps 09:00–17:00 on the wall clock across the New York spring-forward weekend', () => {
    const windows = workingWindows(
      span('2026-03-06T00:00:00Z', '2026-03-10T00:00:00Z'),
      'America/New_York',
      nineToFive,
    );
    expect(windows).toEqual([
      span('2026-03-06T14:00:00Z', '2026-03-06T22:00:00Z'), // Friday, EST
      span('2026-03-09T13:00:00Z', '2026-03-09T21:00:00Z'), // Monday, EDT
    ]);
  });

  it('keeps 09:00–17:00 on the wall clock across the Berlin changes (March and October)', () => {
    expect(
      workingWindows(span('2026-03-27T00:00:00Z', '2026-03-31T00:00:00Z'), 'Europe/Berlin', nineToFive),
    ).toEqual([
      span('2026-03-27T08:00:00Z', '2026-03-27T16:00:00Z'),
      span('2026-03-30T07:00:00Z', '2026-03-30T15:00:00Z'),
    ]);
    expect(
      workingWindows(span('2026-10-23T00:00:00Z', '2026-10-27T00:00:00Z'), 'Europe/Berlin', nineToFive),
    ).toEqual([
      span('2026-10-23T07:00:00Z', '2026-10-23T15:00:00Z'),
      span('2026-10-26T08:00:00Z', '2026-10-26T16:00:00Z'),
    ]);
  });

  it('spring-forward gap: skipped clock times are not working time', () => {
    const day = span('2026-03-08T00:00:00Z', '2026-03-09T00:00:00Z');
    expect(workingWindows(day, 'America/New_York', { sun: [{ start: '02:00', end: '04:00' }] })).toEqual([
      span('2026-03-08T07:00:00Z', '2026-03-08T08:00:00Z'),
    ]);
    expect(workingWindows(day, 'America/New_York', { sun: [{ start: '02:15', end: '02:45' }] })).toEqual([]);
  });

  it('fall-back overlap: repeated clock times count twice', () => {
    const day = span('2026-11-01T00:00:00Z', '2026-11-02T00:00:00Z');
    expect(workingWindows(day, 'America/New_York', { sun: [{ start: '01:00', end: '02:00' }] })).toEqual([
      span('2026-11-01T05:00:00Z', '2026-11-01T07:00:00Z'),
    ]);
  });

  it('several ranges a day, overnight shifts as two days, clipped to the range', () => {
    const hours: WorkingHours = {
      mon: [
        { start: '08:00', end: '12:00' },
        { start: '13:00', end: '17:00' },
        { start: '22:00', end: '24:00' },
      ],
      tue: [{ start: '00:00', end: '06:00' }],
    };
    expect(workingWindows(span('2026-06-15T10:00:00Z', '2026-06-16T05:00:00Z'), 'UTC', hours)).toEqual([
      span('2026-06-15T10:00:00Z', '2026-06-15T12:00:00Z'),
      span('2026-06-15T13:00:00Z', '2026-06-15T17:00:00Z'),
      span('2026-06-15T22:00:00Z', '2026-06-16T05:00:00Z'),
    ]);
  });

  it('equals the minutes whose local weekday and clock fall in a range', () => {
    fc.assert(
      fc.property(fc.constantFrom(...ZONES), rangeNearChange(3), hoursArbitrary, (zone, range, hours) => {
        const windows = workingWindows(range, zone, hours);
        expect(isNormalForm(windows)).toBe(true);
        expect(windows).toEqual(minuteSpans(range.start, range.end, (m) => isWorkingMinute(zone, hours, m)));
      }),
      { numRuns: 30 },
    );
  });
});
