/**
 * Seeded generator of large, realistic calendars: timed events across several time zones (spanning
 * DST transitions), all-day events, daily/weekly/monthly series with EXDATEs, modified and cancelled
 * exceptions, and free (transparent) events. Same seed → same calendar.
 */

import { exceptionFromOccurrence } from './expand.ts';
import type { Account, Calendar, StoredEvent } from './model.ts';
import { blankEvent, newGoogleEventId, newGraphEventId, recordChange } from './mutations.ts';
import { SeededRandom } from './random.ts';
import { expandSeries } from './recurrence.ts';
import type { EmulatorState } from './state.ts';
import { addDays, formatDate, parseWall, wallTimeIn, zonedToInstant } from './time.ts';

export const GENERATED_ZONES = [
  'America/New_York',
  'America/Los_Angeles',
  'Europe/London',
  'Europe/Berlin',
  'Asia/Tokyo',
  'Australia/Sydney',
  'UTC',
];

export interface GenerateOptions {
  count: number;
  seed: number;
  /** First day of the generated range (YYYY-MM-DD); the range covers `days` days. */
  startDate: string;
  days: number;
}

export interface GenerateSummary {
  created: number;
  singles: number;
  allDay: number;
  series: number;
  exceptions: number;
  transparent: number;
  /** Google `eventType` outOfOffice / Graph showAs oof. */
  outOfOffice: number;
  /** Google `eventType` focusTime (Graph: a busy "Focus time" event). */
  focusTime: number;
  /** Google `eventType` workingLocation (all-day, free) / Graph showAs workingElsewhere. */
  workingLocation: number;
}

const WEEKDAYS = ['MO', 'TU', 'WE', 'TH', 'FR'];
const GRAPH_DAYS: Record<string, string> = {
  MO: 'monday',
  TU: 'tuesday',
  WE: 'wednesday',
  TH: 'thursday',
  FR: 'friday',
};
const TOPICS = [
  'Pipeline review',
  'Customer call',
  'Demo',
  '1:1',
  'Standup',
  'Planning',
  'QBR',
  'Lunch',
  'Interview',
  'Onboarding',
];

export function generateCalendar(
  state: EmulatorState,
  account: Account,
  calendar: Calendar,
  options: GenerateOptions,
): GenerateSummary {
  const rng = new SeededRandom(options.seed);
  const summary: GenerateSummary = {
    created: 0,
    singles: 0,
    allDay: 0,
    series: 0,
    exceptions: 0,
    transparent: 0,
    outOfOffice: 0,
    focusTime: 0,
    workingLocation: 0,
  };
  const newId = () => (account.provider === 'google' ? newGoogleEventId(state) : newGraphEventId(state));
  const save = (event: StoredEvent) => {
    recordChange(state, account, calendar, event, 'created');
    summary.created += 1;
  };

  while (summary.created < options.count) {
    const roll = rng.next();
    const zone = rng.pick(GENERATED_ZONES);
    const day = addDays(options.startDate, rng.int(0, options.days - 1));
    const event = blankEvent(state, account, newId());
    event.summary = `${rng.pick(TOPICS)} #${summary.created + 1}`;
    event.timeZone = zone;
    if (rng.next() < 0.3) {
      event.attendees = [
        {
          email: `guest${rng.int(1, 500)}@example.test`,
          responseStatus: rng.pick(['needsAction', 'accepted', 'declined', 'tentative'] as const),
        },
      ];
    }
    if (roll < 0.1) {
      // All-day, 1–3 days, end exclusive.
      const length = rng.int(1, 3);
      event.allDay = true;
      event.startDate = day;
      event.endDate = addDays(day, length);
      event.startMs = zonedToInstant(parseWall(day), zone);
      event.endMs = zonedToInstant(parseWall(event.endDate), zone);
      event.transparency = rng.next() < 0.5 ? 'transparent' : 'opaque';
      summary.allDay += 1;
    } else {
      const wall = parseWall(
        `${day}T${String(rng.int(7, 18)).padStart(2, '0')}:${rng.pick(['00', '15', '30', '45'])}:00`,
      );
      event.startMs = zonedToInstant(wall, zone);
      event.endMs = event.startMs + rng.pick([15, 30, 45, 60, 90, 120]) * 60_000;
    }
    if (!event.allDay && rng.next() < 0.05) {
      event.transparency = 'transparent';
      summary.transparent += 1;
    }
    if (roll >= 0.25 && roll < 0.31) {
      summary[applyEventType(event, roll, day, account.provider === 'microsoft')] += 1;
      save(event);
      continue;
    }
    if (!event.allDay && roll >= 0.1 && roll < 0.25 && summary.created + 2 < options.count) {
      addSeries(event, rng, account.provider === 'microsoft');
      save(event);
      summary.series += 1;
      // A modified and/or cancelled exception for some series.
      if (rng.next() < 0.5) summary.exceptions += addException(event, rng, save);
      continue;
    }
    save(event);
    if (!event.allDay) summary.singles += 1;
  }
  return summary;
}

