/**
 * Meetings end to end (issue 15) on both providers: the real worker, the connection's Durable Object,
 * Postgres with RLS and the stateful emulator. Created (tagged, attendees invited), synced back without
 * a duplicate row, rescheduled and cancelled from CE and from the provider side, with the activity and
 * the reminder following each time.
 */
import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { sql } from 'drizzle-orm';
import { describe, expect, it, vi } from 'vitest';
import type { CalendarConnection } from '../../durable-objects/calendar-connection.ts';
import { TEST_SEAM } from '../../durable-objects/test-seam.ts';
import { createAccount, emulatorControl } from './connect-helpers.ts';
import { ORG_A, ownerQuery } from './helpers.ts';
import {
  activityOf,
  deleteMeeting,
  inMinutes,
  invitationsOf,
  mirrorRowsOf,
  patchMeeting,
  postMeeting,
  providerCopy,
  remindersOf,
  schedulerToken,
  taggedCount,
  unique,
} from './meetings-helpers.ts';
import { makeDue, scheduleRows } from './object-seam.ts';
import { connect, type ProviderName, settle, tokenOf } from './sync-model.ts';

const HOUR_MS = 3_600_000;

/** The activities of one connection (the test cannot know a meeting's id before its POST answers). */
async function ownRowsOf(connectionId: string): Promise<string[]> {
  const rows = await ownerQuery<{ id: string }>(
    sql`select id from ce_activities where connection_id = ${connectionId} order by created_at`,
  );
  return rows.map((row) => row.id);
}

async function setup(provider: ProviderName, label: string) {
  const organizer = unique(`${label}-org`);
  const attendee = unique(`${label}-att`);
  const { id, stub } = await connect(provider, organizer);
  await createAccount(provider, attendee);
  await settle(stub);
  return { organizer, attendee, id, stub, accessToken: tokenOf(stub) };
}

