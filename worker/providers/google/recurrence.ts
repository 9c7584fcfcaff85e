/**
 * Expands a Google series (master RRULE/EXRULE/RDATE/EXDATE in its start `timeZone`, plus its
 * exceptions) into concrete instances inside a window. Rules are evaluated by `rrule` on floating
 * wall-clock times (a Date whose UTC fields are the zone's wall time) and turned into instants by
 * worker/time/zone.ts, so a 09:00 meeting stays at 09:00 local across DST. A wall time inside a DST
 * gap moves forward by the gap and an ambiguous one takes the first (earlier) instant, as RFC 5545
 * says (`instantOfWall`).
 * Exceptions whose original start is no instance of the current rules (after a series time change or
 * a this-and-following split) are dropped, as Google drops them.
 */
import * as rruleModule from 'rrule';
import { addDays } from '../../sync/dates.ts';
import { originalKey, overlapsWindow } from '../../sync/series.ts';
import type {
  MirrorEvent,
  OriginalStart,
  SeriesExpansion,
  SeriesInstance,
  Timing,
  Window,
} from '../../sync/types.ts';
import { instantOfWall, wallOf } from '../../time/zone.ts';

// rrule ships CommonJS for Node and ESM for bundlers: take named exports from whichever shape loaded.
const { rrulestr } = (rruleModule as { default?: typeof rruleModule }).default ?? rruleModule;
type RRuleSet = rruleModule.RRuleSet;

const DAY_MS = 86_400_000;
/** Upper bound per series and window: a daily rule over the 395-day horizon is far below it. */
const MAX_INSTANCES = 5000;

interface Wall {
  y: number;
  mo: number;
  d: number;
  h: number;
  mi: number;
  s: number;
}

const floatingOf = (w: Wall) => Date.UTC(w.y, w.mo - 1, w.d, w.h, w.mi, w.s);
const wallOfFloating = (f: number): Wall => {
  const d = new Date(f);
  return {
    y: d.getUTCFullYear(),
    mo: d.getUTCMonth() + 1,
    d: d.getUTCDate(),
    h: d.getUTCHours(),
    mi: d.getUTCMinutes(),
    s: d.getUTCSeconds(),
  };
};
const pad = (n: number, width = 2) => String(n).padStart(width, '0');
const icalWall = (w: Wall) => `${pad(w.y, 4)}${pad(w.mo)}${pad(w.d)}T${pad(w.h)}${pad(w.mi)}${pad(w.s)}`;
const dateOfWall = (w: Wall) => `${pad(w.y, 4)}-${pad(w.mo)}-${pad(w.d)}`;
const wallOfDate = (date: string): Wall => {
  const [y, mo, d] = date.split('-').map(Number) as [number, number, number];
  return { y, mo, d, h: 0, mi: 0, s: 0 };
};

function parseIcalValue(value: string): { wall: Wall; utc: boolean } {
  const m = value.match(/^(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2})(Z)?)?$/);
  if (!m) throw new Error(`unparseable recurrence date ${value}`);
  const n = (i: number) => Number(m[i] ?? 0);
  return { wall: { y: n(1), mo: n(2), d: n(3), h: n(4), mi: n(5), s: n(6) }, utc: m[7] === 'Z' };
}

/** EXDATE/RDATE values as floating wall times of the series' zone. */
function dateListWalls(line: string, zone: string): number[] {
  const colon = line.indexOf(':');
  const params = line.slice(0, colon);
  const tzid = params.match(/TZID=([^;:]+)/)?.[1];
  return line
    .slice(colon + 1)
    .split(',')
    .filter(Boolean)
    .map((value) => {
      const { wall, utc } = parseIcalValue(value.trim());
      if (utc) return wallOf(floatingOf(wall), zone);
      if (tzid && tzid !== zone) return wallOf(instantOfWall(floatingOf(wall), tzid), zone);
      return floatingOf(wall);
    });
}

/** RRULE/EXRULE with UNTIL rewritten into the zone's wall time, so floating evaluation compares alike. */
function floatingRule(line: string, zone: string): string {
  return line.replace(/UNTIL=(\d{8})(T\d{6}Z?)?/, (_all, date: string, time?: string) => {
    if (!time) return `UNTIL=${date}T235959`;
    const { wall, utc } = parseIcalValue(`${date}${time}`);
    return `UNTIL=${icalWall(utc ? wallOfFloating(wallOf(floatingOf(wall), zone)) : wall)}`;
  });
}

interface CompiledSeries {
  set: RRuleSet;
  excluded: Set<number>;
  zone: string;
  allDay: boolean;
}

