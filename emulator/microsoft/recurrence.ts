/** Graph patternedRecurrence → RRULE lines the emulator's expander understands (providers.md §8). */

export interface GraphRecurrence {
  pattern?: {
    type?: string;
    interval?: number;
    daysOfWeek?: string[];
    dayOfMonth?: number;
    month?: number;
    index?: string;
    firstDayOfWeek?: string;
  };
  range?: {
    type?: string;
    startDate?: string;
    endDate?: string;
    numberOfOccurrences?: number;
    recurrenceTimeZone?: string;
  };
}

const DAY: Record<string, string> = {
  sunday: 'SU',
  monday: 'MO',
  tuesday: 'TU',
  wednesday: 'WE',
  thursday: 'TH',
  friday: 'FR',
  saturday: 'SA',
};
const INDEX: Record<string, number> = { first: 1, second: 2, third: 3, fourth: 4, last: -1 };

export function graphRecurrenceToRrule(recurrence: GraphRecurrence): string[] {
  const p = recurrence.pattern ?? {};
  const parts: string[] = [];
  const days = (p.daysOfWeek ?? [])
    .map((d) => DAY[d.toLowerCase()])
    .filter(Boolean)
    .join(',');
  switch (p.type) {
    case 'daily':
      parts.push('FREQ=DAILY');
      break;
    case 'weekly':
      parts.push('FREQ=WEEKLY');
      if (days) parts.push(`BYDAY=${days}`);
      if (p.firstDayOfWeek) parts.push(`WKST=${DAY[p.firstDayOfWeek.toLowerCase()] ?? 'SU'}`);
      break;
    case 'absoluteMonthly':
      parts.push('FREQ=MONTHLY', `BYMONTHDAY=${p.dayOfMonth ?? 1}`);
      break;
    case 'relativeMonthly':
      parts.push('FREQ=MONTHLY', `BYDAY=${days || 'MO'}`, `BYSETPOS=${INDEX[p.index ?? 'first'] ?? 1}`);
      break;
    case 'absoluteYearly':
      parts.push('FREQ=YEARLY', `BYMONTH=${p.month ?? 1}`, `BYMONTHDAY=${p.dayOfMonth ?? 1}`);
      break;
    case 'relativeYearly':
      parts.push(
        'FREQ=YEARLY',
        `BYMONTH=${p.month ?? 1}`,
        `BYDAY=${days || 'MO'}`,
        `BYSETPOS=${INDEX[p.index ?? 'first'] ?? 1}`,
      );
      break;
    default:
      throw new Error(`unsupported recurrence pattern type ${p.type}`);
  }
  if ((p.interval ?? 1) > 1) parts.push(`INTERVAL=${p.interval}`);
  const range = recurrence.range ?? {};
  if (range.type === 'endDate' && range.endDate) parts.push(`UNTIL=${range.endDate.replace(/-/g, '')}`);
  if (range.type === 'numbered' && range.numberOfOccurrences)
    parts.push(`COUNT=${range.numberOfOccurrences}`);
  return [`RRULE:${parts.join(';')}`];
}
