/**
 * Slot finding: the failure modes of other schedulers as named cases (slots shifted by an hour in
 * DST weeks, buffers, any N of a panel), and findSlots against a brute-force minute-grid oracle.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_MAX_SLOTS,
  findSlots,
  type Interval,
  type SlotQuery,
  type WorkingHours,
} from '../../worker/availability/index.ts';
import { workingWindows } from '../../worker/availability/working-hours.ts';
import { localClock, MINUTE, rangeNearChange, type Span, ZONES } from './availability-oracle.ts';

const at = (iso: string) => Date.parse(iso);
const span = (start: string, end: string) => ({ start: at(start), end: at(end) });
const nineToFive: WorkingHours = Object.fromEntries(
  ['mon', 'tue', 'wed', 'thu', 'fri'].map((day) => [day, [{ start: '09:00', end: '17:00' }]]),
);
const localStart = (zone: string, instant: number) => {
  const clock = localClock(zone, instant);
  const minutes = clock.minuteOfDay;
  return `${clock.date} ${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
};

/** The local clock times of each day's slots, e.g. `{ '2026-03-06': ['09:00', …] }`. */
function slotTimesByDay(zone: string, slots: { start: number }[]): Record<string, string[]> {
  const days: Record<string, string[]> = {};
  for (const slot of slots) {
    const [day, time] = localStart(zone, slot.start).split(' ') as [string, string];
    days[day] = [...(days[day] ?? []), time];
  }
  return days;
}

/** A 10:00–10:30 local standup every weekday, written as explicit UTC instants by the caller. */
function dstWeekQuery(zone: string, range: Interval, standups: Interval[]): SlotQuery {
  return {
    range,
    timeZone: zone,
    durationMinutes: 30,
    slotStepMinutes: 30,
    required: 'all',
    users: [{ id: 'sam', busy: standups }],
    sharedWorking: workingWindows(range, zone, nineToFive),
  };
}

/** 09:00 to 16:30 every half hour, without the 10:00 standup: the same local times every day. */
const expectedDay = [
  '09:00',
  '09:30',
  '10:30',
  '11:00',
  '11:30',
  '12:00',
  '12:30',
  '13:00',
  '13:30',
  '14:00',
].concat(['14:30', '15:00', '15:30', '16:00', '16:30']);