function addSeries(event: StoredEvent, rng: SeededRandom, graph: boolean): void {
  const kind = rng.pick(['daily', 'weekly', 'monthly'] as const);
  const count = rng.int(4, 30);
  const start = wallTimeIn(event.startMs, event.timeZone);
  const startDate = formatDate(start);
  if (kind === 'daily') {
    event.recurrence = [`RRULE:FREQ=DAILY;COUNT=${count}`];
    if (graph)
      event.graphRecurrence = {
        pattern: { type: 'daily', interval: 1 },
        range: { type: 'numbered', startDate, numberOfOccurrences: count },
      };
  } else if (kind === 'weekly') {
    const days = [...new Set([rng.pick(WEEKDAYS), rng.pick(WEEKDAYS)])];
    event.recurrence = [`RRULE:FREQ=WEEKLY;BYDAY=${days.join(',')};COUNT=${count}`];
    if (graph) {
      event.graphRecurrence = {
        pattern: {
          type: 'weekly',
          interval: 1,
          daysOfWeek: days.map((d) => GRAPH_DAYS[d]),
          firstDayOfWeek: 'sunday',
        },
        range: { type: 'numbered', startDate, numberOfOccurrences: count },
      };
    }
  } else {
    event.recurrence = [`RRULE:FREQ=MONTHLY;BYMONTHDAY=${start.day};COUNT=${Math.min(count, 12)}`];
    if (graph)
      event.graphRecurrence = {
        pattern: { type: 'absoluteMonthly', interval: 1, dayOfMonth: start.day },
        range: { type: 'numbered', startDate, numberOfOccurrences: Math.min(count, 12) },
      };
  }
  if (!graph && rng.next() < 0.3) {
    // Skip the second occurrence of daily series (EXDATE in the event's zone).
    const second = wallTimeIn(event.startMs + 86_400_000, event.timeZone);
    const stamp = `${formatDate(second).replace(/-/g, '')}T${String(second.hour).padStart(2, '0')}${String(second.minute).padStart(2, '0')}00`;
    if (kind === 'daily') event.recurrence.push(`EXDATE;TZID=${event.timeZone}:${stamp}`);
  }
}

/** Turns the second occurrence of `master` into a modified or cancelled exception. */
function addException(master: StoredEvent, rng: SeededRandom, save: (e: StoredEvent) => void): number {
  const occurrence = expandSeries(master, master.startMs, master.startMs + 400 * 86_400_000)[1];
  if (!occurrence) return 0;
  const exception = exceptionFromOccurrence(
    master,
    { ...occurrence, event: master, master, kind: 'occurrence' },
    master.created,
  );
  if (rng.next() < 0.5) exception.status = 'cancelled';
  else {
    exception.summary = `${master.summary} (moved)`;
    exception.startMs = occurrence.startMs + 60 * 60_000;
    exception.endMs = occurrence.endMs + 60 * 60_000;
  }
  save(exception);
  return 1;
}

/** Turns `event` into an out-of-office, focus-time or working-location entry (Graph: via showAs). */
function applyEventType(
  event: StoredEvent,
  roll: number,
  day: string,
  graph: boolean,
): 'outOfOffice' | 'focusTime' | 'workingLocation' {
  event.attendees = [];
  if (roll < 0.27) {
    // Out of office: a timed block of a few hours; busy downstream.
    event.summary = 'Out of office';
    event.endMs = event.startMs + 4 * 3_600_000;
    if (graph) event.showAs = 'oof';
    else {
      event.eventType = 'outOfOffice';
      event.eventTypeProperties = {
        outOfOfficeProperties: {
          autoDeclineMode: 'declineOnlyNewConflictingInvitations',
          declineMessage: 'Away',
        },
      };
    }
    return 'outOfOffice';
  }
  if (roll < 0.29) {
    event.summary = 'Focus time';
    event.endMs = event.startMs + 2 * 3_600_000;
    if (!graph) {
      event.eventType = 'focusTime';
      event.eventTypeProperties = {
        focusTimeProperties: { autoDeclineMode: 'declineNone', chatStatus: 'doNotDisturb' },
      };
    }
    return 'focusTime';
  }
  // Working location: all day and free; it must never count as busy.
  event.summary = graph ? 'Working from the office' : 'Office';
  event.allDay = true;
  event.startDate = day;
  event.endDate = addDays(day, 1);
  event.startMs = zonedToInstant(parseWall(day), event.timeZone);
  event.endMs = zonedToInstant(parseWall(event.endDate), event.timeZone);
  event.transparency = 'transparent';
  if (graph) event.showAs = 'workingElsewhere';
  else {
    event.eventType = 'workingLocation';
    event.eventTypeProperties = {
      workingLocationProperties: { type: 'officeLocation', officeLocation: { label: 'HQ' } },
    };
  }
  return 'workingLocation';
}
