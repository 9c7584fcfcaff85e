/**
 * Time-zone arithmetic with Intl only: converting a wall-clock time in an IANA zone to an instant and
 * back, including DST gaps and overlaps (a wall time in a gap moves forward, as calendars do).
 */
import { WINDOWS_ZONES, windowsNameOf } from './windows-zones.ts';

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

export function isValidTimeZone(timeZone: string): boolean {
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

export interface WallTime {
  year: number;
  month: number; // 1-12
  day: number;
  hour: number;
  minute: number;
  second: number;
}

export function wallTimeIn(instantMs: number, timeZone: string): WallTime {
  const parts = Object.fromEntries(
    formatter(timeZone)
      .formatToParts(new Date(instantMs))
      .map((p) => [p.type, p.value]),
  );
  return {
    year: Number(parts.year),
    month: Number(parts.month),
    day: Number(parts.day),
    hour: Number(parts.hour),
    minute: Number(parts.minute),
    second: Number(parts.second),
  };
}

const asUtcMs = (w: WallTime) => Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);

/** Offset (ms) of `timeZone` from UTC at `instantMs`. */
export function offsetAt(instantMs: number, timeZone: string): number {
  return asUtcMs(wallTimeIn(instantMs, timeZone)) - Math.floor(instantMs / 1000) * 1000;
}

/** The instant at which clocks in `timeZone` show `wall` (earlier instant in an overlap, shifted in a gap). */
export function zonedToInstant(wall: WallTime, timeZone: string): number {
  const guess = asUtcMs(wall);
  const first = guess - offsetAt(guess, timeZone);
  const second = guess - offsetAt(first, timeZone);
  if (first === second) return first;
  // Ambiguous or in a gap: prefer the candidate that maps back to the wall time, else the later one.
  const back = (t: number) => asUtcMs(wallTimeIn(t, timeZone)) === guess;
  if (back(Math.min(first, second))) return Math.min(first, second);
  if (back(Math.max(first, second))) return Math.max(first, second);
  return Math.max(first, second);
}

/** A wall time from regex groups 1–6 (year, month, day, hour?, minute?, second?). */
export function wallFromGroups(m: RegExpMatchArray): WallTime {
  return {
    year: Number(m[1]),
    month: Number(m[2]),
    day: Number(m[3]),
    hour: Number(m[4] ?? 0),
    minute: Number(m[5] ?? 0),
    second: Number(m[6] ?? 0),
  };
}

export function parseWall(local: string): WallTime {
  const m = local.match(/^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2}))?)?/);
  if (!m) throw new Error(`bad local time ${local}`);
  return wallFromGroups(m);
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** RFC 3339 with the zone's offset, as Google renders `dateTime`. */
export function formatWithOffset(instantMs: number, timeZone: string): string {
  const w = wallTimeIn(instantMs, timeZone);
  const offsetMin = Math.round(offsetAt(instantMs, timeZone) / 60000);
  const sign = offsetMin < 0 ? '-' : '+';
  const abs = Math.abs(offsetMin);
  const offset =
    offsetMin === 0 && timeZone === 'UTC' ? 'Z' : `${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
  return `${w.year}-${pad(w.month)}-${pad(w.day)}T${pad(w.hour)}:${pad(w.minute)}:${pad(w.second)}${offset}`;
}

/** Graph's wall-time format: 7 fractional digits, no offset. */
export function formatGraphDateTime(instantMs: number, timeZone: string): string {
  const w = wallTimeIn(instantMs, timeZone);
  return `${w.year}-${pad(w.month)}-${pad(w.day)}T${pad(w.hour)}:${pad(w.minute)}:${pad(w.second)}.0000000`;
}

export function formatDate(w: Pick<WallTime, 'year' | 'month' | 'day'>): string {
  return `${w.year}-${pad(w.month)}-${pad(w.day)}`;
}

export function addDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** IANA zone for a Graph `timeZone` value (any Windows name CLDR knows, or IANA); undefined if unknown. */
export function ianaZone(name: string): string | undefined {
  // IANA first: the one name that is both (`UTC`) stays as written.
  if (isValidTimeZone(name)) return name;
  return WINDOWS_ZONES.get(name);
}

/** Windows name Graph uses for an IANA zone (the zone itself when CLDR maps it to no Windows name). */
export function windowsZone(iana: string): string {
  return windowsNameOf(iana) ?? iana;
}
