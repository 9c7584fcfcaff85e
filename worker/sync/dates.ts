/** Calendar-date arithmetic shared by the sync modules (zone math lives in worker/time/zone.ts). */

/** `yyyy-mm-dd` plus `days` (negative allowed), on the proleptic calendar, zone-free. */
export function addDays(date: string, days: number): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
}
