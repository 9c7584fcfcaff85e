/**
 * Expands a series master into instances inside a window, honouring RRULE (via the `rrule`
 * library, evaluated on floating wall-clock times), EXDATE/RDATE, the event's time zone across DST,
 * and all-day dates. Exceptions are applied by the caller using the instance ids produced here.
 */
import * as rruleModule from 'rrule';

// rrule ships CommonJS for Node and ESM for bundlers: take named exports from whichever shape loaded.
const { rrulestr } = (rruleModule as { default?: typeof rruleModule }).default ?? rruleModule;
type RRuleSet = rruleModule.RRuleSet;

import type { StoredEvent } from './model.ts';
import { formatDate, parseWall, type WallTime, wallFromGroups, wallTimeIn, zonedToInstant } from './time.ts';

export interface Instance {
  /** Google's instance id: `<master>_<YYYYMMDDTHHMMSSZ>` (timed) or `<master>_<YYYYMMDD>` (all-day). */
  id: string;
  startMs: number;
  endMs: number;
  originalStartMs: number;
  startDate?: string;
  endDate?: string;
}

const compact = (w: WallTime) =>
  `${w.year}${String(w.month).padStart(2, '0')}${String(w.day).padStart(2, '0')}T${String(w.hour).padStart(2, '0')}${String(w.minute).padStart(2, '0')}${String(w.second).padStart(2, '0')}`;

const floating = (w: WallTime) => new Date(Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second));
const fromFloating = (d: Date): WallTime => ({
  year: d.getUTCFullYear(),
  month: d.getUTCMonth() + 1,
  day: d.getUTCDate(),
  hour: d.getUTCHours(),
  minute: d.getUTCMinutes(),
  second: d.getUTCSeconds(),
});

/** Parses the value list of an EXDATE/RDATE line into wall times of `timeZone`. */
function parseDateList(line: string, timeZone: string): WallTime[] {
  const [head, values = ''] = line.split(/:(.*)/s);
  const tzid = head?.match(/TZID=([^;:]+)/)?.[1];
  return values
    .split(',')
    .filter(Boolean)
    .map((value) => {
      const m = value.match(/^(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2})(Z)?)?$/);
      if (!m) throw new Error(`bad date value ${value}`);
      const wall = wallFromGroups(m);
      if (m[7] === 'Z')
        return wallTimeIn(
          Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second),
          timeZone,
        );
      if (tzid && tzid !== timeZone) return wallTimeIn(zonedToInstant(wall, tzid), timeZone);
      return wall;
    });
}

/** Rewrites UNTIL=…Z into the zone's wall time so floating evaluation compares like with like. */
function floatingRule(line: string, timeZone: string, allDay: boolean): string {
  return line.replace(/UNTIL=(\d{8})(?:T(\d{6})Z?)?/, (_all, date: string, time?: string) => {
    if (!time) return `UNTIL=${date}T235959`;
    const utc = Date.UTC(
      Number(date.slice(0, 4)),
      Number(date.slice(4, 6)) - 1,
      Number(date.slice(6, 8)),
      Number(time.slice(0, 2)),
      Number(time.slice(2, 4)),
      Number(time.slice(4, 6)),
    );
    return `UNTIL=${allDay ? `${date}T235959` : compact(wallTimeIn(utc, timeZone))}`;
  });
}

const MAX_INSTANCES = 5000;

/** Instances of `master` overlapping [windowStartMs, windowEndMs). */
export function expandSeries(master: StoredEvent, windowStartMs: number, windowEndMs: number): Instance[] {
  const lines = master.recurrence ?? [];
  const zone = master.timeZone;
  const durationMs = master.endMs - master.startMs;
  const startWall = master.allDay ? parseWall(master.startDate ?? '') : wallTimeIn(master.startMs, zone);
  const rules = lines
    .filter((l) => /^(RRULE|EXRULE):/.test(l))
    .map((l) => floatingRule(l, zone, master.allDay));
  const text = [`DTSTART:${compact(startWall)}`, ...rules].join('\n');
  const set = rrulestr(text, { forceset: true }) as RRuleSet;
  for (const line of lines.filter((l) => l.startsWith('RDATE'))) {
    for (const wall of parseDateList(line, zone)) set.rdate(floating(wall));
  }
  const excluded = new Set(
    lines.filter((l) => l.startsWith('EXDATE')).flatMap((l) => parseDateList(l, zone).map((w) => compact(w))),
  );
  // Floating window with a day of slack on each side for zone offsets; exact filtering follows.
  const from = floating(wallTimeIn(windowStartMs - durationMs - 86_400_000, zone));
  const to = floating(wallTimeIn(windowEndMs + 86_400_000, zone));
  const out: Instance[] = [];
  for (const occurrence of set.between(from, to, true)) {
    const wall = fromFloating(occurrence);
    if (excluded.has(compact(wall))) continue;
    const startMs = master.allDay ? zonedToInstant(wall, zone) : zonedToInstant(wall, zone);
    let endMs = startMs + durationMs;
    let startDate: string | undefined;
    let endDate: string | undefined;
    if (master.allDay && master.startDate && master.endDate) {
      const days = Math.round((Date.parse(master.endDate) - Date.parse(master.startDate)) / 86_400_000);
      startDate = formatDate(wall);
      const end = new Date(Date.UTC(wall.year, wall.month - 1, wall.day + days));
      endDate = end.toISOString().slice(0, 10);
      endMs = zonedToInstant(parseWall(endDate), zone);
    }
    if (endMs <= windowStartMs || startMs >= windowEndMs) continue;
    const id = master.allDay
      ? `${master.id}_${(startDate ?? '').replace(/-/g, '')}`
      : `${master.id}_${new Date(startMs)
          .toISOString()
          .replace(/[-:]/g, '')
          .replace(/\.\d{3}/, '')}`;
    out.push({ id, startMs, endMs, originalStartMs: startMs, ...(startDate ? { startDate, endDate } : {}) });
    if (out.length >= MAX_INSTANCES) break;
  }
  return out;
}

/** Last instant a series can cover (Infinity for unbounded rules). */
export function seriesEndMs(master: StoredEvent): number {
  const lines = master.recurrence ?? [];
  const rule = lines.find((l) => l.startsWith('RRULE:'));
  if (!rule || (!/UNTIL=/.test(rule) && !/COUNT=/.test(rule))) return Number.POSITIVE_INFINITY;
  const all = expandSeries(master, master.startMs, master.startMs + 50 * 365 * 86_400_000);
  return all.length ? Math.max(...all.map((i) => i.endMs)) : master.endMs;
}
