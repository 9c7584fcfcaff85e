/**
 * Reading meetings (issue 20 §3) through the real worker, database and emulator: one by id and a page
 * by activity or window, with the sync status (pending during a provider outage, then synced), the
 * provider's link, and the attendees' answers (addresses to the organizer only, counts to colleagues
 * with view-all, nothing to a colleague without it). The zone is kept as the organizer wrote it, all
 * the way to the provider and back (ICU would say `Europe/Kiev` / `Asia/Calcutta`).
 */
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { createAccount, emulatorControl } from './connect-helpers.ts';
import { ALICE, BOB, CAROL, call, ORG_A } from './helpers.ts';
import { inMinutes, type MeetingJson, postMeeting, schedulerToken, unique } from './meetings-helpers.ts';
import { connect, type ProviderName, settle, tokenOf } from './sync-model.ts';

interface ReadJson extends MeetingJson {
  organizer_user_id: string;
  time_zone: string | null;
  provider_link: string | null;
  attendees: Array<{ email: string; response: string }> | null;
}

async function getJson<T>(path: string, token: string): Promise<{ status: number; body: T }> {
  const response = await call(path, { token });
  return { status: response.status, body: (await response.json()) as T };
}

/** The zone the provider holds for the event's start, read over its own wire API. */
async function providerZone(provider: ProviderName, accessToken: string, eventId: string): Promise<string> {
  const url =
    provider === 'google'
      ? `${env.GOOGLE_API_BASE_URL}/calendar/v3/calendars/primary/events/${encodeURIComponent(eventId)}`
      : `${env.MICROSOFT_GRAPH_BASE_URL}/v1.0/me/calendar/events/${encodeURIComponent(eventId)}`;
  const response = await fetch(url, { headers: { authorization: `Bearer ${accessToken}` } });
  const body = (await response.json()) as {
    start?: { timeZone?: string };
    originalStartTimeZone?: string;
  };
  return (provider === 'google' ? body.start?.timeZone : body.originalStartTimeZone) ?? '';
}

const ZONES: Record<ProviderName, string> = { google: 'Europe/Kyiv', microsoft: 'Asia/Kolkata' };
const WINDOWS_NAME: Record<string, string> = { 'Asia/Kolkata': 'India Standard Time' };

