/**
 * Demo provider state for `npm start`: the platform OAuth clients and four accounts whose calendars
 * show what a sync engine meets in real life: series with a moved and a cancelled instance, a
 * "this and following" split, a series whose time changed after an instance was edited, all-day
 * events, series across a DST change, out-of-office and working-location entries, and invitations
 * between the demo accounts (with responses), on top of a seeded random calendar.
 */
import type { RunningEmulator } from '../emulator/server.ts';
import type { LocalSecrets } from './local-secrets.ts';

const DEMO_ACCOUNTS = [
  {
    provider: 'google',
    email: 'alex.morgan@demo.example',
    name: 'Alex Morgan',
    time_zone: 'America/New_York',
  },
  { provider: 'google', email: 'sam.lee@demo.example', name: 'Sam Lee', time_zone: 'Europe/London' },
  {
    provider: 'microsoft',
    email: 'megan.bowen@demo.example',
    name: 'Megan Bowen',
    time_zone: 'America/Los_Angeles',
  },
  {
    provider: 'microsoft',
    email: 'adele.vance@demo.example',
    name: 'Adele Vance',
    time_zone: 'Europe/Berlin',
  },
] as const;

type DemoAccount = (typeof DEMO_ACCOUNTS)[number];

async function call<T = unknown>(
  emulator: RunningEmulator,
  path: string,
  body?: unknown,
  method = body === undefined ? 'GET' : 'POST',
): Promise<T> {
  const res = await fetch(`${emulator.url}/_control${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!res.ok) throw new Error(`emulator ${method} ${path}: ${res.status} ${await res.text()}`);
  return (res.status === 204 ? undefined : await res.json()) as T;
}

/** YYYY-MM-DD, `days` after `from`. */
function dayAfter(from: Date, days: number): string {
  return new Date(from.getTime() + days * 86_400_000).toISOString().slice(0, 10);
}

/** The next Monday on or after `from`. */
function nextMonday(from: Date): Date {
  const offset = (8 - from.getUTCDay()) % 7;
  return new Date(Date.UTC(from.getUTCFullYear(), from.getUTCMonth(), from.getUTCDate() + offset));
}

const events = (a: DemoAccount) => `/accounts/${a.provider}/${a.email}/events`;

/** A weekly timed series in the account's zone, written in the provider's own JSON. */
function weekly(
  a: DemoAccount,
  summary: string,
  firstDay: string,
  time: string,
  count: number,
  attendees: string[] = [],
) {
  const [hour, minute] = time.split(':').map(Number);
  const end = `${String((hour ?? 0) + 1).padStart(2, '0')}:${String(minute ?? 0).padStart(2, '0')}`;
  if (a.provider === 'google')
    return {
      summary,
      start: { dateTime: `${firstDay}T${time}:00`, timeZone: a.time_zone },
      end: { dateTime: `${firstDay}T${end}:00`, timeZone: a.time_zone },
      recurrence: [`RRULE:FREQ=WEEKLY;COUNT=${count}`],
      ...(attendees.length ? { attendees: attendees.map((email) => ({ email })) } : {}),
    };
  const weekday = new Date(`${firstDay}T12:00:00Z`).toLocaleDateString('en-US', {
    weekday: 'long',
    timeZone: 'UTC',
  });
  return {
    subject: summary,
    start: { dateTime: `${firstDay}T${time}:00`, timeZone: a.time_zone },
    end: { dateTime: `${firstDay}T${end}:00`, timeZone: a.time_zone },
    recurrence: {
      pattern: { type: 'weekly', interval: 1, daysOfWeek: [weekday.toLowerCase()] },
      range: { type: 'numbered', startDate: firstDay, numberOfOccurrences: count },
    },
    ...(attendees.length
      ? { attendees: attendees.map((address) => ({ emailAddress: { address }, type: 'required' })) }
      : {}),
  };
}

function timed(
  a: DemoAccount,
  summary: string,
  day: string,
  from: string,
  to: string,
  extra: Record<string, unknown> = {},
) {
  return a.provider === 'google'
    ? {
        summary,
        start: { dateTime: `${day}T${from}:00`, timeZone: a.time_zone },
        end: { dateTime: `${day}T${to}:00`, timeZone: a.time_zone },
        ...extra,
      }
    : {
        subject: summary,
        start: { dateTime: `${day}T${from}:00`, timeZone: a.time_zone },
        end: { dateTime: `${day}T${to}:00`, timeZone: a.time_zone },
        ...extra,
      };
}

function allDay(
  a: DemoAccount,
  summary: string,
  day: string,
  days: number,
  extra: Record<string, unknown> = {},
) {
  const end = dayAfter(new Date(`${day}T00:00:00Z`), days);
  return a.provider === 'google'
    ? { summary, start: { date: day }, end: { date: end }, ...extra }
    : {
        subject: summary,
        isAllDay: true,
        start: { dateTime: `${day}T00:00:00`, timeZone: a.time_zone },
        end: { dateTime: `${end}T00:00:00`, timeZone: a.time_zone },
        ...extra,
      };
}

interface Instance {
  id: string;
  start: string;
}

/** The hand-made cases of one account: each one a situation the sync engine must get right. */
async function seedCases(
  emulator: RunningEmulator,
  a: DemoAccount,
  invitee: DemoAccount,
  today: Date,
): Promise<void> {
  const monday = nextMonday(today);
  const day = (n: number) => dayAfter(monday, n);
  const create = async (event: unknown) => (await call<{ id: string }>(emulator, events(a), { event })).id;
  const instances = (id: string) => call<Instance[]>(emulator, `${events(a)}/${id}/instances`);
  const google = a.provider === 'google';

  // 1. A weekly series for 20 weeks (so it crosses a DST change), one instance moved, one cancelled.
  const review = await create(weekly(a, 'Pipeline review', day(0), '10:00', 20));
  const [, second, third] = await instances(review);
  const moved = google
    ? {
        start: { dateTime: `${day(8)}T14:00:00`, timeZone: a.time_zone },
        end: { dateTime: `${day(8)}T15:00:00`, timeZone: a.time_zone },
        summary: 'Pipeline review (moved)',
      }
    : {
        start: { dateTime: `${day(8)}T14:00:00`, timeZone: a.time_zone },
        end: { dateTime: `${day(8)}T15:00:00`, timeZone: a.time_zone },
        subject: 'Pipeline review (moved)',
      };
  await call(emulator, `${events(a)}/${encodeURIComponent(second?.id ?? '')}`, { event: moved }, 'PATCH');
  await call(emulator, `${events(a)}/${encodeURIComponent(third?.id ?? '')}`, undefined, 'DELETE');

  // 2. "This and following": a weekly 1:1 whose second half moves to a new title.
  const oneOnOne = await create(weekly(a, '1:1', day(1), '15:00', 10));
  const split = (await instances(oneOnOne))[5];
  await call(emulator, `${events(a)}/${oneOnOne}/split`, {
    start: split?.start,
    event: google ? { summary: '1:1 (new format)' } : { subject: '1:1 (new format)' },
  });

  // 3. A series whose time changed after one instance was edited (the edit is dropped, as providers do).
  const standup = await create(weekly(a, 'Team standup', day(2), '09:00', 8));
  const edited = (await instances(standup))[1];
  await call(
    emulator,
    `${events(a)}/${encodeURIComponent(edited?.id ?? '')}`,
    { event: google ? { summary: 'Standup (demo day)' } : { subject: 'Standup (demo day)' } },
    'PATCH',
  );
  await call(
    emulator,
    `${events(a)}/${standup}`,
    {
      event: {
        start: { dateTime: `${day(2)}T09:30:00`, timeZone: a.time_zone },
        end: { dateTime: `${day(2)}T10:00:00`, timeZone: a.time_zone },
      },
    },
    'PATCH',
  );

  // 4. All-day: a two-day offsite and a one-day holiday marked free.
  await create(allDay(a, 'Company offsite', day(10), 2));
  await create(
    allDay(a, 'Public holiday', day(17), 1, google ? { transparency: 'transparent' } : { showAs: 'free' }),
  );

  // 5. Out of office (busy) and a working location (never busy).
  await create(
    timed(
      a,
      'Out of office',
      day(3),
      '13:00',
      '17:00',
      google
        ? {
            eventType: 'outOfOffice',
            outOfOfficeProperties: {
              autoDeclineMode: 'declineOnlyNewConflictingInvitations',
              declineMessage: 'Back tomorrow',
            },
          }
        : { showAs: 'oof' },
    ),
  );
  await create(
    google
      ? allDay(a, 'Home', day(4), 1, {
          eventType: 'workingLocation',
          visibility: 'public',
          transparency: 'transparent',
          workingLocationProperties: { type: 'homeOffice', homeOffice: {} },
        })
      : allDay(a, 'Working from home', day(4), 1, { showAs: 'workingElsewhere' }),
  );

  // 6. Invitations: a single meeting and a weekly series with the other demo account of this provider.
  await create(
    timed(
      a,
      `Deal review with ${invitee.name}`,
      day(1),
      '11:00',
      '12:00',
      google
        ? { attendees: [{ email: invitee.email }] }
        : { attendees: [{ emailAddress: { address: invitee.email }, type: 'required' }] },
    ),
  );
  await create(weekly(a, `Forecast sync with ${invitee.name}`, day(3), '16:00', 6, [invitee.email]));
  const copies = await call<
    Array<{ id: string; summary?: string; subject?: string; iCalUID?: string; iCalUId?: string }>
  >(emulator, `/accounts/${invitee.provider}/${invitee.email}/invitations`);
  const copy = copies.find((c) => (c.summary ?? c.subject ?? '').startsWith('Deal review'));
  if (copy)
    await call(emulator, `${events(invitee)}/${encodeURIComponent(copy.id)}/respond`, {
      response: 'accepted',
    });
}

export async function seedEmulator(
  emulator: RunningEmulator,
  secrets: LocalSecrets,
  redirectUri: string,
): Promise<string[]> {
  await call(emulator, '/clients', {
    provider: 'google',
    client_id: secrets.GOOGLE_CALENDAR_CLIENT_ID,
    client_secret: secrets.GOOGLE_CALENDAR_CLIENT_SECRET,
    redirect_uris: [redirectUri],
  });
  await call(emulator, '/clients', {
    provider: 'microsoft',
    client_id: secrets.MICROSOFT_CALENDAR_CLIENT_ID,
    client_secret: secrets.MICROSOFT_CALENDAR_CLIENT_SECRET,
    redirect_uris: [redirectUri],
  });
  await seedDemoCalendars(emulator, new Date());
  return DEMO_ACCOUNTS.map((a) => a.email);
}

/** Accounts, hand-made cases and a seeded random calendar each (exported for the emulator tests). */
export async function seedDemoCalendars(emulator: RunningEmulator, today: Date): Promise<void> {
  for (const account of DEMO_ACCOUNTS) await call(emulator, '/accounts', account);
  const [alex, sam, megan, adele] = DEMO_ACCOUNTS;
  await seedCases(emulator, alex, sam, today);
  await seedCases(emulator, megan, adele, today);
  for (const [i, account] of DEMO_ACCOUNTS.entries()) {
    await call(emulator, `/accounts/${account.provider}/${account.email}/generate`, {
      count: 300,
      seed: 100 + i,
      start_date: today.toISOString().slice(0, 10),
      days: 60,
    });
  }
}

export { DEMO_ACCOUNTS };