function compile(master: MirrorEvent): CompiledSeries {
  // The mirror keeps recurrence opaque; this adapter wrote it as RRULE/EXRULE/RDATE/EXDATE lines.
  const lines = Array.isArray(master.recurrence)
    ? master.recurrence.filter((line): line is string => typeof line === 'string')
    : [];
  const zone = master.timeZone ?? 'UTC';
  const allDay = master.timing.allDay;
  const startWall = master.timing.allDay
    ? wallOfDate(master.timing.startDate)
    : wallOfFloating(wallOf(master.timing.startMs, zone));
  const rules = lines.filter((l) => /^(RRULE|EXRULE):/i.test(l)).map((l) => floatingRule(l, zone));
  const set = rrulestr([`DTSTART:${icalWall(startWall)}`, ...rules].join('\n'), {
    forceset: true,
  }) as RRuleSet;
  for (const line of lines.filter((l) => /^RDATE[;:]/i.test(l))) {
    for (const f of dateListWalls(line, zone)) set.rdate(new Date(f));
  }
  const excluded = new Set(
    lines.filter((l) => /^EXDATE[;:]/i.test(l)).flatMap((l) => dateListWalls(l, zone)),
  );
  return { set, excluded, zone, allDay };
}

function slotOf(series: CompiledSeries, floating: number): OriginalStart {
  const wall = wallOfFloating(floating);
  return series.allDay
    ? { allDay: true, date: dateOfWall(wall) }
    : { allDay: false, ms: instantOfWall(floating, series.zone) };
}

/** Whether `original` is an instance the current rules produce (EXDATEs excluded). */
function isInstance(series: CompiledSeries, original: OriginalStart): boolean {
  const floating = original.allDay ? floatingOf(wallOfDate(original.date)) : wallOf(original.ms, series.zone);
  if (series.excluded.has(floating)) return false;
  const hits = series.set.between(new Date(floating), new Date(floating), true);
  return hits.some((hit) => originalKey(slotOf(series, hit.getTime())) === originalKey(original));
}

function instanceTiming(master: MirrorEvent, original: OriginalStart): Timing {
  if (master.timing.allDay && original.allDay) {
    const days = Math.round(
      (Date.parse(master.timing.endDate) - Date.parse(master.timing.startDate)) / DAY_MS,
    );
    return { allDay: true, startDate: original.date, endDate: addDays(original.date, days) };
  }
  if (!master.timing.allDay && !original.allDay) {
    return {
      allDay: false,
      startMs: original.ms,
      endMs: original.ms + (master.timing.endMs - master.timing.startMs),
    };
  }
  throw new Error(`series ${master.providerEventId}: all-day and timed slots mixed`);
}

/**
 * Instances of `master` overlapping `window`: rule instances not replaced by an exception, plus
 * non-cancelled exceptions (moved or edited) whose original slot is still an instance. `exceptions`
 * are the rows with `recurringEventId === master.providerEventId`, cancelled markers included.
 */
export function expandGoogleSeries(
  master: MirrorEvent,
  exceptions: readonly MirrorEvent[],
  window: Window,
): SeriesInstance[] {
  const series = compile(master);
  const byOriginal = new Map<string, MirrorEvent>();
  for (const exception of exceptions) {
    if (exception.originalStart && exception.originalStart.allDay === series.allDay) {
      byOriginal.set(originalKey(exception.originalStart), exception);
    }
  }
  const durationMs = master.timing.allDay
    ? Date.parse(master.timing.endDate) - Date.parse(master.timing.startDate)
    : master.timing.endMs - master.timing.startMs;
  // Floating bounds with slack for zone offsets and the instance length; exact filtering follows.
  const from = wallOf(window.startMs - durationMs - 2 * DAY_MS, series.zone);
  const to = wallOf(window.endMs + 2 * DAY_MS, series.zone);
  const out: SeriesInstance[] = [];
  for (const hit of series.set.between(new Date(from), new Date(to), true)) {
    if (series.excluded.has(hit.getTime())) continue;
    const originalStart = slotOf(series, hit.getTime());
    if (byOriginal.has(originalKey(originalStart))) continue;
    const timing = instanceTiming(master, originalStart);
    if (!overlapsWindow(timing, window)) continue;
    out.push({ originalStart, timing, source: master });
    if (out.length >= MAX_INSTANCES) break;
  }
  for (const exception of byOriginal.values()) {
    if (exception.status === 'cancelled' || !exception.originalStart) continue;
    if (!isInstance(series, exception.originalStart)) continue;
    if (!overlapsWindow(exception.timing, window)) continue;
    out.push({ originalStart: exception.originalStart, timing: exception.timing, source: exception });
  }
  return out.sort((a, b) => startOf(a.timing) - startOf(b.timing));
}

function startOf(timing: Timing): number {
  return timing.allDay ? Date.parse(timing.startDate) : timing.startMs;
}

/** Google's series: the master's rule lines, expanded here (`CalendarProvider.seriesExpansion`). */
export const googleSeriesExpansion: SeriesExpansion = {
  kind: 'expand_master_rule',
  expand: expandGoogleSeries,
};
