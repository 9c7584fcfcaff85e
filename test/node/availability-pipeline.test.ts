/**
 * The pipeline the routes will run: events → busyIntervals (all-day in each owner's zone) →
 * workingWindows (own hours in own zone, else the request's) → findSlots, checked end to end
 * against the Intl minute-grid oracle built from the raw events and hours.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type BusyEvent,
  busyIntervals,
  DEFAULT_MAX_SLOTS,
  findSlots,
  workingWindows,
} from '../../worker/availability/index.ts';
import {
  DAY,
  type Hours,
  hoursArbitrary,
  isWorkingMinute,
  localClock,
  MINUTE,
  minuteSpans,
  rangeNearChange,
  ZONES,
} from './availability-oracle.ts';

const at = (iso: string) => Date.parse(iso);
const isoDate = (wall: number) => new Date(wall).toISOString().slice(0, 10);

describe('busyIntervals', () => {
  it('merges timed events with all-day ones on the owner’s local day, clipped to the range', () => {
    const events: BusyEvent[] = [
      { startDate: '2026-04-10', endDate: '2026-04-11' }, // Auckland: 2026-04-09T12:00Z – 04-10T12:00Z
      { start: at('2026-04-10T11:00:00Z'), end: at('2026-04-10T13:00:00Z') }, // overlaps its end
      { start: new Date('2026-04-10T20:00:00Z'), end: new Date('2026-04-10T20:00:00Z') }, // zero-length
    ];
    const range = { start: at('2026-04-09T00:00:00Z'), end: at('2026-04-11T00:00:00Z') };
    expect(busyIntervals(events, 'Pacific/Auckland', range)).toEqual([
      { start: at('2026-04-09T12:00:00Z'), end: at('2026-04-10T13:00:00Z') },
    ]);
    expect(busyIntervals(events.slice(0, 1), 'America/Los_Angeles')).toEqual([
      { start: at('2026-04-10T07:00:00Z'), end: at('2026-04-11T07:00:00Z') },
    ]);
  });

  it('equals the minutes covered by a timed event or on an all-day event’s local date', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...ZONES),
        rangeNearChange(2),
        fc.array(
          fc.record({ from: fc.integer({ min: -600, max: 3500 }), length: fc.integer({ min: 0, max: 300 }) }),
          {
            maxLength: 6,
          },
        ),
        fc.array(fc.record({ day: fc.integer({ min: -2, max: 3 }), days: fc.integer({ min: 1, max: 2 }) }), {
          maxLength: 2,
        }),
        (zone, range, timed, allDay) => {
          const dayZero = Math.floor(range.start / DAY) * DAY;
          const timedEvents = timed.map(({ from, length }) => ({
            start: range.start + from * MINUTE,
            end: range.start + (from + length) * MINUTE,
          }));
          const allDayEvents = allDay.map(({ day, days }) => ({
            startDate: isoDate(dayZero + day * DAY),
            endDate: isoDate(dayZero + (day + days) * DAY),
          }));
          const busy = busyIntervals([...timedEvents, ...allDayEvents], zone, range);
          const expected = minuteSpans(range.start, range.end, (minute) => {
            if (timedEvents.some((e) => e.start <= minute && minute < e.end)) return true;
            const local = localClock(zone, minute).date;
            return allDayEvents.some((e) => e.startDate <= local && local < e.endDate);
          });
          expect(busy).toEqual(expected);
        },
      ),
      { numRuns: 25 },
    );
  });
});

describe('events → busy → working windows → slots, end to end', () => {
  // Random hours alone leave most panels with no common time; long days keep slots in play.
  const longDays: Hours = Object.fromEntries(
    ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'].map((day) => [day, [{ start: '06:00', end: '22:30' }]]),
  );
  const someHours = fc.oneof(hoursArbitrary, fc.constant(longDays));
  const person = fc.record({
    zone: fc.constantFrom(...ZONES),
    ownHours: fc.option(someHours, { nil: undefined, freq: 2 }),
    timed: fc.array(
      fc.record({ from: fc.integer({ min: -120, max: 2900 }), length: fc.integer({ min: 0, max: 180 }) }),
      {
        maxLength: 6,
      },
    ),
    allDay: fc.option(fc.integer({ min: -1, max: 2 }), { nil: undefined }),
  });

  it('offers exactly the starts the oracle finds from the raw events and hours', () => {
    fc.assert(
      fc.property(
        rangeNearChange(2),
        fc.constantFrom(...ZONES),
        someHours,
        fc.array(person, { minLength: 1, maxLength: 3 }),
        fc.constantFrom(15, 30, 60),
        fc.constantFrom(0, 10),
        fc.constantFrom(15, 30),
        fc.boolean(),
        (range, requestZone, requestHours, people, duration, buffer, step, anyOne) => {
          const dayZero = Math.floor(range.start / DAY) * DAY;
          const bufferMs = buffer * MINUTE;
          const widened = { start: range.start - bufferMs, end: range.end + bufferMs };
          const events = people.map((p) => [
            ...p.timed.map(({ from, length }) => ({
              start: range.start + from * MINUTE,
              end: range.start + (from + length) * MINUTE,
            })),
            ...(p.allDay === undefined
              ? []
              : [
                  {
                    startDate: isoDate(dayZero + p.allDay * DAY),
                    endDate: isoDate(dayZero + (p.allDay + 1) * DAY),
                  },
                ]),
          ]);
          const required = anyOne ? 1 : ('all' as const);
          const result = findSlots({
            range,
            timeZone: requestZone,
            durationMinutes: duration,
            bufferMinutes: buffer,
            slotStepMinutes: step,
            required,
            users: people.map((p, index) => ({
              id: `u${index}`,
              busy: busyIntervals(events[index]!, p.zone, widened),
              working: p.ownHours ? workingWindows(range, p.zone, p.ownHours) : undefined,
            })),
            sharedWorking: workingWindows(range, requestZone, requestHours),
          });

          // Oracle, minute by minute from the raw inputs.
          const busyAt = (index: number, minute: number) => {
            const local = localClock(people[index]!.zone, minute).date;
            return events[index]!.some((e) =>
              'startDate' in e
                ? e.startDate <= local && local < e.endDate
                : e.start <= minute && minute < e.end,
            );
          };
          const workingAt = (index: number, minute: number) => {
            const p = people[index]!;
            return p.ownHours
              ? isWorkingMinute(p.zone, p.ownHours as Hours, minute)
              : isWorkingMinute(requestZone, requestHours, minute);
          };
          const expected: { start: number; end: number; free_user_ids: string[] }[] = [];
          for (let start = range.start; start + duration * MINUTE <= range.end; start += MINUTE) {
            if (localClock(requestZone, start).minuteOfDay % step !== 0) continue;
            const end = start + duration * MINUTE;
            const free = people
              .map((_, index) => index)
              .filter((index) => {
                for (let m = start; m < end; m += MINUTE) if (!workingAt(index, m)) return false;
                for (let m = start - bufferMs; m < end + bufferMs; m += MINUTE)
                  if (busyAt(index, m)) return false;
                return true;
              })
              .map((index) => `u${index}`);
            if (free.length >= (anyOne ? 1 : people.length))
              expected.push({ start, end, free_user_ids: free });
          }
          expect(result.slots).toEqual(expected.slice(0, DEFAULT_MAX_SLOTS));
          expect(result.truncated).toBe(expected.length > DEFAULT_MAX_SLOTS);
        },
      ),
      { numRuns: 20 },
    );
  });
});
