/**
 * Busy rules and derivation (issue 13): what blocks time, all-day days in the owner's zone, and the
 * per-series derivation for both providers. Property tests print their seed on failure.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { allDayToInterval } from '../../worker/availability/all-day.ts';
import { googleSeriesExpansion } from '../../worker/providers/google/recurrence.ts';
import { busyKindOf, deriveSeriesBusy } from '../../worker/sync/busy.ts';
import { horizonAt } from '../../worker/sync/horizon.ts';
import { emptyMirrorEvent } from '../../worker/sync/mirror-event.ts';
import type { EventKind, MirrorEvent, ResponseStatus } from '../../worker/sync/types.ts';

function event(fields: Partial<MirrorEvent> = {}): MirrorEvent {
  return {
    ...emptyMirrorEvent('e1', 'e1'),
    title: 'Meeting',
    timing: {
      allDay: false,
      startMs: Date.parse('2026-03-10T10:00:00Z'),
      endMs: Date.parse('2026-03-10T11:00:00Z'),
    },
    timeZone: 'UTC',
    ...fields,
  };
}

const YEAR = { startMs: Date.parse('2026-01-01T00:00:00Z'), endMs: Date.parse('2027-01-01T00:00:00Z') };

describe('busyKindOf', () => {
  it.each([
    [{}, 'busy'],
    [{ status: 'cancelled' }, null],
    [{ responseStatus: 'declined', isOrganizer: false }, null],
    [{ responseStatus: 'tentative', isOrganizer: false }, 'tentative'],
    [{ responseStatus: 'needsAction', isOrganizer: false }, 'tentative'],
    [{ responseStatus: 'accepted', isOrganizer: false }, 'busy'],
    [{ status: 'tentative' }, 'tentative'],
    [{ transparency: 'transparent' }, null],
    [{ eventKind: 'outOfOffice' }, 'out_of_office'],
    [{ eventKind: 'outOfOffice', transparency: 'transparent' }, 'out_of_office'],
    [{ eventKind: 'outOfOffice', status: 'cancelled' }, null],
    [{ eventKind: 'workingLocation' }, null],
    [{ eventKind: 'focusTime' }, 'focus_time'],
    [{ eventKind: 'focusTime', transparency: 'transparent' }, null],
  ] as Array<[Partial<MirrorEvent>, string | null]>)('%j → %s', (fields, expected) => {
    expect(busyKindOf(event(fields))).toBe(expected);
  });

  it('property: never busy when cancelled, declined or working-location; out-of-office always busy otherwise', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('confirmed', 'tentative', 'cancelled' as const),
        fc.constantFrom('opaque', 'transparent' as const),
        fc.constantFrom<EventKind>('default', 'outOfOffice', 'focusTime', 'workingLocation'),
        fc.constantFrom<ResponseStatus | null>(null, 'needsAction', 'accepted', 'tentative', 'declined'),
        (status, transparency, eventKind, responseStatus) => {
          const kind = busyKindOf(event({ status, transparency, eventKind, responseStatus }));
          if (status === 'cancelled' || responseStatus === 'declined' || eventKind === 'workingLocation') {
            expect(kind).toBeNull();
          } else if (eventKind === 'outOfOffice') {
            expect(kind).toBe('out_of_office');
          } else if (transparency === 'transparent') {
            expect(kind).toBeNull();
          } else {
            expect(kind).not.toBeNull();
          }
        },
      ),
    );
  });
});

// All-day busy rows are stored as dates; the read side (allDayToInterval) turns them into the owner's day.
describe('all-day busy covers the owner local day', () => {
  const day = { startDate: '2026-05-01', endDate: '2026-05-02' };
  it.each([
    ['Asia/Kolkata', '2026-04-30T18:30:00.000Z', '2026-05-01T18:30:00.000Z'],
    ['America/Los_Angeles', '2026-05-01T07:00:00.000Z', '2026-05-02T07:00:00.000Z'],
    ['Europe/Berlin', '2026-04-30T22:00:00.000Z', '2026-05-01T22:00:00.000Z'],
  ])('%s', (zone, start, end) => {
    const interval = allDayToInterval(day, zone);
    expect([new Date(interval.start).toISOString(), new Date(interval.end).toISOString()]).toEqual([
      start,
      end,
    ]);
  });

  it('a DST day lasts 23 hours in New York (Mar 8, 2026) and 25 hours in Berlin (Oct 25, 2026)', () => {
    const ny = allDayToInterval({ startDate: '2026-03-08', endDate: '2026-03-09' }, 'America/New_York');
    expect((ny.end - ny.start) / 3_600_000).toBe(23);
    const berlin = allDayToInterval({ startDate: '2026-10-25', endDate: '2026-10-26' }, 'Europe/Berlin');
    expect((berlin.end - berlin.start) / 3_600_000).toBe(25);
  });

  it('property: the interval starts at local midnight of the start date and spans the dates', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(
          'America/New_York',
          'Europe/Berlin',
          'Asia/Kolkata',
          'Pacific/Auckland',
          'America/Los_Angeles',
        ),
        fc.integer({ min: 0, max: 730 }),
        fc.integer({ min: 1, max: 14 }),
        (zone, offset, days) => {
          const start = new Date(Date.UTC(2026, 0, 1 + offset)).toISOString().slice(0, 10);
          const end = new Date(Date.UTC(2026, 0, 1 + offset + days)).toISOString().slice(0, 10);
          const interval = allDayToInterval({ startDate: start, endDate: end }, zone);
          const local = new Intl.DateTimeFormat('en-CA', {
            timeZone: zone,
            year: 'numeric',
            month: '2-digit',
            day: '2-digit',
            hour: '2-digit',
            minute: '2-digit',
            hourCycle: 'h23',
          });
          expect(local.format(interval.start)).toBe(`${start}, 00:00`);
          expect(local.format(interval.end)).toBe(`${end}, 00:00`);
          const hours = (interval.end - interval.start) / 3_600_000;
          expect(Math.abs(hours - days * 24)).toBeLessThanOrEqual(1);
        },
      ),
    );
  });
});

describe('deriveSeriesBusy', () => {
  it('Google all-day weekly series: dates, an EXDATE, a cancelled and a moved instance', () => {
    const master = event({
      providerEventId: 'ad',
      seriesKey: 'ad',
      seriesRole: 'master',
      timing: { allDay: true, startDate: '2026-03-02', endDate: '2026-03-03' },
      timeZone: 'Europe/Berlin',
      recurrence: ['RRULE:FREQ=WEEKLY;COUNT=6', 'EXDATE;VALUE=DATE:20260309'],
      eventKind: 'outOfOffice',
    });
    const cancelled = event({
      providerEventId: 'ad_20260316',
      seriesKey: 'ad',
      seriesRole: 'exception',
      status: 'cancelled',
      recurringEventId: 'ad',
      originalStart: { allDay: true, date: '2026-03-16' },
      timing: { allDay: true, startDate: '2026-03-16', endDate: '2026-03-17' },
    });
    const moved = event({
      providerEventId: 'ad_20260323',
      seriesKey: 'ad',
      seriesRole: 'exception',
      recurringEventId: 'ad',
      originalStart: { allDay: true, date: '2026-03-23' },
      timing: { allDay: true, startDate: '2026-03-25', endDate: '2026-03-27' },
    });
    const busy = deriveSeriesBusy(googleSeriesExpansion, [master, cancelled, moved], YEAR);
    expect(
      busy.map((b) => (b.timing.allDay ? `${b.timing.startDate}/${b.timing.endDate}:${b.busyKind}` : '')),
    ).toEqual([
      '2026-03-02/2026-03-03:out_of_office',
      '2026-03-25/2026-03-27:busy',
      '2026-03-30/2026-03-31:out_of_office',
      '2026-04-06/2026-04-07:out_of_office',
    ]);
  });

  it('a declined instance of an accepted series does not block; the rest do', () => {
    const master = event({
      providerEventId: 's',
      seriesKey: 's',
      seriesRole: 'master',
      timeZone: 'America/New_York',
      recurrence: ['RRULE:FREQ=DAILY;COUNT=3'],
      isOrganizer: false,
      responseStatus: 'accepted',
    });
    const declined = event({
      providerEventId: 's_20260311T100000Z',
      seriesKey: 's',
      seriesRole: 'exception',
      recurringEventId: 's',
      isOrganizer: false,
      responseStatus: 'declined',
      originalStart: { allDay: false, ms: Date.parse('2026-03-11T10:00:00Z') },
      timing: {
        allDay: false,
        startMs: Date.parse('2026-03-11T10:00:00Z'),
        endMs: Date.parse('2026-03-11T11:00:00Z'),
      },
    });
    const busy = deriveSeriesBusy(googleSeriesExpansion, [master, declined], YEAR);
    expect(busy.map((b) => (b.timing.allDay ? '' : new Date(b.timing.startMs).toISOString()))).toEqual([
      '2026-03-10T10:00:00.000Z',
      '2026-03-12T10:00:00.000Z',
    ]);
  });

  it('Google exceptions whose master is not mirrored yet count on their own; zero-length events never', () => {
    const orphan = event({
      providerEventId: 'x_1',
      seriesKey: 'x',
      seriesRole: 'exception',
      recurringEventId: 'x',
    });
    const zero = event({
      providerEventId: 'z',
      seriesKey: 'z',
      timing: { allDay: false, startMs: 5, endMs: 5 },
    });
    expect(deriveSeriesBusy(googleSeriesExpansion, [orphan], YEAR)).toHaveLength(1);
    expect(deriveSeriesBusy(googleSeriesExpansion, [zero], YEAR)).toHaveLength(0);
  });

  it('respects the window: nothing outside it is derived', () => {
    const master = event({
      providerEventId: 'w',
      seriesKey: 'w',
      seriesRole: 'master',
      recurrence: ['RRULE:FREQ=DAILY'],
    });
    const window = { startMs: Date.parse('2026-04-01T00:00:00Z'), endMs: Date.parse('2026-04-08T00:00:00Z') };
    const busy = deriveSeriesBusy(googleSeriesExpansion, [master], window);
    expect(busy).toHaveLength(7);
    for (const b of busy) {
      if (b.timing.allDay) throw new Error('unexpected all-day');
      expect(b.timing.startMs).toBeGreaterThanOrEqual(window.startMs);
      expect(b.timing.endMs).toBeLessThanOrEqual(window.endMs);
    }
  });
});

describe('horizonAt', () => {
  it('covers 30 days back to 365 days ahead from the UTC day, the same all day', () => {
    const morning = horizonAt(Date.parse('2026-11-25T00:10:00Z'));
    expect(morning).toEqual(horizonAt(Date.parse('2026-11-25T23:50:00Z')));
    expect(new Date(morning.startMs).toISOString()).toBe('2026-10-26T00:00:00.000Z');
    expect(new Date(morning.endMs).toISOString()).toBe('2027-11-26T00:00:00.000Z');
  });
});