describe.each(['google', 'microsoft'] as const)('reading meetings on %s', (provider) => {
  it('by id and by activity or window: status, link, answers to the organizer, counts to view-all, the zone as written', async () => {
    const organizer = unique(`read-${provider}`);
    const attendee = unique(`read-att-${provider}`);
    const { id, stub } = await connect(provider, organizer);
    await createAccount(provider, attendee);
    await settle(stub);
    const alice = await schedulerToken();
    const start = inMinutes(5 * 24 * 60);
    const zone = ZONES[provider];
    const created = await postMeeting(alice, {
      connection_id: id,
      title: '  Read me  ',
      start,
      duration_minutes: 45,
      time_zone: zone,
      attendees: [attendee],
    });
    expect(created.status).toBe(201);
    const meetingId = created.body.id;

    const own = await getJson<ReadJson>(`/v1/calendar/meetings/${meetingId}`, alice);
    expect(own.status).toBe(200);
    expect(own.body).toMatchObject({
      id: meetingId,
      organizer_user_id: ALICE,
      title: 'Read me',
      start: new Date(start).toISOString(),
      duration_minutes: 45,
      time_zone: zone,
      sync_status: 'synced',
      attendee_count: 1,
      attendees: [{ email: attendee, response: 'needs_action' }],
    });
    expect(own.body.provider_link).toMatch(/^https:\/\//);
    expect(own.body.reminder_at).not.toBeNull();
    // The provider holds the zone as written, too (Graph answers with its Windows name), not the alias.
    expect([zone, WINDOWS_NAME[zone]]).toContain(
      await providerZone(provider, await tokenOf(stub)(), own.body.provider_event_id ?? ''),
    );

    // The attendee accepts; the answer comes back through sync.
    const [invitation] = (await emulatorControl(`/accounts/${provider}/${attendee}/invitations`)) as Array<{
      id: string;
    }>;
    await emulatorControl(
      `/accounts/${provider}/${attendee}/events/${encodeURIComponent(invitation?.id ?? '')}/respond`,
      { response: 'accepted' },
    );
    await settle(stub);
    const answered = await getJson<ReadJson>(`/v1/calendar/meetings/${meetingId}`, alice);
    expect(answered.body.attendees).toEqual([{ email: attendee, response: 'accepted' }]);
    expect(answered.body.attendee_responses).toMatchObject({ accepted: 1, needs_action: 0 });

    // By activity, and by a window around it (and one that misses it).
    const byActivity = await getJson<{ meetings: ReadJson[]; next_cursor: string | null }>(
      `/v1/calendar/meetings?activity_id=${meetingId}`,
      alice,
    );
    expect(byActivity.body.meetings.map((m) => m.id)).toEqual([meetingId]);
    const window = (from: number, to: number) =>
      `time_min=${encodeURIComponent(new Date(from).toISOString())}&time_max=${encodeURIComponent(new Date(to).toISOString())}`;
    const around = await getJson<{ meetings: ReadJson[] }>(
      `/v1/calendar/meetings?${window(Date.parse(start) - 3_600_000, Date.parse(start) + 60_000)}`,
      alice,
    );
    expect(around.status).toBe(200);
    expect(around.body.meetings.map((m) => m.id)).toContain(meetingId);
    const before = await getJson<{ meetings: ReadJson[] }>(
      `/v1/calendar/meetings?${window(Date.parse(start) - 7_200_000, Date.parse(start))}`,
      alice,
    );
    expect(before.body.meetings.map((m) => m.id)).not.toContain(meetingId);

    // A colleague with view-all: the meeting with counts, no addresses, no reminder.
    const manager = await schedulerToken(BOB, ORG_A, ['ce.calendar.view', 'ce.calendar.view-all']);
    const seen = await getJson<ReadJson>(`/v1/calendar/meetings/${meetingId}`, manager);
    expect(seen.status).toBe(200);
    expect(seen.body).toMatchObject({ attendees: null, reminder_at: null, attendee_count: 1 });
    expect(JSON.stringify(seen.body)).not.toContain(attendee);
    const listed = await getJson<{ meetings: ReadJson[] }>(
      `/v1/calendar/meetings?user_id=${ALICE}&${window(Date.parse(start) - 60_000, Date.parse(start) + 60_000)}`,
      manager,
    );
    expect(listed.body.meetings.map((m) => m.id)).toContain(meetingId);
    expect(JSON.stringify(listed.body)).not.toContain(attendee);

    // A colleague without view-all: no such meeting for them, and Alice's list is not theirs to read.
    const colleague = await schedulerToken(CAROL, ORG_A, ['ce.calendar.view', 'ce.calendar.schedule']);
    expect((await getJson(`/v1/calendar/meetings/${meetingId}`, colleague)).status).toBe(404);
    expect(
      (await getJson(`/v1/calendar/meetings?activity_id=${meetingId}`, colleague)).body as { meetings: [] },
    ).toEqual({ meetings: [], next_cursor: null });
    expect(
      (
        await getJson(
          `/v1/calendar/meetings?user_id=${ALICE}&${window(Date.parse(start) - 60_000, Date.parse(start))}`,
          colleague,
        )
      ).status,
    ).toBe(403);
  });

  it('shows pending while the provider is down, synced once the outbox got it there', async () => {
    const organizer = unique(`pend-${provider}`);
    const { id, stub } = await connect(provider, organizer);
    await settle(stub);
    const alice = await schedulerToken();
    const endpoint = provider === 'google' ? 'events.insert' : 'events.create';
    await emulatorControl('/faults', { provider, account: organizer, endpoint, kind: 'http_503', times: 1 });
    const { body } = await postMeeting(alice, {
      connection_id: id,
      title: 'Pending',
      start: inMinutes(24 * 60),
      time_zone: 'UTC',
      attendees: [],
    });
    const pending = await getJson<ReadJson>(`/v1/calendar/meetings/${body.id}`, alice);
    expect(pending.body).toMatchObject({
      sync_status: 'pending',
      provider_event_id: null,
      provider_link: null,
    });
  });
});

describe('meeting reads: input and permissions', () => {
  it('names the problem in a 400, refuses a reader without a calendar permission, 404s an unknown id', async () => {
    const alice = await schedulerToken();
    const fieldOf = async (query: string) => {
      const { status, body } = await getJson<{ error: { details?: { fields?: Array<{ field: string }> } } }>(
        `/v1/calendar/meetings${query}`,
        alice,
      );
      expect(status, query).toBe(400);
      return body.error.details?.fields?.map((f) => f.field);
    };
    expect(await fieldOf('')).toContain('time_min');
    expect(await fieldOf('?time_min=2026-01-01T00:00:00Z')).toContain('time_max');
    expect(await fieldOf('?time_min=2026-03-01T00:00:00Z&time_max=2026-01-01T00:00:00Z')).toContain(
      'time_max',
    );
    expect(await fieldOf('?time_min=2026-01-01T00:00:00Z&time_max=2026-06-01T00:00:00Z')).toContain(
      'time_max',
    );
    expect(await fieldOf(`?activity_id=${crypto.randomUUID()}&time_min=2026-01-01T00:00:00Z`)).toContain(
      'activity_id',
    );
    expect(await fieldOf('?activity_id=nope')).toContain('activity_id');
    expect(
      await fieldOf('?time_min=2026-01-01T00:00:00Z&time_max=2026-01-02T00:00:00Z&cursor=bm90LWEtY3Vyc29y'),
    ).toContain('cursor');
    expect((await getJson(`/v1/calendar/meetings/${crypto.randomUUID()}`, alice)).status).toBe(404);
    const nobody = await schedulerToken(ALICE, ORG_A, ['ce.calendar.connect']);
    expect((await getJson(`/v1/calendar/meetings/${crypto.randomUUID()}`, nobody)).status).toBe(403);
  });

  it('pages a window by start, without a gap or a repeat', async () => {
    const organizer = unique('page');
    const { id, stub } = await connect('google', organizer);
    await settle(stub);
    const alice = await schedulerToken();
    // Far ahead, in a window no other test writes to.
    const base = Date.parse(inMinutes(2 * 365 * 24 * 60));
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const { body } = await postMeeting(alice, {
        connection_id: id,
        title: `Page ${i}`,
        // Two share a start: the id breaks the tie.
        start: new Date(base + Math.min(i, 3) * 3_600_000).toISOString(),
        time_zone: 'UTC',
        attendees: [],
      });
      ids.push(body.id);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    const range = `time_min=${encodeURIComponent(new Date(base).toISOString())}&time_max=${encodeURIComponent(new Date(base + 86_400_000).toISOString())}`;
    do {
      const page: { body: { meetings: ReadJson[]; next_cursor: string | null } } = await getJson(
        `/v1/calendar/meetings?${range}&limit=2${cursor ? `&cursor=${cursor}` : ''}`,
        alice,
      );
      seen.push(...page.body.meetings.map((m) => m.id));
      cursor = page.body.next_cursor;
    } while (cursor);
    expect([...seen].sort()).toEqual([...ids].sort());
    expect(seen).toHaveLength(5);
  });
});
