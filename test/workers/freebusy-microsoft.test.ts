/**
 * Live free/busy for a Microsoft calendar (Graph getSchedule through the connection's Durable Object
 * token) against the emulator's own expansion (`calendarView`): a recurring Outlook series blocks
 * every occurrence (one cancelled), all-day and out-of-office block, free and working-elsewhere do
 * not, and getSchedule's subjects and locations never reach the answer.
 */
import { env } from 'cloudflare:workers';
import { sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { allDayToInterval, mergeIntervals } from '../../worker/availability/index.ts';
import { getFreshCalendarAccessToken } from '../../worker/services/tokens.ts';
import { connectThroughWorker, emulatorControl, registerPlatformClients } from './connect-helpers.ts';
import { call, ownerQuery, tokenFor } from './helpers.ts';

const ORG = crypto.randomUUID();
const OUTLOOK_USER = crypto.randomUUID();
const SCHEDULER = crypto.randomUUID();
const WINDOW = { time_min: '2027-03-08T00:00:00Z', time_max: '2027-04-05T00:00:00Z' };
const email = `ms-${crypto.randomUUID().slice(0, 8)}@demo.example`;
let connectionId: string;

const graphTime = (dateTime: string) => ({ dateTime, timeZone: 'America/New_York' });

async function create(event: Record<string, unknown>) {
  return emulatorControl<{ id: string }>(`/accounts/microsoft/${email}/events`, { event });
}

beforeAll(async () => {
  await registerPlatformClients();
  await emulatorControl('/accounts', {
    provider: 'microsoft',
    email,
    name: 'outlook',
    time_zone: 'America/New_York',
  });
  const token = await tokenFor({ sub: OUTLOOK_USER, org_id: ORG, permissions: ['ce.calendar.connect'] });
  await connectThroughWorker(token, 'microsoft', email);
  const [row] = await ownerQuery<{ id: string }>(
    sql`select id from ce_calendar_connections where user_id = ${OUTLOOK_USER}`,
  );
  connectionId = row!.id;
  const series = await create({
    subject: 'Outlook weekly secret',
    location: { displayName: 'Outlook room secret' },
    start: graphTime('2027-03-08T09:00:00'),
    end: graphTime('2027-03-08T10:00:00'),
    recurrence: {
      pattern: { type: 'weekly', interval: 1, daysOfWeek: ['monday'] },
      range: { type: 'numbered', startDate: '2027-03-08', numberOfOccurrences: 4 },
    },
  });
  const instances = await emulatorControl<Array<{ id: string; original_start: string }>>(
    `/accounts/microsoft/${email}/events/${series.id}/instances?from=2027-03-01T00:00:00Z&to=2027-04-30T00:00:00Z`,
  );
  await emulatorControl(`/accounts/microsoft/${email}/events/${instances[2]!.id}`, undefined, 'DELETE');
  await create({
    subject: 'Outlook day secret',
    isAllDay: true,
    start: graphTime('2027-03-10T00:00:00'),
    end: graphTime('2027-03-11T00:00:00'),
  });
  await create({
    subject: 'Outlook oof secret',
    showAs: 'oof',
    start: graphTime('2027-03-17T09:00:00'),
    end: graphTime('2027-03-17T17:00:00'),
  });
  await create({
    subject: 'Outlook free secret',
    showAs: 'free',
    start: graphTime('2027-03-18T09:00:00'),
    end: graphTime('2027-03-18T10:00:00'),
  });
  await create({
    subject: 'Outlook elsewhere secret',
    showAs: 'workingElsewhere',
    start: graphTime('2027-03-19T09:00:00'),
    end: graphTime('2027-03-19T17:00:00'),
  });
}, 120_000);

/** Oracle: the emulator's calendarView, busy where showAs blocks and the event is not cancelled. */
async function calendarViewBusy() {
  const accessToken = await getFreshCalendarAccessToken(env, {
    id: connectionId,
    organizationId: ORG,
    userId: OUTLOOK_USER,
    provider: 'microsoft',
  });
  const blocks: Array<{ start: number; end: number }> = [];
  let url: string | undefined =
    `${env.MICROSOFT_GRAPH_BASE_URL}/v1.0/me/calendarView?startDateTime=${WINDOW.time_min}&endDateTime=${WINDOW.time_max}`;
  while (url) {
    const res = await fetch(url, {
      headers: { authorization: `Bearer ${accessToken}`, prefer: 'outlook.timezone="UTC"' },
    });
    const body = (await res.json()) as {
      value: Array<{
        showAs?: string;
        isCancelled?: boolean;
        isAllDay?: boolean;
        start: { dateTime: string };
        end: { dateTime: string };
      }>;
      '@odata.nextLink'?: string;
    };
    for (const e of body.value) {
      if (e.isCancelled || !['busy', 'tentative', 'oof'].includes(e.showAs ?? 'busy')) continue;
      if (e.isAllDay) {
        // calendarView writes all-day events as floating midnights; they cover the owner's local days.
        blocks.push(
          allDayToInterval(
            { startDate: e.start.dateTime.slice(0, 10), endDate: e.end.dateTime.slice(0, 10) },
            'America/New_York',
          ),
        );
        continue;
      }
      blocks.push({
        start: Date.parse(`${e.start.dateTime.slice(0, 23)}Z`),
        end: Date.parse(`${e.end.dateTime.slice(0, 23)}Z`),
      });
    }
    url = body['@odata.nextLink'];
  }
  const start = Date.parse(WINDOW.time_min);
  const end = Date.parse(WINDOW.time_max);
  return mergeIntervals(
    blocks.map((b) => ({ start: Math.max(b.start, start), end: Math.min(b.end, end) })),
  ).map((b) => ({
    start: new Date(b.start).toISOString(),
    end: new Date(b.end).toISOString(),
  }));
}

describe('live free/busy: Microsoft getSchedule', () => {
  it('equals the emulator calendarView expansion; recurring Outlook occurrences block, titles never leak', async () => {
    const res = await call('/v1/calendar/freebusy', {
      method: 'POST',
      token: await tokenFor({ sub: SCHEDULER, org_id: ORG, permissions: ['ce.calendar.schedule'] }),
      json: { user_ids: [OUTLOOK_USER], ...WINDOW, live: true },
    });
    const text = await res.text();
    expect(res.status, text).toBe(200);
    const answer = JSON.parse(text) as {
      users: Array<{ busy: Array<{ start: string; end: string }>; errors: unknown[] }>;
    };
    expect(answer.users[0]!.errors).toEqual([]);
    const busy = answer.users[0]!.busy;
    expect(busy).toEqual(await calendarViewBusy());
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
    expect(text).not.toContain(email);
  });
});
