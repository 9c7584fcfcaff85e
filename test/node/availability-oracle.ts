/**
 * Brute-force minute-grid oracle for the availability core. It shares no code with
 * `worker/availability/`: local clock fields come straight from `Intl.DateTimeFormat`, and every
 * question ("is this minute busy / working / a valid slot start?") is answered minute by minute.
 */
import fc from 'fast-check';

export const MINUTE = 60_000;
export const HOUR = 3_600_000;
export const DAY = 86_400_000;

export interface Span {
  start: number;
  end: number;
}

/** Zones with DST in either hemisphere, half-hour and 45-minute offsets, midnight changes. */
export const ZONES = [
  'America/New_York',
  'Europe/Berlin',
  'Pacific/Auckland',
  'America/Los_Angeles',
  'America/St_Johns',
  'Australia/Lord_Howe',
  'America/Santiago',
  'America/Havana',
  'Asia/Kolkata',
  'Asia/Kathmandu',
  'Pacific/Chatham',
  'Africa/Casablanca',
  'UTC',
] as const;

/** Days around 2026–27 offset changes of the zones above (and two quiet days). */
export const ANCHOR_DAYS = [
  '2026-02-15',
  '2026-03-08',
  '2026-03-22',
  '2026-03-29',
  '2026-04-05',
  '2026-06-15',
  '2026-09-06',
  '2026-09-27',
  '2026-10-04',
  '2026-10-25',
  '2026-11-01',
  '2027-01-20',
  '2027-03-14',
].map((day) => Date.parse(`${day}T00:00:00Z`));

const WEEKDAY_KEYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;

export interface LocalClock {
  /** `YYYY-MM-DD` */
  date: string;
  weekday: (typeof WEEKDAY_KEYS)[number];
  minuteOfDay: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
const clockCache = new Map<string, LocalClock>();

/** Local clock of an instant in `zone`, straight from Intl. */
export function localClock(zone: string, instant: number): LocalClock {
  const key = `${zone}@${instant}`;
  const cached = clockCache.get(key);
  if (cached) return cached;
  let formatter = formatters.get(zone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
    formatters.set(zone, formatter);
  }
  const parts = Object.fromEntries(formatter.formatToParts(new Date(instant)).map((p) => [p.type, p.value]));
  const date = `${parts.year}-${parts.month}-${parts.day}`;
  const clock: LocalClock = {
    date,
    weekday: WEEKDAY_KEYS[new Date(`${date}T00:00:00Z`).getUTCDay()]!,
    minuteOfDay: Number(parts.hour) * 60 + Number(parts.minute),
  };
  if (clockCache.size > 500_000) clockCache.clear();
  clockCache.set(key, clock);
  return clock;
}

export function covers(spans: readonly Span[], point: number): boolean {
  return spans.some((span) => span.start <= point && point < span.end);
}

/** Normal form: sorted, non-empty, neither overlapping nor touching. */
export function isNormalForm(spans: readonly Span[]): boolean {
  return spans.every(
    (span, index) => span.end > span.start && (index === 0 || spans[index - 1]!.end < span.start),
  );
}

export type Hours = Partial<Record<(typeof WEEKDAY_KEYS)[number], { start: string; end: string }[]>>;

const toMinutes = (clock: string) => Number(clock.slice(0, 2)) * 60 + Number(clock.slice(3, 5));

/** Is the minute starting at `instant` working time for `hours` in `zone`? */
export function isWorkingMinute(zone: string, hours: Hours, instant: number): boolean {
  const clock = localClock(zone, instant);
  return (hours[clock.weekday] ?? []).some(
    (range) => toMinutes(range.start) <= clock.minuteOfDay && clock.minuteOfDay < toMinutes(range.end),
  );
}

/** Minutes of `[start, end)` (both minute-aligned) for which `predicate` holds, as spans. */
export function minuteSpans(start: number, end: number, predicate: (minute: number) => boolean): Span[] {
  const spans: Span[] = [];
  for (let minute = start; minute < end; minute += MINUTE) {
    if (!predicate(minute)) continue;
    const last = spans[spans.length - 1];
    if (last && last.end === minute) last.end = minute + MINUTE;
    else spans.push({ start: minute, end: minute + MINUTE });
  }
  return spans;
}

const pad2 = (n: number) => String(n).padStart(2, '0');
const clockText = (minutes: number) => `${pad2(Math.floor(minutes / 60))}:${pad2(minutes % 60)}`;

/** Working hours: 0–3 non-overlapping ranges per weekday on a 15-minute grid, some days off. */
export const hoursArbitrary: fc.Arbitrary<Hours> = fc
  .array(
    fc.uniqueArray(fc.integer({ min: 0, max: 96 }), { minLength: 0, maxLength: 6 }).map((cuts) => {
      const sorted = [...cuts].sort((a, b) => a - b);
      const ranges: { start: string; end: string }[] = [];
      for (let i = 0; i + 1 < sorted.length; i += 2) {
        ranges.push({ start: clockText(sorted[i]! * 15), end: clockText(sorted[i + 1]! * 15) });
      }
      return ranges;
    }),
    { minLength: 7, maxLength: 7 },
  )
  .map((days) => Object.fromEntries(days.map((ranges, index) => [WEEKDAY_KEYS[index]!, ranges])) as Hours);

/** A minute-aligned range of up to `maxDays` near an offset change. */
export function rangeNearChange(maxDays: number): fc.Arbitrary<Span> {
  return fc
    .record({
      anchor: fc.constantFrom(...ANCHOR_DAYS),
      startMinutes: fc.integer({ min: -2 * 1440, max: 1440 }),
      lengthMinutes: fc.integer({ min: 1, max: maxDays * 1440 }),
    })
    .map(({ anchor, startMinutes, lengthMinutes }) => {
      const start = anchor + startMinutes * MINUTE;
      return { start, end: start + lengthMinutes * MINUTE };
    });
}
