/**
 * Recurrence oracle (issue 13): occurrences from worker/sync's Google expansion (rrule + @date-fns/tz)
 * equal an independent expansion of the same series by ical.js, whose zone rules come from
 * hand-written VTIMEZONEs (not the IANA database the implementation uses), for windows around DST
 * changes in America/New_York, Europe/Berlin and Asia/Kolkata. Series carry EXDATEs (UTC and TZID
 * forms), moved and cancelled instances, a this-and-following split and a series time change.
 * fast-check prints the seed and the shrunk counterexample on failure.
 */
import fc from 'fast-check';
import ICAL from 'ical.js';
import { describe, expect, it } from 'vitest';
import { expandGoogleSeries } from '../../worker/providers/google/recurrence.ts';
import { emptyMirrorEvent } from '../../worker/sync/mirror-event.ts';
import type { MirrorEvent, Window } from '../../worker/sync/types.ts';

const VTIMEZONES: Record<string, string> = {
  'America/New_York': [
    'BEGIN:VTIMEZONE',
    'TZID:America/New_York',
    'BEGIN:DAYLIGHT',
    'TZOFFSETFROM:-0500',
    'TZOFFSETTO:-0400',
    'DTSTART:20070311T020000',
    'RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU',
    'END:DAYLIGHT',
    'BEGIN:STANDARD',
    'TZOFFSETFROM:-0400',
    'TZOFFSETTO:-0500',
    'DTSTART:20071104T020000',
    'RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=1SU',
    'END:STANDARD',
    'END:VTIMEZONE',
  ].join('\r\n'),
  'Europe/Berlin': [
    'BEGIN:VTIMEZONE',
    'TZID:Europe/Berlin',
    'BEGIN:DAYLIGHT',
    'TZOFFSETFROM:+0100',
    'TZOFFSETTO:+0200',
    'DTSTART:19810329T020000',
    'RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU',
    'END:DAYLIGHT',
    'BEGIN:STANDARD',
    'TZOFFSETFROM:+0200',
    'TZOFFSETTO:+0100',
    'DTSTART:19961027T030000',
    'RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU',
    'END:STANDARD',
    'END:VTIMEZONE',
  ].join('\r\n'),
  'Asia/Kolkata': [
    'BEGIN:VTIMEZONE',
    'TZID:Asia/Kolkata',
    'BEGIN:STANDARD',
    'TZOFFSETFROM:+0530',
    'TZOFFSETTO:+0530',
    'DTSTART:19700101T000000',
    'END:STANDARD',
    'END:VTIMEZONE',
  ].join('\r\n'),
};
const ZONES = Object.keys(VTIMEZONES);
for (const text of Object.values(VTIMEZONES)) {
  ICAL.TimezoneService.register(new ICAL.Timezone(new ICAL.Component(ICAL.parse(text))));
}

/** Windows around the 2026 DST changes (US: Mar 8, Nov 1; EU: Mar 29, Oct 25), plus a quiet one. */
const WINDOWS: Window[] = [
  { startMs: Date.parse('2026-03-01T00:00:00Z'), endMs: Date.parse('2026-04-05T00:00:00Z') },
  { startMs: Date.parse('2026-10-20T00:00:00Z'), endMs: Date.parse('2026-11-10T00:00:00Z') },
  { startMs: Date.parse('2026-06-10T12:00:00Z'), endMs: Date.parse('2026-06-20T08:30:00Z') },
];

// ---------------------------------------------------------------------------------------------
// Series description shared by both sides
// ---------------------------------------------------------------------------------------------

interface Wall {
  y: number;
  mo: number;
  d: number;
  h: number;
  mi: number;
}
const pad = (n: number, w = 2) => String(n).padStart(w, '0');
const icalWall = (w: Wall) => `${pad(w.y, 4)}${pad(w.mo)}${pad(w.d)}T${pad(w.h)}${pad(w.mi)}00`;
const icalUtc = (ms: number) =>
  new Date(ms)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');

