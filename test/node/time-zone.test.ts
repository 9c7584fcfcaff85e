/**
 * The one zone module (worker/time/zone.ts): zone validity as written, instant ↔ wall time and the
 * RFC 5545 rule for one wall time (gap → forward by the gap, overlap → the earlier instant), as
 * named cases and as properties around every DST change of 2024–2030 in zones with whole-hour,
 * half-hour (Lord Howe), southern-hemisphere (Auckland) and no (Kolkata) DST. The oracles are
 * `Intl.DateTimeFormat` read directly (what the Microsoft adapter used) and the `TZDate`
 * constructor (what the Google recurrence used), which agree with the module everywhere except
 * an overlap east of UTC, where `TZDate` takes the later instant.
 */
import { TZDate } from '@date-fns/tz';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  dateInZone,
  instantOfWall,
  instantsAtWall,
  isKnownTimeZone,
  offsetAt,
  offsetSegments,
  segmentsForWallRange,
  wallOf,
  wallTimeIn,
  wallTimeToInstants,
  zoneAsWritten,
} from '../../worker/time/zone.ts';

const MINUTE = 60_000;
const HOUR = 3_600_000;
const ZONES = [
  'America/New_York',
  'Europe/Berlin',
  'Asia/Kolkata',
  'Pacific/Auckland',
  'Australia/Lord_Howe',
  'America/St_Johns',
  'America/Santiago',
  'UTC',
] as const;

const at = (iso: string) => Date.parse(iso);
/** A wall time written as local ISO (`2026-03-08T02:30`), read as the module's floating number. */
const wall = (local: string) => Date.parse(`${local}:00Z`);
const iso = (ms: number) => new Date(ms).toISOString();

