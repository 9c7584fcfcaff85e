/**
 * Live free/busy for a Microsoft calendar (Graph getSchedule through the connection's Durable Object
 * token) against the emulator's own expansion (`calendarView`): a recurring Outlook series blocks
 * every occurrence (one cancelled), all-day and out-of-office block, free and working-elsewhere do
 * not, and getSchedule's subjects and locations never reach the answer. (The mirror path for
 * Microsoft, after a real sync, is in freebusy-sync.test.ts.)
 */
import { beforeAll, describe, expect, it } from 'vitest';
import {
  bearerIn,
  type ConnectedUser,
  connectUser,
  createEvent,
  deleteEvent,
  instancesOf,
  MARCH_2027,
  microsoftCalendarViewBusy,
  newIds,
  postJson,
} from './freebusy-mirror.ts';

const id = newIds('org', 'outlookUser', 'scheduler');
const WINDOW = MARCH_2027;
let outlook: ConnectedUser;

const graphTime = (dateTime: string) => ({ dateTime, timeZone: 'America/New_York' });

beforeAll(async () => {
  // Live mode only: the object's own sync is paused (the mirror is not read here).
  outlook = await connectUser('microsoft', id.org, id.outlookUser, 'America/New_York');
  const series = await createEvent(outlook, {
    subject: 'Outlook weekly secret',
    location: { displayName: 'Outlook room secret' },
    start: graphTime('2027-03-08T09:00:00'),
    end: graphTime('2027-03-08T10:00:00'),
    recurrence: {
      pattern: { type: 'weekly', interval: 1, daysOfWeek: ['monday'] },
      range: { type: 'numbered', startDate: '2027-03-08', numberOfOccurrences: 4 },
    },
  });
  const instances = await instancesOf(outlook, series.id, '2027-03-01T00:00:00Z', '2027-04-30T00:00:00Z');
  await deleteEvent(outlook, instances[2]!.id);
  await createEvent(outlook, {
    subject: 'Outlook day secret',
    isAllDay: true,
    start: graphTime('2027-03-10T00:00:00'),
    end: graphTime('2027-03-11T00:00:00'),
  });
  await createEvent(outlook, {
    subject: 'Outlook oof secret',
    showAs: 'oof',
    start: graphTime('2027-03-17T09:00:00'),
    end: graphTime('2027-03-17T17:00:00'),
  });
  await createEvent(outlook, {
    subject: 'Outlook free secret',
    showAs: 'free',
    start: graphTime('2027-03-18T09:00:00'),
    end: graphTime('2027-03-18T10:00:00'),
  });
  await createEvent(outlook, {
    subject: 'Outlook elsewhere secret',
    showAs: 'workingElsewhere',
    start: graphTime('2027-03-19T09:00:00'),
    end: graphTime('2027-03-19T17:00:00'),
  });
}, 120_000);

describe('live free/busy: Microsoft getSchedule', () => {
  it('equals the emulator calendarView expansion; recurring Outlook occurrences block, titles never leak', async () => {
    const { status, text } = await postJson(
      '/v1/calendar/freebusy',
      bearerIn(id.org)(id.scheduler, ['ce.calendar.schedule']),
      { user_ids: [id.outlookUser], ...WINDOW, live: true },
    );
    expect(status, text).toBe(200);
    const answer = JSON.parse(text) as {
      users: Array<{ busy: Array<{ start: string; end: string }>; errors: unknown[] }>;
    };
    expect(answer.users[0]!.errors).toEqual([]);
    const busy = answer.users[0]!.busy;
    expect(busy).toEqual(await microsoftCalendarViewBusy(outlook, WINDOW));
    const starts = busy.map((b) => b.start);
    expect(starts).toContain('2027-03-08T14:00:00.000Z'); // 09:00 EST
    expect(starts).toContain('2027-03-15T13:00:00.000Z'); // 09:00 EDT
    expect(starts).not.toContain('2027-03-22T13:00:00.000Z'); // cancelled occurrence
    expect(starts).toContain('2027-03-29T13:00:00.000Z');
    expect(starts).toContain('2027-03-17T13:00:00.000Z'); // out of office
    expect(starts).toContain('2027-03-10T05:00:00.000Z'); // all-day: the New York day
    expect(starts).not.toContain('2027-03-18T13:00:00.000Z'); // free
    expect(starts).not.toContain('2027-03-19T13:00:00.000Z'); // working elsewhere
    expect(text).not.toMatch(/secret/);
    expect(text).not.toContain(outlook.email);
  });
});