/** Instant of a wall time in `zone`, computed by ical.js from the hand-written VTIMEZONE. */
function oracleInstant(w: Wall, zone: string): number {
  const time = ICAL.Time.fromData(
    { year: w.y, month: w.mo, day: w.d, hour: w.h, minute: w.mi, second: 0, isDate: false },
    ICAL.TimezoneService.get(zone) as ICAL.Timezone,
  );
  return time.toUnixTime() * 1000;
}

/**
 * Wall time of an instant in `zone`, by ical.js: the candidate wall (instant + one of the zone's
 * offsets) that ical.js maps back to the same instant. ical.js's own UTC→zone conversion reads the
 * transition rules with UTC fields and is off for a few hours around a change, so it is not used.
 */
const ZONE_OFFSETS_MIN: Record<string, number[]> = {
  'America/New_York': [-300, -240],
  'Europe/Berlin': [60, 120],
  'Asia/Kolkata': [330],
};
function oracleWall(ms: number, zone: string): Wall {
  for (const offset of ZONE_OFFSETS_MIN[zone] ?? []) {
    const d = new Date(ms + offset * 60_000);
    const wall = {
      y: d.getUTCFullYear(),
      mo: d.getUTCMonth() + 1,
      d: d.getUTCDate(),
      h: d.getUTCHours(),
      mi: d.getUTCMinutes(),
    };
    if (oracleInstant(wall, zone) === ms) return wall;
  }
  throw new Error(`no wall time for ${new Date(ms).toISOString()} in ${zone}`);
}

interface SeriesSpec {
  id: string;
  zone: string;
  start: Wall;
  durationMin: number;
  rrule: string;
  /** EXDATE and RDATE lines, exactly as Google would send them. */
  exdates: string[];
  moved: Array<{ originalMs: number; startMs: number; endMs: number }>;
  cancelled: number[];
}

function seriesIcs(spec: SeriesSpec): string {
  const start = oracleInstant(spec.start, spec.zone);
  const endWall = oracleWall(start + spec.durationMin * 60_000, spec.zone);
  const lines = [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//oracle//EN',
    'BEGIN:VEVENT',
    `UID:${spec.id}`,
    `DTSTART;TZID=${spec.zone}:${icalWall(spec.start)}`,
    `DTEND;TZID=${spec.zone}:${icalWall(endWall)}`,
    spec.rrule,
    ...spec.exdates,
    'END:VEVENT',
  ];
  for (const moved of spec.moved) {
    lines.push(
      'BEGIN:VEVENT',
      `UID:${spec.id}`,
      `RECURRENCE-ID:${icalUtc(moved.originalMs)}`,
      `DTSTART:${icalUtc(moved.startMs)}`,
      `DTEND:${icalUtc(moved.endMs)}`,
      'END:VEVENT',
    );
  }
  for (const original of spec.cancelled) {
    lines.push(
      'BEGIN:VEVENT',
      `UID:${spec.id}`,
      `RECURRENCE-ID:${icalUtc(original)}`,
      `DTSTART:${icalUtc(original)}`,
      `DTEND:${icalUtc(original + spec.durationMin * 60_000)}`,
      'STATUS:CANCELLED',
      'END:VEVENT',
    );
  }
  lines.push('END:VCALENDAR');
  return lines.join('\r\n');
}

/** Slack past the window for instances moved into it from later originals (moves are ≤ 3 days). */
const MOVE_SLACK_MS = 5 * 86_400_000;

