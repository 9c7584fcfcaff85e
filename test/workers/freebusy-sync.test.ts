/**
 * Free/busy after a REAL sync: each connection's Durable Object runs its own sync (its alarm, as the
 * engine runs in production) and fills the mirror; nothing is written by the test. Then
 * - Microsoft (Graph calendarView/delta → mirror → free/busy) equals the emulator's own
 *   calendarView expansion for a New York and a Berlin mailbox across their DST weeks: a weekly
 *   series with a moved and a deleted occurrence, a daily series, all-day events, out-of-office and
 *   tentative (busy), free and working-elsewhere (not), a declined invitation and one the organizer
 *   cancelled (not);
 * - Google equals the emulator's own freeBusy (recurring with exceptions, all-day, transparent,
 *   out-of-office, declined and unanswered invitations);
 * - `live: true` (Google freeBusy, Graph getSchedule) answers the same busy intervals as the mirror,
 *   for both providers; colleagues never see a title in either answer.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import {
  bearerIn,
  type ConnectedUser,
  connectUser,
  createEvent,
  deleteEvent,
  type EmulatorAccount,
  emulatorAccount,
  googleFreeBusyOracle,
  instancesOf,
  invitationsOf,
  MARCH_2027,
  microsoftCalendarViewBusy,
  newIds,
  patchEvent,
  postJson,
  respond,
  syncThroughObject,
} from './freebusy-mirror.ts';

const id = newIds('org', 'googleNy', 'outlookNy', 'outlookBerlin', 'scheduler');
const bearer = bearerIn(id.org);

interface Answer {
  source: 'mirror' | 'live';
  users: Array<{
    user_id: string;
    busy: Array<{ start: string; end: string }>;
    all_day_time_zone: string;
    calendars: Array<{ provider: string; last_sync_at: string | null }>;
    errors: unknown[];
  }>;
}

let googleNy: ConnectedUser;
let outlookNy: ConnectedUser;
let outlookBerlin: ConnectedUser;

const at = (dateTime: string, timeZone: string) => ({ dateTime, timeZone });
const ny = (dateTime: string) => at(dateTime, 'America/New_York');
const berlin = (dateTime: string) => at(dateTime, 'Europe/Berlin');
const graphAttendee = (user: EmulatorAccount) => ({
  emailAddress: { address: user.email },
  type: 'required',
});

/** The copy of `subject` that `user` received. */
async function copyOf(user: ConnectedUser, subject: string): Promise<string> {
  const copy = (await invitationsOf(user)).find((c) => (c.subject ?? c.summary) === subject);
  if (!copy) throw new Error(`no invitation copy of ${subject}`);
  return copy.id;
}