describe('DST weeks: slots never shift by an hour', () => {
  it('America/New_York, spring forward on Sunday 2026-03-08', () => {
    const zone = 'America/New_York';
    const standups = [
      span('2026-03-06T15:00:00Z', '2026-03-06T15:30:00Z'), // Fri, EST (-5)
      ...['09', '10', '11', '12', '13'].map((d) => span(`2026-03-${d}T14:00:00Z`, `2026-03-${d}T14:30:00Z`)), // EDT
    ];
    const { slots, truncated } = findSlots(
      dstWeekQuery(zone, span('2026-03-06T05:00:00Z', '2026-03-14T04:00:00Z'), standups),
    );
    expect(truncated).toBe(false);
    const days = slotTimesByDay(zone, slots);
    expect(Object.keys(days)).toEqual([
      '2026-03-06',
      '2026-03-09',
      '2026-03-10',
      '2026-03-11',
      '2026-03-12',
      '2026-03-13',
    ]);
    for (const times of Object.values(days)) expect(times).toEqual(expectedDay);
    expect(new Date(slots[0]!.start).toISOString()).toBe('2026-03-06T14:00:00.000Z');
    expect(slots.find((s) => localStart(zone, s.start) === '2026-03-09 09:00')!.start).toBe(
      at('2026-03-09T13:00:00Z'),
    );
  });

  it('America/New_York, fall back on Sunday 2026-11-01', () => {
    const zone = 'America/New_York';
    const standups = [
      span('2026-10-30T14:00:00Z', '2026-10-30T14:30:00Z'), // Fri, EDT
      span('2026-11-02T15:00:00Z', '2026-11-02T15:30:00Z'), // Mon, EST
    ];
    const { slots } = findSlots(
      dstWeekQuery(zone, span('2026-10-30T04:00:00Z', '2026-11-03T05:00:00Z'), standups),
    );
    const days = slotTimesByDay(zone, slots);
    expect(days).toEqual({ '2026-10-30': expectedDay, '2026-11-02': expectedDay });
  });

  it('Europe/Berlin, spring forward 2026-03-29 and fall back 2026-10-25', () => {
    const zone = 'Europe/Berlin';
    const spring = findSlots(
      dstWeekQuery(zone, span('2026-03-26T23:00:00Z', '2026-03-31T22:00:00Z'), [
        span('2026-03-27T09:00:00Z', '2026-03-27T09:30:00Z'), // Fri, CET (+1)
        span('2026-03-30T08:00:00Z', '2026-03-30T08:30:00Z'), // Mon, CEST (+2)
        span('2026-03-31T08:00:00Z', '2026-03-31T08:30:00Z'),
      ]),
    );
    expect(slotTimesByDay(zone, spring.slots)).toEqual({
      '2026-03-27': expectedDay,
      '2026-03-30': expectedDay,
      '2026-03-31': expectedDay,
    });
    const fall = findSlots(
      dstWeekQuery(zone, span('2026-10-22T22:00:00Z', '2026-10-27T23:00:00Z'), [
        span('2026-10-23T08:00:00Z', '2026-10-23T08:30:00Z'), // Fri, CEST
        span('2026-10-26T09:00:00Z', '2026-10-26T09:30:00Z'), // Mon, CET
        span('2026-10-27T09:00:00Z', '2026-10-27T09:30:00Z'),
      ]),
    );
    expect(slotTimesByDay(zone, fall.slots)).toEqual({
      '2026-10-23': expectedDay,
      '2026-10-26': expectedDay,
      '2026-10-27': expectedDay,
    });
  });

  it('aligns starts on the requested zone’s clock: no 02:00 on the spring-forward day; Kolkata and Kathmandu', () => {
    const newYork = findSlots({
      range: span('2026-03-08T05:00:00Z', '2026-03-09T04:00:00Z'),
      timeZone: 'America/New_York',
      durationMinutes: 60,
      slotStepMinutes: 60,
      required: 'all',
      users: [{ id: 'sam', busy: [] }],
    });
    const hours = newYork.slots.map((s) => localStart('America/New_York', s.start).slice(11));
    expect(hours).toHaveLength(23);
    expect(hours.slice(0, 4)).toEqual(['00:00', '01:00', '03:00', '04:00']);
    // Whole-hour steps in Kolkata (+05:30) start at :30 UTC; half-hour steps in Kathmandu (+05:45) at :15/:45.
    const aligned = (timeZone: string, slotStepMinutes: number) =>
      findSlots({
        range: span('2026-06-15T03:00:00Z', '2026-06-15T06:00:00Z'),
        timeZone,
        durationMinutes: 30,
        slotStepMinutes,
        required: 'all',
        users: [{ id: 'sam', busy: [] }],
      }).slots.map((s) => new Date(s.start).toISOString().slice(11, 16));
    expect(aligned('Asia/Kolkata', 60)).toEqual(['03:30', '04:30', '05:30']);
    expect(aligned('Asia/Kathmandu', 30)).toEqual(['03:15', '03:45', '04:15', '04:45', '05:15']);
  });
});

