/** Calendar-date and wall-time helpers shared by the sync modules (zone math via @date-fns/tz). */
import { TZDate } from '@date-fns/tz';

/** `yyyy-mm-dd` plus `days` (negative allowed), on the proleptic calendar, zone-free. */
export function addDays(date: string, days: number): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
}

/** The calendar date of an instant in `zone`. */
export function dateInZone(ms: number, zone: string): string {
  const t = new TZDate(ms, zone);
  return `${t.getFullYear()}-${pad(t.getMonth() + 1)}-${pad(t.getDate())}`;
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

/** Whether the runtime knows `zone` as an IANA time zone. */
export function isIanaZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}