async function fillOutlookNy(organizer: EmulatorAccount): Promise<void> {
  // Weekly Monday 09:00 across the Mar 14 change; Mar 22 moved to 11:00, Mar 29 deleted.
  const weekly = await createEvent(outlookNy, {
    subject: 'Outlook weekly secret',
    location: { displayName: 'Outlook room secret' },
    start: ny('2027-03-08T09:00:00'),
    end: ny('2027-03-08T10:00:00'),
    recurrence: {
      pattern: { type: 'weekly', interval: 1, daysOfWeek: ['monday'] },
      range: { type: 'numbered', startDate: '2027-03-08', numberOfOccurrences: 4 },
    },
  });
  const occurrences = await instancesOf(outlookNy, weekly.id, '2027-03-01T00:00:00Z', '2027-04-30T00:00:00Z');
  const onDay = (day: string) => occurrences.find((o) => o.original_start.startsWith(day))!;
  await patchEvent(outlookNy, onDay('2027-03-22').id, {
    start: ny('2027-03-22T11:00:00'),
    end: ny('2027-03-22T12:00:00'),
  });
  await deleteEvent(outlookNy, onDay('2027-03-29').id);
  await createEvent(outlookNy, {
    subject: 'Outlook day secret',
    isAllDay: true,
    start: ny('2027-03-10T00:00:00'),
    end: ny('2027-03-11T00:00:00'),
  });
  for (const [subject, showAs, day, from, to] of [
    ['Outlook oof secret', 'oof', '2027-03-17', '09:00', '17:00'],
    ['Outlook free secret', 'free', '2027-03-18', '09:00', '10:00'],
    ['Outlook tentative secret', 'tentative', '2027-03-19', '10:00', '11:00'],
    ['Outlook elsewhere secret', 'workingElsewhere', '2027-03-19', '13:00', '17:00'],
  ] as const) {
    await createEvent(outlookNy, {
      subject,
      showAs,
      start: ny(`${day}T${from}:00`),
      end: ny(`${day}T${to}:00`),
    });
  }
  // Invitations from another Outlook mailbox: declined (Graph removes the copy), cancelled by the
  // organizer (the copy stays, isCancelled), tentatively accepted (busy).
  const invited = new Map<string, string>();
  for (const [subject, day] of [
    ['Invite declined secret', '2027-03-11'],
    ['Invite cancelled secret', '2027-03-12'],
    ['Invite tentative secret', '2027-03-16'],
  ] as const) {
    const sent = await createEvent(organizer, {
      subject,
      start: ny(`${day}T15:00:00`),
      end: ny(`${day}T16:00:00`),
      attendees: [graphAttendee(outlookNy)],
    });
    invited.set(subject, sent.id);
  }
  await respond(outlookNy, await copyOf(outlookNy, 'Invite declined secret'), 'declined');
  await respond(outlookNy, await copyOf(outlookNy, 'Invite tentative secret'), 'tentative');
  await deleteEvent(organizer, invited.get('Invite cancelled secret')!);
}

async function fillOutlookBerlin(): Promise<void> {
  // Weekday 08:30 daily across the Mar 28 change; the Mar 24 occurrence moved to 10:00.
  const daily = await createEvent(outlookBerlin, {
    subject: 'Berlin daily secret',
    start: berlin('2027-03-22T08:30:00'),
    end: berlin('2027-03-22T09:00:00'),
    recurrence: {
      pattern: {
        type: 'weekly',
        interval: 1,
        daysOfWeek: ['monday', 'tuesday', 'wednesday', 'thursday', 'friday'],
      },
      range: { type: 'numbered', startDate: '2027-03-22', numberOfOccurrences: 10 },
    },
  });
  const occurrences = await instancesOf(
    outlookBerlin,
    daily.id,
    '2027-03-01T00:00:00Z',
    '2027-04-30T00:00:00Z',
  );
  await patchEvent(outlookBerlin, occurrences.find((o) => o.original_start.startsWith('2027-03-24'))!.id, {
    start: berlin('2027-03-24T10:00:00'),
    end: berlin('2027-03-24T10:30:00'),
  });
  await createEvent(outlookBerlin, {
    subject: 'Berlin day secret',
    isAllDay: true,
    start: berlin('2027-03-26T00:00:00'),
    end: berlin('2027-03-27T00:00:00'),
  });
}