describe('buffers, panels, caps', () => {
  const day = span('2026-06-15T00:00:00Z', '2026-06-16T00:00:00Z'); // a Monday
  const base = {
    range: day,
    timeZone: 'UTC',
    durationMinutes: 30,
    slotStepMinutes: 15,
    required: 'all' as const,
    sharedWorking: workingWindows(day, 'UTC', { mon: [{ start: '09:00', end: '12:00' }] }),
  };

  it('keeps the buffer clear around busy blocks, not around working hours', () => {
    const { slots } = findSlots({
      ...base,
      bufferMinutes: 15,
      users: [{ id: 'sam', busy: [span('2026-06-15T10:00:00Z', '2026-06-15T11:00:00Z')] }],
    });
    expect(slots.map((s) => new Date(s.start).toISOString().slice(11, 16))).toEqual([
      '09:00', // its buffer reaches 08:45, outside working hours: fine
      '09:15', // ends 09:45, buffer to 10:00 touches the meeting: fine
      '11:15',
      '11:30',
    ]);
  });

  it('required: 3 of 5 lists who is free; "all" is the subset where everyone is', () => {
    const busy = (from: string, to: string) => [span(`2026-06-15T${from}:00Z`, `2026-06-15T${to}:00Z`)];
    const users = [
      { id: 'u1', busy: busy('09:00', '10:00') },
      { id: 'u2', busy: busy('09:00', '10:00') },
      { id: 'u3', busy: busy('09:30', '11:00') },
      { id: 'u4', busy: [] },
      { id: 'u5', busy: busy('11:00', '12:00') },
    ];
    const panel = findSlots({ ...base, slotStepMinutes: 30, required: 3, users });
    expect(panel.slots.map((s) => [new Date(s.start).toISOString().slice(11, 16), s.free_user_ids])).toEqual([
      ['09:00', ['u3', 'u4', 'u5']],
      // 09:30: only u4 and u5 are free, so no slot
      ['10:00', ['u1', 'u2', 'u4', 'u5']],
      ['10:30', ['u1', 'u2', 'u4', 'u5']],
      ['11:00', ['u1', 'u2', 'u3', 'u4']],
      ['11:30', ['u1', 'u2', 'u3', 'u4']],
    ]);
    expect(findSlots({ ...base, slotStepMinutes: 30, users }).slots).toEqual([]);
    const four = findSlots({ ...base, slotStepMinutes: 30, required: 4, users });
    expect(four.slots.map((s) => new Date(s.start).toISOString().slice(11, 16))).toEqual([
      '10:00',
      '10:30',
      '11:00',
      '11:30',
    ]);
  });

  it('per-user working hours override the shared ones (Berlin 09–17 meets New York 09–17 at 15:00)', () => {
    const range = span('2026-06-15T00:00:00Z', '2026-06-16T00:00:00Z');
    const { slots } = findSlots({
      range,
      timeZone: 'America/New_York',
      durationMinutes: 60,
      slotStepMinutes: 60,
      required: 'all',
      users: [
        { id: 'berlin', busy: [], working: workingWindows(range, 'Europe/Berlin', nineToFive) },
        { id: 'new-york', busy: [] },
      ],
      sharedWorking: workingWindows(range, 'America/New_York', nineToFive),
    });
    expect(slots.map((s) => new Date(s.start).toISOString())).toEqual([
      '2026-06-15T13:00:00.000Z',
      '2026-06-15T14:00:00.000Z',
    ]);
  });

  it('caps the number of slots and says so; is deterministic regardless of input order', () => {
    const users = [
      {
        id: 'sam',
        busy: [
          span('2026-06-15T10:00:00Z', '2026-06-15T10:30:00Z'),
          span('2026-06-15T09:30:00Z', '2026-06-15T09:45:00Z'),
        ],
      },
    ];
    const capped = findSlots({ ...base, users, maxSlots: 2 });
    expect(capped.truncated).toBe(true);
    expect(capped.slots).toHaveLength(2);
    const reordered = findSlots({ ...base, users: [{ id: 'sam', busy: [...users[0]!.busy].reverse() }] });
    expect(reordered).toEqual(findSlots({ ...base, users }));
    expect(reordered.truncated).toBe(false);
    expect(
      findSlots({ ...base, users: [{ id: 'sam', busy: [] }], durationMinutes: 15, slotStepMinutes: 5 }).slots
        .length,
    ).toBeLessThanOrEqual(DEFAULT_MAX_SLOTS);
  });

  it('answers nothing for an impossible requirement', () => {
    expect(findSlots({ ...base, required: 2, users: [{ id: 'sam', busy: [] }] })).toEqual({
      slots: [],
      truncated: false,
    });
  });
});