function oracleOccurrences(spec: SeriesSpec, window: Window): Array<[number, number]> {
  const calendar = new ICAL.Component(ICAL.parse(seriesIcs(spec)));
  const [masterComponent, ...exceptionComponents] = calendar.getAllSubcomponents('vevent');
  const master = new ICAL.Event(masterComponent);
  for (const exception of exceptionComponents) master.relateException(exception);
  const iterator = master.iterator();
  const out: Array<[number, number]> = [];
  for (let next = iterator.next(); next; next = iterator.next()) {
    if (next.toUnixTime() * 1000 >= window.endMs + MOVE_SLACK_MS) break;
    const details = master.getOccurrenceDetails(next);
    if (details.item.component.getFirstPropertyValue('status') === 'CANCELLED') continue;
    const startMs = details.startDate.toUnixTime() * 1000;
    const endMs = details.endDate.toUnixTime() * 1000;
    if (startMs < window.endMs && endMs > window.startMs) out.push([startMs, endMs]);
  }
  return out.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
}

/** The first `n` original instants of a rule, by ical.js (used to pick EXDATEs and exceptions). */
function oracleOriginals(spec: SeriesSpec, n: number): number[] {
  const bare = { ...spec, exdates: [], moved: [], cancelled: [] };
  const master = new ICAL.Event(
    new ICAL.Component(ICAL.parse(seriesIcs(bare))).getFirstSubcomponent('vevent') ?? undefined,
  );
  const iterator = master.iterator();
  const out: number[] = [];
  for (let next = iterator.next(); next && out.length < n; next = iterator.next())
    out.push(next.toUnixTime() * 1000);
  return out;
}

// ---------------------------------------------------------------------------------------------
// The same series as Google mirror rows
// ---------------------------------------------------------------------------------------------

function baseEvent(id: string): MirrorEvent {
  return { ...emptyMirrorEvent(id, id), title: 'Standup' };
}

function mirrorOf(spec: SeriesSpec): { master: MirrorEvent; exceptions: MirrorEvent[] } {
  const startMs = oracleInstant(spec.start, spec.zone);
  const master: MirrorEvent = {
    ...baseEvent(spec.id),
    seriesRole: 'master',
    timing: { allDay: false, startMs, endMs: startMs + spec.durationMin * 60_000 },
    timeZone: spec.zone,
    recurrence: [spec.rrule, ...spec.exdates],
  };
  const instanceId = (ms: number) => `${spec.id}_${icalUtc(ms)}`;
  const exceptions: MirrorEvent[] = [
    ...spec.moved.map((m) => ({
      ...baseEvent(instanceId(m.originalMs)),
      seriesRole: 'exception' as const,
      seriesKey: spec.id,
      timing: { allDay: false as const, startMs: m.startMs, endMs: m.endMs },
      timeZone: spec.zone,
      recurringEventId: spec.id,
      originalStart: { allDay: false as const, ms: m.originalMs },
    })),
    ...spec.cancelled.map((ms) => ({
      ...baseEvent(instanceId(ms)),
      seriesRole: 'exception' as const,
      seriesKey: spec.id,
      timing: { allDay: false as const, startMs: ms, endMs: ms },
      status: 'cancelled' as const,
      recurringEventId: spec.id,
      originalStart: { allDay: false as const, ms },
    })),
  ];
  return { master, exceptions };
}

function ourOccurrences(specs: SeriesSpec[], window: Window): Array<[number, number]> {
  return specs
    .flatMap((spec) => {
      const { master, exceptions } = mirrorOf(spec);
      return expandGoogleSeries(master, exceptions, window).map((i): [number, number] => {
        if (i.timing.allDay) throw new Error('timed series produced an all-day instance');
        return [i.timing.startMs, i.timing.endMs];
      });
    })
    .sort((a, b) => a[0] - b[0] || a[1] - b[1]);
}

function oracleUnion(specs: SeriesSpec[], window: Window): Array<[number, number]> {
  return specs.flatMap((s) => oracleOccurrences(s, window)).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
}

const iso = (pairs: Array<[number, number]>) =>
  pairs.map(([s, e]) => `${new Date(s).toISOString()}/${new Date(e).toISOString()}`);

// ---------------------------------------------------------------------------------------------
// Generators
// ---------------------------------------------------------------------------------------------

const DAYS = ['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'];