async function fillGoogleNy(organizer: EmulatorAccount): Promise<void> {
  const standup = await createEvent(googleNy, {
    summary: 'Standup secret',
    start: ny('2027-03-01T09:00:00'),
    end: ny('2027-03-01T09:30:00'),
    recurrence: ['RRULE:FREQ=WEEKLY;COUNT=6'],
  });
  const instances = await instancesOf(googleNy, standup.id, '2027-03-01T00:00:00Z', '2027-04-30T00:00:00Z');
  const onDay = (day: string) => instances.find((i) => i.original_start.startsWith(day))!;
  await patchEvent(googleNy, onDay('2027-03-22').id, {
    start: ny('2027-03-22T11:00:00'),
    end: ny('2027-03-22T11:30:00'),
  });
  await deleteEvent(googleNy, onDay('2027-03-29').id);
  await createEvent(googleNy, {
    summary: 'Offsite secret',
    start: { date: '2027-03-10' },
    end: { date: '2027-03-11' },
  });
  await createEvent(googleNy, {
    summary: 'Reading secret',
    transparency: 'transparent',
    start: ny('2027-03-11T10:00:00'),
    end: ny('2027-03-11T11:00:00'),
  });
  await createEvent(googleNy, {
    summary: 'Vacation secret',
    eventType: 'outOfOffice',
    start: ny('2027-03-17T09:00:00'),
    end: ny('2027-03-17T17:00:00'),
  });
  const declined = await createEvent(organizer, {
    summary: 'Declined secret',
    start: berlin('2027-03-09T16:00:00'),
    end: berlin('2027-03-09T17:00:00'),
    attendees: [{ email: googleNy.email }],
  });
  await respond(googleNy, declined.id, 'declined');
  await createEvent(organizer, {
    summary: 'Invite secret',
    start: berlin('2027-03-12T15:00:00'),
    end: berlin('2027-03-12T16:00:00'),
    attendees: [{ email: googleNy.email }],
  });
}

beforeAll(async () => {
  const live = { pauseSync: false };
  googleNy = await connectUser('google', id.org, id.googleNy, 'America/New_York', live);
  outlookNy = await connectUser('microsoft', id.org, id.outlookNy, 'America/New_York', live);
  outlookBerlin = await connectUser('microsoft', id.org, id.outlookBerlin, 'Europe/Berlin', live);
  await fillGoogleNy(await emulatorAccount('google', 'Europe/Berlin'));
  await fillOutlookNy(await emulatorAccount('microsoft', 'America/New_York'));
  await fillOutlookBerlin();
  for (const user of [googleNy, outlookNy, outlookBerlin]) await syncThroughObject(user);
}, 240_000);

async function freeBusy(live: boolean): Promise<{ text: string; answer: Answer }> {
  const { status, text } = await postJson(
    '/v1/calendar/freebusy',
    bearer(id.scheduler, ['ce.calendar.schedule']),
    { user_ids: [id.googleNy, id.outlookNy, id.outlookBerlin], ...MARCH_2027, live },
  );
  expect(status, text).toBe(200);
  return { text, answer: JSON.parse(text) as Answer };
}

const busyOf = (answer: Answer, userId: string) => answer.users.find((u) => u.user_id === userId)!;
const spans = (answer: Answer, userId: string) =>
  busyOf(answer, userId).busy.map((b) => `${b.start}/${b.end}`);