describe('findSlots against the minute-grid oracle', () => {
  const minuteSpan = (origin: number) =>
    fc
      .record({
        from: fc.integer({ min: -90, max: 2 * 1440 + 90 }),
        length: fc.integer({ min: 0, max: 240 }),
        // Mostly on a 5-minute grid, so blocks often touch slot edges (where off-by-ones live).
        grid: fc.constantFrom(5, 5, 1),
      })
      .map(({ from, length, grid }) => {
        // The grid is absolute; every offset of ZONES is a multiple of 15 minutes, so it is local too.
        const unaligned = origin + from * MINUTE;
        const start = unaligned - (unaligned % (grid * MINUTE));
        return { start, end: start + (length - (length % grid)) * MINUTE };
      });

  const scenario = rangeNearChange(2).chain((range) =>
    fc.record({
      range: fc.constant(range),
      zone: fc.constantFrom(...ZONES),
      duration: fc.integer({ min: 15, max: 120 }),
      buffer: fc.constantFrom(0, 0, 5, 10, 15, 30),
      step: fc.constantFrom(5, 10, 15, 20, 30, 45, 50, 60, 90),
      users: fc.array(
        fc.record({
          busy: fc.array(minuteSpan(range.start), { maxLength: 8 }),
          working: fc.option(fc.array(minuteSpan(range.start), { maxLength: 5 }), { nil: undefined }),
        }),
        { minLength: 1, maxLength: 4 },
      ),
      shared: fc.option(fc.array(minuteSpan(range.start), { maxLength: 6 }), { nil: undefined }),
      requiredFraction: fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { nil: undefined }),
      maxSlots: fc.option(fc.integer({ min: 1, max: 40 }), { nil: undefined }),
    }),
  );

  /** Prefix sums of "minute is covered" so "every minute of [a, b) is (not) covered" is O(1). */
  function coverage(spans: Span[], origin: number, minutes: number) {
    const prefix = new Int32Array(minutes + 1);
    for (let i = 0; i < minutes; i++) {
      const minute = origin + i * MINUTE;
      prefix[i + 1] = prefix[i]! + (spans.some((s) => s.start <= minute && minute < s.end) ? 1 : 0);
    }
    return (from: number, to: number) => {
      const a = Math.max(0, Math.min(minutes, (from - origin) / MINUTE));
      const b = Math.max(0, Math.min(minutes, (to - origin) / MINUTE));
      return prefix[b]! - prefix[a]!;
    };
  }

  it('offers exactly the aligned starts where enough users are free with buffers', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const ids = s.users.map((_, index) => `user-${index}`);
        const required =
          s.requiredFraction === undefined
            ? ('all' as const)
            : 1 + Math.floor(s.requiredFraction * (s.users.length - 1));
        const result = findSlots({
          range: s.range,
          timeZone: s.zone,
          durationMinutes: s.duration,
          bufferMinutes: s.buffer,
          slotStepMinutes: s.step,
          required,
          users: s.users.map((user, index) => ({ id: ids[index]!, busy: user.busy, working: user.working })),
          sharedWorking: s.shared,
          maxSlots: s.maxSlots,
        });

        // Oracle: minute grid from (range.start - buffer - 2h) covering every minute looked at.
        const origin = s.range.start - (s.buffer + 120) * MINUTE;
        const minutes = (s.range.end - origin) / MINUTE + s.buffer + 120;
        const busyCount = s.users.map((user) => coverage(user.busy, origin, minutes));
        const workCount = s.users.map((user) => {
          const working = user.working ?? s.shared;
          return working ? coverage(working, origin, minutes) : null;
        });
        const needed = required === 'all' ? s.users.length : required;
        const durationMs = s.duration * MINUTE;
        const bufferMs = s.buffer * MINUTE;
        const expected: { start: number; end: number; free_user_ids: string[] }[] = [];
        for (let start = s.range.start; start + durationMs <= s.range.end; start += MINUTE) {
          if (localClock(s.zone, start).minuteOfDay % s.step !== 0) continue;
          const end = start + durationMs;
          const free = ids.filter((_, u) => {
            const work = workCount[u];
            if (work && work(start, end) !== s.duration) return false;
            return busyCount[u]!(start - bufferMs, end + bufferMs) === 0;
          });
          if (free.length >= needed) expected.push({ start, end, free_user_ids: free });
        }
        const cap = s.maxSlots ?? DEFAULT_MAX_SLOTS;
        expect(result.slots).toEqual(expected.slice(0, cap));
        expect(result.truncated).toBe(expected.length > cap);
      }),
      { numRuns: 60 },
    );
  });
});