/** Start hours avoid 01:00–03:59 so no start or end falls in a DST gap/overlap (covered by unit tests). */
const startArb = fc.record({
  y: fc.constant(2026),
  mo: fc.integer({ min: 1, max: 10 }),
  d: fc.integer({ min: 1, max: 28 }),
  h: fc.integer({ min: 4, max: 20 }),
  mi: fc.constantFrom(0, 15, 30, 45),
});

const ruleArb = fc.record({
  freq: fc.constantFrom('DAILY', 'WEEKLY', 'MONTHLY'),
  interval: fc.integer({ min: 1, max: 3 }),
  byDay: fc.subarray(DAYS, { minLength: 1, maxLength: 3 }),
  end: fc.oneof(
    fc.constant({ kind: 'none' as const }),
    fc.record({ kind: fc.constant('count' as const), count: fc.integer({ min: 1, max: 80 }) }),
    fc.record({ kind: fc.constant('until' as const), days: fc.integer({ min: 1, max: 400 }) }),
  ),
});

const editsArb = fc.record({
  exdates: fc.array(fc.record({ index: fc.nat(60), utc: fc.boolean() }), { maxLength: 4 }),
  moved: fc.array(
    fc.record({
      index: fc.nat(60),
      shiftMin: fc.integer({ min: -3 * 24 * 60, max: 3 * 24 * 60 }),
      durationMin: fc.constantFrom(15, 45, 120),
    }),
    { maxLength: 4 },
  ),
  cancelled: fc.array(fc.nat(60), { maxLength: 4 }),
  // Extra dates at :10 past, so they never coincide with a rule instance (starts are on quarter hours).
  rdates: fc.array(
    fc.record({ days: fc.integer({ min: -20, max: 200 }), h: fc.integer({ min: 4, max: 20 }) }),
    {
      maxLength: 2,
    },
  ),
});

type RuleShape = typeof ruleArb extends fc.Arbitrary<infer T> ? T : never;
type EditsShape = typeof editsArb extends fc.Arbitrary<infer T> ? T : never;

function ruleText(rule: RuleShape, startMs: number): string {
  const parts = [`FREQ=${rule.freq}`, `INTERVAL=${rule.interval}`];
  if (rule.freq === 'WEEKLY') parts.push(`BYDAY=${rule.byDay.join(',')}`);
  if (rule.end.kind === 'count') parts.push(`COUNT=${rule.end.count}`);
  if (rule.end.kind === 'until') parts.push(`UNTIL=${icalUtc(startMs + rule.end.days * 86_400_000)}`);
  return `RRULE:${parts.join(';')}`;
}

function buildSpec(
  zone: string,
  start: Wall,
  durationMin: number,
  rule: RuleShape,
  edits: EditsShape,
): SeriesSpec {
  const startMs = oracleInstant(start, zone);
  const bare: SeriesSpec = {
    id: 'series0',
    zone,
    start,
    durationMin,
    rrule: ruleText(rule, startMs),
    exdates: [],
    moved: [],
    cancelled: [],
  };
  const originals = oracleOriginals(bare, 61);
  const pick = (index: number) => originals[index % Math.max(originals.length, 1)];
  const used = new Set<number>();
  const take = (index: number) => {
    const ms = pick(index);
    if (ms === undefined || used.has(ms)) return undefined;
    used.add(ms);
    return ms;
  };
  for (const ex of edits.exdates) {
    const ms = take(ex.index);
    if (ms === undefined) continue;
    bare.exdates.push(
      ex.utc ? `EXDATE:${icalUtc(ms)}` : `EXDATE;TZID=${zone}:${icalWall(oracleWall(ms, zone))}`,
    );
  }
  for (const move of edits.moved) {
    const ms = take(move.index);
    if (ms === undefined) continue;
    const newStart = ms + move.shiftMin * 60_000;
    bare.moved.push({ originalMs: ms, startMs: newStart, endMs: newStart + move.durationMin * 60_000 });
  }
  for (const index of edits.cancelled) {
    const ms = take(index);
    if (ms !== undefined) bare.cancelled.push(ms);
  }
  for (const extra of edits.rdates) {
    const day = oracleWall(startMs + extra.days * 86_400_000, zone);
    bare.exdates.push(`RDATE;TZID=${zone}:${icalWall({ ...day, h: extra.h, mi: 10 })}`);
  }
  return bare;
}