describe('free/busy from a mirror the engine synced', () => {
  it('Microsoft: equals the emulator calendarView expansion (New York and Berlin DST weeks)', async () => {
    const { answer } = await freeBusy(false);
    expect(answer.source).toBe('mirror');
    for (const user of [outlookNy, outlookBerlin]) {
      const mine = busyOf(answer, user.userId);
      expect(mine.busy, user.timeZone).toEqual(await microsoftCalendarViewBusy(user, MARCH_2027));
      expect(mine.all_day_time_zone).toBe(user.timeZone);
      expect(mine.calendars).toEqual([expect.objectContaining({ provider: 'microsoft' })]);
      expect(mine.calendars[0]!.last_sync_at).not.toBeNull();
    }
  });

  it('Microsoft spot checks: DST, moved and deleted occurrences, all-day, kinds, invitations', async () => {
    const { answer } = await freeBusy(false);
    const nyBusy = spans(answer, id.outlookNy);
    expect(nyBusy).toContain('2027-03-08T14:00:00.000Z/2027-03-08T15:00:00.000Z'); // 09:00 EST
    expect(nyBusy).toContain('2027-03-15T13:00:00.000Z/2027-03-15T14:00:00.000Z'); // 09:00 EDT
    expect(nyBusy).toContain('2027-03-22T15:00:00.000Z/2027-03-22T16:00:00.000Z'); // moved to 11:00
    expect(nyBusy.some((b) => b.startsWith('2027-03-22T13:00'))).toBe(false); // not at its old time
    expect(nyBusy.some((b) => b.startsWith('2027-03-29T13:00'))).toBe(false); // deleted occurrence
    expect(nyBusy).toContain('2027-03-10T05:00:00.000Z/2027-03-11T05:00:00.000Z'); // all-day, NY day (EST)
    expect(nyBusy).toContain('2027-03-17T13:00:00.000Z/2027-03-17T21:00:00.000Z'); // oof
    expect(nyBusy.some((b) => b.startsWith('2027-03-18T13:00'))).toBe(false); // free
    expect(nyBusy).toContain('2027-03-19T14:00:00.000Z/2027-03-19T15:00:00.000Z'); // tentative
    expect(nyBusy.some((b) => b.startsWith('2027-03-19T17:00'))).toBe(false); // working elsewhere
    expect(nyBusy.some((b) => b.startsWith('2027-03-11T20:00'))).toBe(false); // declined invitation
    expect(nyBusy.some((b) => b.startsWith('2027-03-12T20:00'))).toBe(false); // organizer cancelled
    expect(nyBusy).toContain('2027-03-16T19:00:00.000Z/2027-03-16T20:00:00.000Z'); // tentatively accepted
    const berlinBusy = spans(answer, id.outlookBerlin);
    expect(berlinBusy).toContain('2027-03-22T07:30:00.000Z/2027-03-22T08:00:00.000Z'); // 08:30 CET
    expect(berlinBusy).toContain('2027-03-29T06:30:00.000Z/2027-03-29T07:00:00.000Z'); // 08:30 CEST
    expect(berlinBusy).toContain('2027-03-24T09:00:00.000Z/2027-03-24T09:30:00.000Z'); // moved to 10:00
    expect(berlinBusy.some((b) => b.startsWith('2027-03-24T07:30'))).toBe(false);
    expect(berlinBusy).toContain('2027-03-25T23:00:00.000Z/2027-03-26T23:00:00.000Z'); // all-day, Berlin day
  });

  it('Google: equals the emulator freeBusy', async () => {
    const { answer } = await freeBusy(false);
    const mine = busyOf(answer, id.googleNy);
    const oracle = await googleFreeBusyOracle(
      googleNy,
      Date.parse(MARCH_2027.time_min),
      Date.parse(MARCH_2027.time_max),
    );
    expect(mine.busy).toEqual(oracle);
    expect(mine.all_day_time_zone).toBe('America/New_York');
    const busy = spans(answer, id.googleNy);
    expect(busy).toContain('2027-03-22T15:00:00.000Z/2027-03-22T15:30:00.000Z'); // moved instance
    expect(busy.some((b) => b.startsWith('2027-03-29T13:00'))).toBe(false); // cancelled instance
    expect(busy.some((b) => b.startsWith('2027-03-09T15:00'))).toBe(false); // declined
    expect(busy).toContain('2027-03-12T14:00:00.000Z/2027-03-12T15:00:00.000Z'); // unanswered invite
  });

  it('live: true answers the same busy intervals as the synced mirror, for both providers', async () => {
    const mirror = await freeBusy(false);
    const live = await freeBusy(true);
    expect(live.answer.source).toBe('live');
    for (const userId of [id.googleNy, id.outlookNy, id.outlookBerlin]) {
      expect(busyOf(live.answer, userId).errors, userId).toEqual([]);
      expect(busyOf(live.answer, userId).busy, userId).toEqual(busyOf(mirror.answer, userId).busy);
    }
    for (const { text } of [mirror, live]) {
      expect(text).not.toMatch(/secret/);
      for (const user of [googleNy, outlookNy, outlookBerlin]) expect(text).not.toContain(user.email);
    }
  });
});