/** `YYYY-MM-DDTHH:mm:ss` straight from Intl: the Microsoft adapter's former implementation. */
function intlWallTime(instant: number, zone: string): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    })
      .formatToParts(new Date(instant))
      .map((part) => [part.type, part.value]),
  );
  return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}:${parts.second}`;
}

/** The `TZDate` constructor: the Google recurrence's and the Graph mapping's former wall → instant. */
function tzDateInstant(wallMs: number, zone: string): number {
  const d = new Date(wallMs);
  return new TZDate(
    d.getUTCFullYear(),
    d.getUTCMonth(),
    d.getUTCDate(),
    d.getUTCHours(),
    d.getUTCMinutes(),
    d.getUTCSeconds(),
    d.getUTCMilliseconds(),
    zone,
  ).getTime();
}

/** Every offset change of `zone` in 2024–2030 (St. John's, Santiago and Lord Howe included). */
const CHANGES = new Map(
  ZONES.map((zone) => [
    zone,
    offsetSegments(zone, { start: at('2024-01-01T00:00:00Z'), end: at('2031-01-01T00:00:00Z') })
      .slice(1)
      .map((segment) => segment.start),
  ]),
);

/** An instant within three hours of a DST change (or anywhere in 2024–2030 for a zone without one). */
const nearChange = fc.constantFrom(...ZONES).chain((zone) => {
  const changes = CHANGES.get(zone)!;
  const anchor =
    changes.length > 0
      ? fc.constantFrom(...changes)
      : fc.integer({ min: at('2024-01-01T00:00:00Z'), max: at('2031-01-01T00:00:00Z') });
  return fc
    .tuple(anchor, fc.integer({ min: -3 * 60, max: 3 * 60 }), fc.integer({ min: 0, max: 59 }))
    .map(([change, minutes, seconds]) => ({ zone, instant: change + minutes * MINUTE + seconds * 1000 }));
});

describe('zone validity', () => {
  it('knows IANA names in any case, links included; nothing else', () => {
    for (const zone of ['Europe/Berlin', 'europe/berlin', 'Europe/Kyiv', 'Asia/Kolkata', 'UTC', 'Etc/GMT+5'])
      expect(isKnownTimeZone(zone), zone).toBe(true);
    for (const zone of ['Mars/Olympus_Mons', '', 'Pacific Standard Time', 'Europe/Berlin '])
      expect(isKnownTimeZone(zone), zone).toBe(false);
  });

  it('keeps the name as written (no legacy alias); only the case of a runtime spelling is fixed', () => {
    expect(zoneAsWritten('Europe/Kyiv')).toBe('Europe/Kyiv');
    expect(zoneAsWritten('Asia/Kolkata')).toBe('Asia/Kolkata');
    expect(zoneAsWritten('europe/berlin')).toBe('Europe/Berlin');
    expect(zoneAsWritten('UTC')).toBe('UTC');
    expect(() => zoneAsWritten('Mars/Olympus_Mons')).toThrow(RangeError);
  });

  it('every zone the runtime lists is known and kept as listed', () => {
    for (const zone of Intl.supportedValuesOf('timeZone')) {
      expect(isKnownTimeZone(zone), zone).toBe(true);
      expect(zoneAsWritten(zone), zone).toBe(zone);
    }
  });

  it('an unknown zone is a RangeError, never a NaN date', () => {
    expect(() => wallOf(0, 'Pacific Standard Time')).toThrow(RangeError);
    expect(() => dateInZone(0, 'Pacific Standard Time')).toThrow(RangeError);
    expect(() => instantOfWall(0, 'Pacific Standard Time')).toThrow(RangeError);
  });
});

describe('instant → wall time', () => {
  it('reads the local clock', () => {
    expect(wallTimeIn(at('2026-07-01T08:00:00Z'), 'Europe/Berlin')).toBe('2026-07-01T10:00:00');
    expect(wallTimeIn(at('2026-01-01T08:00:00Z'), 'America/New_York')).toBe('2026-01-01T03:00:00');
    expect(wallTimeIn(at('2026-01-01T00:30:00Z'), 'Asia/Kolkata')).toBe('2026-01-01T06:00:00');
    expect(wallTimeIn(at('2026-10-03T15:59:59Z'), 'Australia/Lord_Howe')).toBe('2026-10-04T02:59:59');
    expect(dateInZone(at('2026-03-08T11:30:00Z'), 'Pacific/Auckland')).toBe('2026-03-09');
    expect(dateInZone(at('2026-03-08T11:30:00Z'), 'America/New_York')).toBe('2026-03-08');
  });

  it('agrees with Intl to the second near every DST change', () => {
    fc.assert(
      fc.property(nearChange, ({ zone, instant }) => {
        expect(wallTimeIn(instant, zone)).toBe(intlWallTime(instant, zone));
        expect(dateInZone(instant, zone)).toBe(intlWallTime(instant, zone).slice(0, 10));
      }),
      { numRuns: 500 },
    );
  });
});

describe('wall time → instant (RFC 5545 §3.3.5)', () => {
  const cases: [string, string, string, string[]][] = [
    // zone, wall, instantOfWall, instantsAtWall
    ['America/New_York', '2026-03-08T02:30', '2026-03-08T07:30:00.000Z', []],
    [
      'America/New_York',
      '2026-11-01T01:30',
      '2026-11-01T05:30:00.000Z',
      ['2026-11-01T05:30:00.000Z', '2026-11-01T06:30:00.000Z'],
    ],
    ['Europe/Berlin', '2026-03-29T02:30', '2026-03-29T01:30:00.000Z', []],
    [
      'Europe/Berlin',
      '2026-10-25T02:30',
      '2026-10-25T00:30:00.000Z',
      ['2026-10-25T00:30:00.000Z', '2026-10-25T01:30:00.000Z'],
    ],
    ['Pacific/Auckland', '2026-09-27T02:30', '2026-09-26T14:30:00.000Z', []],
    [
      'Pacific/Auckland',
      '2026-04-05T02:30',
      '2026-04-04T13:30:00.000Z',
      ['2026-04-04T13:30:00.000Z', '2026-04-04T14:30:00.000Z'],
    ],
    // Lord Howe moves its clocks by 30 minutes: 02:00 → 02:30 in October, 02:00 → 01:30 in April.
    ['Australia/Lord_Howe', '2026-10-04T02:15', '2026-10-03T15:45:00.000Z', []],
    [
      'Australia/Lord_Howe',
      '2026-04-05T01:45',
      '2026-04-04T14:45:00.000Z',
      ['2026-04-04T14:45:00.000Z', '2026-04-04T15:15:00.000Z'],
    ],
    ['Asia/Kolkata', '2026-03-29T02:30', '2026-03-28T21:00:00.000Z', ['2026-03-28T21:00:00.000Z']],
    // Santiago's spring-forward is at midnight: the day starts when the clock jumps to 01:00.
    ['America/Santiago', '2026-09-06T00:00', '2026-09-06T04:00:00.000Z', []],
  ];

  it.each(cases)('%s %s', (zone, local, one, all) => {
    expect(iso(instantOfWall(wall(local), zone))).toBe(one);
    expect(instantsAtWall(wall(local), zone).map(iso)).toEqual(all);
  });

  it('an ambiguous time takes the earlier instant in the east too, where TZDate took the later', () => {
    const berlin = wall('2026-10-25T02:30');
    expect(tzDateInstant(berlin, 'Europe/Berlin')).toBe(at('2026-10-25T01:30:00Z'));
    expect(instantOfWall(berlin, 'Europe/Berlin')).toBe(at('2026-10-25T00:30:00Z'));
  });

  it('round trip: every instant is found again from its wall time, and the earliest is the one', () => {
    fc.assert(
      fc.property(nearChange, ({ zone, instant }) => {
        const w = wallOf(instant, zone);
        const all = instantsAtWall(w, zone);
        expect(all).toContain(instant);
        expect(instantOfWall(w, zone)).toBe(all[0]);
        for (const other of all) expect(wallOf(other, zone)).toBe(w);
        expect(wallOf(instantOfWall(w, zone), zone)).toBe(w);
      }),
      { numRuns: 1000 },
    );
  });

  it('any wall time: found exactly when it exists; in a gap, moved forward by the gap', () => {
    const wallNearChange = nearChange.map(({ zone, instant }) => ({
      zone,
      // A wall time near the change, whether the clock shows it or skips it.
      w: instant + offsetAt(zone, instant - 6 * HOUR),
    }));
    fc.assert(
      fc.property(wallNearChange, ({ zone, w }) => {
        const all = instantsAtWall(w, zone);
        // The segment model of the availability code finds the same instants.
        expect(all).toEqual(wallTimeToInstants(segmentsForWallRange(zone, w, w + 1), w));
        const one = instantOfWall(w, zone);
        if (all.length > 0) {
          expect(one).toBe(all[0]);
          // TZDate agrees outside overlaps (the former rule of the recurrence and the Graph mapping).
          if (all.length === 1) expect(tzDateInstant(w, zone)).toBe(one);
        } else {
          const gap = offsetAt(zone, w + 86_400_000) - offsetAt(zone, w - 86_400_000);
          expect(gap).toBeGreaterThan(0);
          expect(wallOf(one, zone) - w).toBe(gap);
          expect(tzDateInstant(w, zone)).toBe(one);
        }
      }),
      { numRuns: 1000 },
    );
  });
});