const specArb = fc
  .tuple(fc.constantFrom(...ZONES), startArb, fc.constantFrom(30, 60, 90, 180), ruleArb, editsArb)
  .map(([zone, start, duration, rule, edits]) => buildSpec(zone, start, duration, rule, edits));

const windowArb = fc.constantFrom(...WINDOWS);

// ---------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------

describe('Google series expansion equals ical.js (independent zones) around DST', () => {
  it('known case: a daily 09:00 New York meeting stays at 09:00 local across the March change', () => {
    const spec: SeriesSpec = {
      id: 'daily',
      zone: 'America/New_York',
      start: { y: 2026, mo: 3, d: 6, h: 9, mi: 0 },
      durationMin: 30,
      rrule: 'RRULE:FREQ=DAILY;COUNT=5',
      exdates: [],
      moved: [],
      cancelled: [],
    };
    const window = WINDOWS[0]!;
    const ours = ourOccurrences([spec], window);
    expect(iso(ours.map(([s]) => [s, s])).map((x) => x.slice(0, 20))).toEqual([
      '2026-03-06T14:00:00.',
      '2026-03-07T14:00:00.',
      '2026-03-08T13:00:00.',
      '2026-03-09T13:00:00.',
      '2026-03-10T13:00:00.',
    ]);
    expect(iso(ours)).toEqual(iso(oracleUnion([spec], window)));
  });

  it('random series with EXDATEs, moved and cancelled instances, in every zone and window', () => {
    fc.assert(
      fc.property(specArb, windowArb, (spec, window) => {
        expect(iso(ourOccurrences([spec], window))).toEqual(iso(oracleUnion([spec], window)));
      }),
      { numRuns: 300 },
    );
  });

  it('series time change: exceptions whose original start is no longer an instance are dropped', () => {
    fc.assert(
      fc.property(
        specArb,
        windowArb,
        fc.integer({ min: -2, max: 3 }).filter((h) => h !== 0),
        (spec, window, hours) => {
          // Move the whole series by whole hours (kept out of 01:00-03:59); exceptions keep old originals.
          const h = Math.min(20, Math.max(4, spec.start.h + hours));
          fc.pre(h !== spec.start.h);
          const changed: SeriesSpec = { ...spec, start: { ...spec.start, h }, exdates: [] };
          expect(iso(ourOccurrences([changed], window))).toEqual(iso(oracleUnion([changed], window)));
        },
      ),
      { numRuns: 150 },
    );
  });

  it('this-and-following split: the old series gets UNTIL, a new _R series starts at the split', () => {
    fc.assert(
      fc.property(
        specArb,
        windowArb,
        fc.nat(40),
        fc.integer({ min: 0, max: 2 }),
        (spec, window, at, shiftH) => {
          const originals = oracleOriginals(spec, 41);
          const splitMs = originals[at % originals.length];
          fc.pre(splitMs !== undefined && at % originals.length > 0);
          const splitWall = oracleWall(splitMs!, spec.zone);
          const rule = spec.rrule.replace(/;(COUNT|UNTIL)=[^;]*/g, '');
          const old: SeriesSpec = {
            ...spec,
            rrule: `${rule};UNTIL=${icalUtc(splitMs! - 1000)}`,
            exdates: spec.exdates.filter((line) => !line.startsWith('RDATE')),
          };
          const following: SeriesSpec = {
            id: `${spec.id}_R${icalWall(splitWall)}`,
            zone: spec.zone,
            start: { ...splitWall, h: Math.min(20, splitWall.h + shiftH) },
            durationMin: spec.durationMin,
            rrule: `${rule};COUNT=12`,
            exdates: [],
            moved: [],
            cancelled: [],
          };
          expect(iso(ourOccurrences([old, following], window))).toEqual(
            iso(oracleUnion([old, following], window)),
          );
          // Nothing of the old series remains at or after the split.
          const { master, exceptions } = mirrorOf(old);
          for (const instance of expandGoogleSeries(master, exceptions, window)) {
            if (instance.source === master && !instance.timing.allDay)
              expect(instance.timing.startMs).toBeLessThan(splitMs!);
          }
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe('all-day series equal ical.js date expansion', () => {
  const DAY = 86_400_000;
  const dateText = (d: Date) => d.toISOString().slice(0, 10);
  const compact = (date: string) => date.replace(/-/g, '');

  it('property: weekly/daily/monthly all-day series with EXDATEs and cancelled days', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...ZONES),
        fc.integer({ min: 0, max: 280 }),
        fc.integer({ min: 1, max: 3 }),
        ruleArb,
        fc.array(fc.nat(30), { maxLength: 3 }),
        fc.array(fc.nat(30), { maxLength: 3 }),
        windowArb,
        (zone, offset, days, rule, exIndexes, cancelIndexes, window) => {
          const start = dateText(new Date(Date.UTC(2026, 0, 1 + offset)));
          const end = dateText(new Date(Date.UTC(2026, 0, 1 + offset + days)));
          const rrule = ruleText(rule, Date.UTC(2026, 0, 1 + offset)).replace(
            /UNTIL=(\d{8})T\d{6}Z/,
            'UNTIL=$1',
          );
          const header = [
            'BEGIN:VCALENDAR',
            'VERSION:2.0',
            'PRODID:-//oracle//EN',
            'BEGIN:VEVENT',
            'UID:allday',
            `DTSTART;VALUE=DATE:${compact(start)}`,
            `DTEND;VALUE=DATE:${compact(end)}`,
            rrule,
          ];
          const bareEvent = new ICAL.Event(
            new ICAL.Component(
              ICAL.parse([...header, 'END:VEVENT', 'END:VCALENDAR'].join('\r\n')),
            ).getFirstSubcomponent('vevent') ?? undefined,
          );
          const originals: string[] = [];
          const bareIterator = bareEvent.iterator();
          for (let next = bareIterator.next(); next && originals.length < 31; next = bareIterator.next()) {
            originals.push(next.toString().slice(0, 10));
          }
          const pickDay = (i: number) => originals[i % Math.max(originals.length, 1)];
          const exdates = [...new Set(exIndexes.map(pickDay))].filter((d): d is string => !!d);
          const cancelled = [...new Set(cancelIndexes.map(pickDay))]
            .filter((d): d is string => !!d)
            .filter((d) => !exdates.includes(d));
          const exdateLines = exdates.map((d) => `EXDATE;VALUE=DATE:${compact(d)}`);
          const ics = [
            ...header,
            ...exdateLines,
            'END:VEVENT',
            ...cancelled.flatMap((d) => [
              'BEGIN:VEVENT',
              'UID:allday',
              `RECURRENCE-ID;VALUE=DATE:${compact(d)}`,
              `DTSTART;VALUE=DATE:${compact(d)}`,
              'STATUS:CANCELLED',
              'END:VEVENT',
            ]),
            'END:VCALENDAR',
          ].join('\r\n');
          const [masterComponent, ...exceptionComponents] = new ICAL.Component(
            ICAL.parse(ics),
          ).getAllSubcomponents('vevent');
          const oracle = new ICAL.Event(masterComponent);
          for (const exception of exceptionComponents) oracle.relateException(exception);
          const inWindow = (s: string, e: string) =>
            Date.parse(s) < window.endMs + DAY && Date.parse(e) > window.startMs - DAY;
          const expected: string[] = [];
          const iterator = oracle.iterator();
          for (let next = iterator.next(); next; next = iterator.next()) {
            if (Date.parse(next.toString().slice(0, 10)) >= window.endMs + 2 * DAY) break;
            const details = oracle.getOccurrenceDetails(next);
            if (details.item.component.getFirstPropertyValue('status') === 'CANCELLED') continue;
            const s = next.toString().slice(0, 10);
            const e = dateText(new Date(Date.parse(s) + days * DAY));
            if (inWindow(s, e)) expected.push(`${s}/${e}`);
          }
          const master: MirrorEvent = {
            ...baseEvent('allday'),
            seriesRole: 'master',
            timing: { allDay: true, startDate: start, endDate: end },
            timeZone: zone,
            recurrence: [rrule, ...exdateLines],
          };
          const markers: MirrorEvent[] = cancelled.map((d) => ({
            ...baseEvent(`allday_${compact(d)}`),
            seriesRole: 'exception',
            seriesKey: 'allday',
            status: 'cancelled',
            recurringEventId: 'allday',
            originalStart: { allDay: true, date: d },
            timing: { allDay: true, startDate: d, endDate: dateText(new Date(Date.parse(d) + DAY)) },
          }));
          const ours = expandGoogleSeries(master, markers, window).map((i) =>
            i.timing.allDay ? `${i.timing.startDate}/${i.timing.endDate}` : 'timed!',
          );
          expect(ours).toEqual(expected);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('wall times in DST gaps and overlaps (RFC 5545 §3.3.5)', () => {
  const expand = (zone: string, wall: string, rule: string, window: Window) => {
    const [date, time] = wall.split('T') as [string, string];
    const [y, mo, d] = date.split('-').map(Number) as [number, number, number];
    const [h, mi] = time.split(':').map(Number) as [number, number];
    const startMs = oracleInstant({ y, mo, d, h, mi }, zone);
    const master: MirrorEvent = {
      ...baseEvent('gap'),
      seriesRole: 'master',
      timing: { allDay: false, startMs, endMs: startMs + 30 * 60_000 },
      timeZone: zone,
      recurrence: [rule],
    };
    return expandGoogleSeries(master, [], window).map((i) =>
      i.timing.allDay ? '' : new Date(i.timing.startMs).toISOString(),
    );
  };

  it('a daily 02:30 New York meeting happens at 03:30 EDT on the spring-forward day', () => {
    expect(expand('America/New_York', '2026-03-06T02:30', 'RRULE:FREQ=DAILY;COUNT=4', WINDOWS[0]!)).toEqual([
      '2026-03-06T07:30:00.000Z',
      '2026-03-07T07:30:00.000Z',
      '2026-03-08T07:30:00.000Z',
      '2026-03-09T06:30:00.000Z',
    ]);
  });

  it('a daily 01:30 New York meeting takes the first 01:30 on the fall-back day', () => {
    expect(expand('America/New_York', '2026-10-30T01:30', 'RRULE:FREQ=DAILY;COUNT=4', WINDOWS[1]!)).toEqual([
      '2026-10-30T05:30:00.000Z',
      '2026-10-31T05:30:00.000Z',
      '2026-11-01T05:30:00.000Z',
      '2026-11-02T06:30:00.000Z',
    ]);
  });

  it('a daily 02:30 Berlin meeting takes the first 02:30 (CEST) on the fall-back day', () => {
    expect(expand('Europe/Berlin', '2026-10-23T02:30', 'RRULE:FREQ=DAILY;COUNT=4', WINDOWS[1]!)).toEqual([
      '2026-10-23T00:30:00.000Z',
      '2026-10-24T00:30:00.000Z',
      '2026-10-25T00:30:00.000Z',
      '2026-10-26T01:30:00.000Z',
    ]);
  });

  it('a weekly 02:15 Berlin meeting on the last Sunday of March moves to 03:15 CEST', () => {
    expect(expand('Europe/Berlin', '2026-03-22T02:15', 'RRULE:FREQ=WEEKLY;COUNT=2', WINDOWS[0]!)).toEqual([
      '2026-03-22T01:15:00.000Z',
      '2026-03-29T01:15:00.000Z',
    ]);
  });
});