describe.each(['google', 'microsoft'] as const)('meetings on %s', (provider) => {
  it('created tagged with attendee copies, synced back without a duplicate, rescheduled and cancelled from CE', async () => {
    const { organizer, attendee, id, stub, accessToken } = await setup(provider, `m-${provider}`);
    const external = unique('guest');
    const token = await schedulerToken();
    const start = inMinutes(2 * 24 * 60);
    const created = await postMeeting(token, {
      connection_id: id,
      title: 'Quarterly review',
      start,
      duration_minutes: 45,
      time_zone: 'Europe/Berlin',
      attendees: [attendee, external, attendee.toUpperCase()],
      description: 'Numbers',
      location: 'Room 4',
      conference: true,
    });
    expect(created.status).toBe(201);
    const meeting = created.body;
    expect(meeting).toMatchObject({
      connection_id: id,
      title: 'Quarterly review',
      start,
      duration_minutes: 45,
      status: 'scheduled',
      sync_status: 'synced',
      attendee_count: 2,
    });
    expect(meeting.provider_event_id).toBeTruthy();
    expect(meeting.conference_url).toMatch(
      provider === 'google' ? /^https:\/\/meet\.google\.com\// : /teams/,
    );
    // The response never repeats an attendee address.
    expect(JSON.stringify(meeting)).not.toContain(attendee);
    expect(Date.parse(meeting.reminder_at ?? '')).toBeLessThan(Date.parse(start));

    const copy = await providerCopy(provider, await accessToken(), meeting.provider_event_id ?? '');
    expect(copy.status).toBe(200);
    expect(copy.tag).toBe(meeting.id);
    if (provider === 'microsoft') expect(copy.transactionId).toBe(`cecal:${meeting.id}`);
    const invited = copy.attendees.map((a) => a.toLowerCase()).filter((a) => a !== organizer);
    expect(invited.sort()).toEqual([attendee, external].sort());
    expect(copy.startMs).toBe(Date.parse(start));
    expect(await invitationsOf(provider, attendee)).toHaveLength(1);

    // Synced back: the same row (outbound, linked), never a second one.
    await settle(stub);
    const rows = await mirrorRowsOf(id, meeting.id);
    expect(rows).toEqual([
      expect.objectContaining({
        provider_event_id: meeting.provider_event_id,
        sync_direction: 'outbound',
        sync_status: 'synced',
        activity_id: meeting.id,
      }),
    ]);

    // Rescheduled from CE: provider, attendee copy, activity and reminder follow.
    const later = new Date(Date.parse(start) + HOUR_MS).toISOString();
    const moved = await patchMeeting(token, meeting.id, { start: later, title: 'Quarterly review (moved)' });
    expect(moved.status).toBe(200);
    expect(moved.body).toMatchObject({ start: later, duration_minutes: 45, sync_status: 'synced' });
    expect(Date.parse(moved.body.reminder_at ?? '')).toBe(Date.parse(meeting.reminder_at ?? '') + HOUR_MS);
    expect((await providerCopy(provider, await accessToken(), meeting.provider_event_id ?? '')).startMs).toBe(
      Date.parse(later),
    );
    const reminders = await remindersOf(meeting.id);
    expect(reminders).toHaveLength(1);
    expect(reminders[0]?.scheduled_for.getTime()).toBe(Date.parse(moved.body.reminder_at ?? ''));
    await settle(stub);
    expect(await mirrorRowsOf(id, meeting.id)).toHaveLength(1);
    expect((await activityOf(meeting.id))?.subject).toBe('Quarterly review (moved)');

    // Cancelled from CE: gone on the provider, attendees told, reminder withdrawn.
    const cancelled = await deleteMeeting(token, meeting.id);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({ status: 'cancelled', sync_status: 'synced', reminder_at: null });
    const after = await providerCopy(provider, await accessToken(), meeting.provider_event_id ?? '');
    expect(after.status === 404 || after.status === 410 || after.cancelled).toBe(true);
    const copies = await invitationsOf(provider, attendee);
    expect(copies.every((c) => c.isCancelled === true) || copies.length === 0).toBe(true);
    expect(await remindersOf(meeting.id)).toEqual([]);
    await settle(stub);
    expect(await mirrorRowsOf(id, meeting.id)).toEqual([]);
    expect((await activityOf(meeting.id))?.status).toBe('cancelled');
    // Cancelling again is harmless.
    expect((await deleteMeeting(token, meeting.id)).status).toBe(200);
    // A cancelled meeting cannot be moved.
    expect((await patchMeeting(token, meeting.id, { title: 'x' })).status).toBe(409);
  });

  it('changes made on the provider (moved, attendee declined, cancelled) reach the activity and the reminder', async () => {
    const { organizer, attendee, id, stub } = await setup(provider, `p-${provider}`);
    const token = await schedulerToken();
    const start = inMinutes(3 * 24 * 60);
    const { body: meeting } = await postMeeting(token, {
      connection_id: id,
      title: 'Provider side',
      start,
      duration_minutes: 30,
      time_zone: 'UTC',
      attendees: [attendee],
    });
    expect(meeting.sync_status).toBe('synced');
    await settle(stub);
    const eventId = meeting.provider_event_id ?? '';

    // Moved in Google Calendar / Outlook by the organizer.
    const movedStart = new Date(Date.parse(start) + 2 * HOUR_MS);
    const movedEnd = new Date(movedStart.getTime() + 30 * 60_000);
    const wireTime = (d: Date) =>
      provider === 'google'
        ? { dateTime: d.toISOString(), timeZone: 'UTC' }
        : { dateTime: d.toISOString().slice(0, 19), timeZone: 'UTC' };
    await emulatorControl(
      `/accounts/${provider}/${organizer}/events/${encodeURIComponent(eventId)}`,
      { event: { start: wireTime(movedStart), end: wireTime(movedEnd) } },
      'PATCH',
    );
    await settle(stub);
    const activity = await activityOf(meeting.id);
    expect(activity?.starts_at.getTime()).toBe(movedStart.getTime());
    expect(activity?.ends_at.getTime()).toBe(movedEnd.getTime());
    const reminders = await remindersOf(meeting.id);
    expect(reminders).toHaveLength(1);
    expect(reminders[0]?.scheduled_for.getTime()).toBe(Date.parse(meeting.reminder_at ?? '') + 2 * HOUR_MS);
    expect(await mirrorRowsOf(id, meeting.id)).toHaveLength(1);

    // The attendee declines in their own calendar.
    const [invitation] = await invitationsOf(provider, attendee);
    expect(invitation).toBeTruthy();
    await emulatorControl(
      `/accounts/${provider}/${attendee}/events/${encodeURIComponent(invitation?.id ?? '')}/respond`,
      { response: 'declined' },
    );
    await settle(stub);
    expect((await activityOf(meeting.id))?.attendees).toEqual([
      { email: attendee, responseStatus: 'declined' },
    ]);

    // Cancelled (deleted) on the provider by the organizer.
    await emulatorControl(
      `/accounts/${provider}/${organizer}/events/${encodeURIComponent(eventId)}`,
      undefined,
      'DELETE',
    );
    await settle(stub);
    expect((await activityOf(meeting.id))?.status).toBe('cancelled');
    expect(await remindersOf(meeting.id)).toEqual([]);
    expect(await mirrorRowsOf(id, meeting.id)).toEqual([]);
  });

  it('the same Idempotency-Key 10× at once → one provider event, one activity, one reminder; another body → 409', async () => {
    const { id, stub, organizer, accessToken } = await setup(provider, `i-${provider}`);
    const token = await schedulerToken();
    const key = `idem-${crypto.randomUUID()}`;
    const body = {
      connection_id: id,
      title: 'Once',
      start: inMinutes(24 * 60),
      time_zone: 'America/New_York',
      attendees: [unique('guest')],
    };
    const answers = await Promise.all(Array.from({ length: 10 }, () => postMeeting(token, body, key)));
    const ids = new Set(answers.map((a) => a.body.id));
    expect(ids.size).toBe(1);
    expect(answers.filter((a) => a.status === 201)).toHaveLength(1);
    expect(answers.filter((a) => a.status === 200)).toHaveLength(9);
    const [activityId] = [...ids];
    const counters = await emulatorControl<Record<string, number>>(
      `/accounts/${provider}/${organizer}/counters`,
    );
    expect(counters[provider === 'google' ? 'events.insert' : 'events.create']).toBe(1);
    expect(await taggedCount(provider, await accessToken(), activityId ?? '')).toBe(1);
    expect(await remindersOf(activityId ?? '')).toHaveLength(1);
    expect(await mirrorRowsOf(id, activityId ?? '')).toHaveLength(1);

    const other = await postMeeting(token, { ...body, title: 'Twice' }, key);
    expect(other.status).toBe(409);
    await settle(stub);
    expect(await mirrorRowsOf(id, activityId ?? '')).toHaveLength(1);
  });

  it('a timeout after the provider accepted → pending, then the retry finds the same event: still one', async () => {
    const { id, stub, organizer, accessToken } = await setup(provider, `t-${provider}`);
    const token = await schedulerToken();
    const endpoint = provider === 'google' ? 'events.insert' : 'events.create';
    await emulatorControl('/faults', {
      provider,
      account: organizer,
      endpoint,
      kind: 'lost_response',
      times: 1,
      delay_ms: 50,
    });
    const key = `lost-${crypto.randomUUID()}`;
    const body = {
      connection_id: id,
      title: 'Lost answer',
      start: inMinutes(26 * 60),
      time_zone: 'UTC',
      attendees: [],
    };
    const first = await postMeeting(token, body, key);
    expect(first.status).toBe(201);
    expect(first.body.sync_status).toBe('pending');
    expect(first.body.provider_event_id).toBeNull();
    // The provider has it already (the answer was lost, not the write).
    expect(await taggedCount(provider, await accessToken(), first.body.id)).toBe(1);

    // A sync meanwhile adopts the provider's copy instead of adding a row.
    await settle(stub);
    expect(await mirrorRowsOf(id, first.body.id)).toHaveLength(1);

    const retried = await postMeeting(token, body, key);
    expect(retried.status).toBe(200);
    expect(retried.body).toMatchObject({ id: first.body.id, sync_status: 'synced' });
    expect(retried.body.provider_event_id).toBeTruthy();
    expect(await taggedCount(provider, await accessToken(), first.body.id)).toBe(1);
    await settle(stub);
    const rows = await mirrorRowsOf(id, first.body.id);
    expect(rows).toEqual([
      expect.objectContaining({
        provider_event_id: retried.body.provider_event_id,
        sync_direction: 'outbound',
        activity_id: first.body.id,
      }),
    ]);
  });

  it('the object stops between the provider accepting and the confirm → its outbox alarm completes the meeting once', async () => {
    const { id, stub, organizer, accessToken } = await setup(provider, `c-${provider}`);
    const token = await schedulerToken();
    const endpoint = provider === 'google' ? 'events.insert' : 'events.create';
    // The create is applied, then its answer hangs: the object is "gone" before it can confirm.
    await emulatorControl('/faults', {
      provider,
      account: organizer,
      endpoint,
      kind: 'lost_response',
      times: 1,
      delay_ms: 4_000,
    });
    const stuck = postMeeting(token, {
      connection_id: id,
      title: 'Crash',
      start: inMinutes(28 * 60),
      time_zone: 'UTC',
      attendees: [],
    });
    const activityId = await vi.waitFor(
      async () => {
        const rows = await ownRowsOf(id);
        expect(rows).toHaveLength(1);
        return rows[0] as string;
      },
      { timeout: 5_000, interval: 50 },
    );
    await vi.waitFor(
      async () => expect(await taggedCount(provider, await accessToken(), activityId)).toBe(1),
      {
        timeout: 5_000,
        interval: 50,
      },
    );
    // A restart: a fresh object over the same storage runs the outbox row planned before the call.
    const planned = (await scheduleRows(stub)).filter((row) => row.kind === 'meeting_outbox');
    expect(planned).toHaveLength(1);
    await runInDurableObject(stub, async (instance, state) => {
      const Restarted = instance.constructor as new (
        state: DurableObjectState,
        env: Cloudflare.Env,
      ) => CalendarConnection;
      const restarted = new Restarted(state, env);
      await vi.waitFor(async () => expect((await restarted.status('restart')).attached).toBe(true));
      // Due within the alarm's debounce window (the old instance's alarm stays 60 s out, so only the
      // restarted object runs it).
      await restarted[TEST_SEAM]().makeDue(['meeting_outbox'], { at: Date.now() + 200 });
      await restarted.alarm();
    });
    const [row] = await mirrorRowsOf(id, activityId);
    expect(row).toMatchObject({ sync_status: 'synced', outbox_operation: null, sync_direction: 'outbound' });
    expect(await taggedCount(provider, await accessToken(), activityId)).toBe(1);
    // The old call's late failure changes nothing.
    expect((await stuck).status).toBe(201);
    expect(await mirrorRowsOf(id, activityId)).toEqual([
      expect.objectContaining({ sync_status: 'synced', outbox_operation: null }),
    ]);
    await settle(stub);
    expect(await taggedCount(provider, await accessToken(), activityId)).toBe(1);
  });

  it('an unanswered create, then a refused retry → the meeting stays (error), the provider keeps one event', async () => {
    const { id, organizer, accessToken } = await setup(provider, `rf-${provider}`);
    const token = await schedulerToken();
    const endpoint = provider === 'google' ? 'events.insert' : 'events.create';
    await emulatorControl('/faults', {
      provider,
      account: organizer,
      endpoint,
      kind: 'lost_response',
      times: 1,
      delay_ms: 50,
    });
    const key = `refused-${crypto.randomUUID()}`;
    const body = {
      connection_id: id,
      title: 'Refused retry',
      start: inMinutes(27 * 60),
      time_zone: 'UTC',
      attendees: [],
    };
    const first = await postMeeting(token, body, key);
    expect(first.status).toBe(201);
    expect(first.body.sync_status).toBe('pending');
    const providerToken = await accessToken();
    expect(await taggedCount(provider, providerToken, first.body.id)).toBe(1);
    // The retry is refused for good: the grant is revoked and the access token dead.
    await emulatorControl(`/accounts/${provider}/${encodeURIComponent(organizer)}/revoke-grants`, {});
    await emulatorControl(`/accounts/${provider}/${encodeURIComponent(organizer)}/expire-access-tokens`, {});
    const retried = await postMeeting(token, body, key);
    expect(retried.status).toBe(200);
    expect(retried.body).toMatchObject({ id: first.body.id, sync_status: 'error', status: 'scheduled' });
    expect(await activityOf(first.body.id)).toBeTruthy();
    expect(await remindersOf(first.body.id)).toHaveLength(1);
    expect(await mirrorRowsOf(id, first.body.id)).toEqual([
      expect.objectContaining({ sync_status: 'error' }),
    ]);
  });

  it('defaults to the organization duration; a PATCH of attendees reaches the provider; a refused PATCH shows error', async () => {
    const { id, organizer, attendee } = await setup(provider, `p-${provider}`);
    const token = await schedulerToken();
    // An organization setting unlike the built-in default (30), restored afterwards.
    const [previous] = await ownerQuery<{ minutes: number }>(
      sql`select calendar_default_meeting_duration_minutes as minutes from ce_module_settings where organization_id = ${ORG_A}`,
    );
    await ownerQuery(
      sql`insert into ce_module_settings (organization_id, calendar_default_meeting_duration_minutes) values (${ORG_A}, 45)
          on conflict (organization_id) do update set calendar_default_meeting_duration_minutes = 45`,
    );
    const created = await postMeeting(token, {
      connection_id: id,
      title: 'Default length',
      start: inMinutes(40 * 60),
      time_zone: 'UTC',
      attendees: [],
    });
    await ownerQuery(
      previous
        ? sql`update ce_module_settings set calendar_default_meeting_duration_minutes = ${previous.minutes} where organization_id = ${ORG_A}`
        : sql`delete from ce_module_settings where organization_id = ${ORG_A}`,
    );
    expect(created.status).toBe(201);
    expect(Date.parse(created.body.end) - Date.parse(created.body.start)).toBe(45 * 60_000);
    expect(await invitationsOf(provider, attendee)).toHaveLength(0);

    const invited = await patchMeeting(token, created.body.id, { attendees: [attendee] });
    expect(invited.status).toBe(200);
    expect(invited.body).toMatchObject({ sync_status: 'synced', attendee_count: 1 });
    expect(await invitationsOf(provider, attendee)).toHaveLength(1);

    // The provider refuses for good (grant revoked, access token dead): CE keeps its change, shows error.
    await emulatorControl(`/accounts/${provider}/${encodeURIComponent(organizer)}/revoke-grants`, {});
    await emulatorControl(`/accounts/${provider}/${encodeURIComponent(organizer)}/expire-access-tokens`, {});
    const refused = await patchMeeting(token, created.body.id, { title: 'Refused change' });
    expect(refused.status).toBe(200);
    expect(refused.body).toMatchObject({ title: 'Refused change', sync_status: 'error' });
    expect((await activityOf(created.body.id))?.subject).toBe('Refused change');
  });

  it('a create refused on its first call → an error answer and nothing stored', async () => {
    const { id, organizer } = await setup(provider, `rc-${provider}`);
    const token = await schedulerToken();
    await emulatorControl(`/accounts/${provider}/${encodeURIComponent(organizer)}/revoke-grants`, {});
    await emulatorControl(`/accounts/${provider}/${encodeURIComponent(organizer)}/expire-access-tokens`, {});
    const refused = await postMeeting(
      token,
      { connection_id: id, title: 'Refused', start: inMinutes(41 * 60), time_zone: 'UTC', attendees: [] },
      `refused-first-${crypto.randomUUID()}`,
    );
    expect([409, 502]).toContain(refused.status);
    expect(await ownRowsOf(id)).toEqual([]);
    const [{ n } = { n: -1 }] = await ownerQuery<{ n: number }>(
      sql`select count(*)::int as n from ce_calendar_events where connection_id = ${id} and activity_id is not null`,
    );
    expect(n).toBe(0);
  });

  it('deleted on the provider before a CE change reaches it → the change finds it gone: cancelled, reminder withdrawn', async () => {
    const { id, organizer } = await setup(provider, `g-${provider}`);
    const token = await schedulerToken();
    const created = await postMeeting(token, {
      connection_id: id,
      title: 'Deleted there',
      start: inMinutes(42 * 60),
      time_zone: 'UTC',
      attendees: [],
    });
    expect(created.body.sync_status).toBe('synced');
    const res = await fetch(
      `${env.TEST_EMULATOR_URL}/_control/accounts/${provider}/${encodeURIComponent(organizer)}/events/${encodeURIComponent(created.body.provider_event_id ?? '')}`,
      { method: 'DELETE' },
    );
    expect(res.ok).toBe(true);
    // No sync in between: CE's change is the first to learn of it.
    const changed = await patchMeeting(token, created.body.id, { title: 'Too late' });
    expect(changed.status).toBe(200);
    expect(changed.body.status).toBe('cancelled');
    expect((await activityOf(created.body.id))?.status).toBe('cancelled');
    expect((await remindersOf(created.body.id)).filter((r) => r.sent_at === null)).toHaveLength(0);
    expect(await mirrorRowsOf(id, created.body.id)).toHaveLength(0);
  });

  it('a provider outage leaves the meeting pending; the object retries from its outbox until it is there once', async () => {
    const { id, stub, organizer, accessToken } = await setup(provider, `o-${provider}`);
    const token = await schedulerToken();
    const endpoint = provider === 'google' ? 'events.insert' : 'events.create';
    await emulatorControl('/faults', { provider, account: organizer, endpoint, kind: 'http_503', times: 2 });
    const { status, body } = await postMeeting(token, {
      connection_id: id,
      title: 'Outage',
      start: inMinutes(30 * 60),
      time_zone: 'UTC',
      attendees: [],
    });
    expect(status).toBe(201);
    expect(body.sync_status).toBe('pending');
    expect(await taggedCount(provider, await accessToken(), body.id)).toBe(0);
    // The object's outbox row (what waiting for it would do, made due now), twice: one more 503.
    const runOutbox = () => makeDue(stub, ['meeting_outbox']).then(() => runDurableObjectAlarm(stub));
    await vi.waitFor(
      async () => {
        await runOutbox();
        const [row] = await mirrorRowsOf(id, body.id);
        expect(row).toMatchObject({
          sync_status: 'synced',
          outbox_operation: null,
          sync_direction: 'outbound',
        });
      },
      { timeout: 15_000, interval: 200 },
    );
    expect(await taggedCount(provider, await accessToken(), body.id)).toBe(1);
    await settle(stub);
    expect(await mirrorRowsOf(id, body.id)).toHaveLength(1);
  });
});
