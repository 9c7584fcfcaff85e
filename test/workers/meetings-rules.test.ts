/**
 * Meetings (issue 15): reminders delivered exactly once (duplicate alarm runs, a restarted object, a
 * reschedule just before the old time, an end-only change from either side: issue 20 §2), permissions and tenancy, and input checks naming the field.
 * Attendee addresses never reach a log line (log-scan.setup.ts checks every line of this file).
 */
import {
  createExecutionContext,
  createScheduledController,
  runDurableObjectAlarm,
  runInDurableObject,
  waitOnExecutionContext,
} from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { sql } from 'drizzle-orm';
import { describe, expect, it, vi } from 'vitest';
import type { CalendarConnection } from '../../durable-objects/calendar-connection.ts';
import worker from '../../worker/index.ts';
import { canonicalJson } from '../../worker/services/meeting-input.ts';
import { emulatorControl } from './connect-helpers.ts';
import { ALICE, BOB, CAROL, call, insertConnection, ORG_A, ORG_B, ownerQuery } from './helpers.ts';
import {
  activityOf,
  deleteMeeting,
  inMinutes,
  patchMeeting,
  postMeeting,
  remindersOf,
  SCHEDULER,
  schedulerToken,
  unique,
} from './meetings-helpers.ts';
import { addRow, fireAlarmNow, handled as handledRows, makeDue } from './object-seam.ts';
import { connect, type ProviderName, type Stub, settle } from './sync-model.ts';

async function connected(provider: ProviderName, label: string) {
  const { id, stub } = await connect(provider, unique(label));
  await settle(stub);
  return { id, stub };
}

/** Every pending reminder row of the object due now, plus one duplicate row (a repeated alarm). */
const duplicateDueReminders = async (stub: Stub) => {
  await makeDue(stub, ['reminder']);
  await addRow(stub, 'reminder', Date.now() - 1);
  await fireAlarmNow(stub);
};

const deliveries = async (stub: Stub) =>
  (await handledRows(stub)).filter((h) => h.kind === 'reminder' && /^reminders [1-9]/.test(h.outcome));

async function preMeetingMinutes(): Promise<number> {
  const [row] = await ownerQuery<{ minutes: number }>(
    sql`select calendar_pre_meeting_notification_minutes as minutes from ce_module_settings where organization_id = ${ORG_A}`,
  );
  return row?.minutes ?? 15;
}

describe.each(['google', 'microsoft'] as const)('meeting reminders on %s', (provider) => {
  it('delivered exactly once under duplicate and concurrent alarm runs and a restart', async () => {
    const { id, stub } = await connected(provider, `r-${provider}`);
    const token = await schedulerToken();
    // Starts in 3 minutes: every allowed pre-meeting setting (5–1440) makes the reminder due at once.
    const { status, body } = await postMeeting(token, {
      connection_id: id,
      title: 'Soon',
      start: inMinutes(3),
      time_zone: 'UTC',
      attendees: [],
    });
    expect(status).toBe(201);
    await duplicateDueReminders(stub);
    await Promise.all([runDurableObjectAlarm(stub), runDurableObjectAlarm(stub)]);
    const [sent] = await remindersOf(body.id);
    expect(sent?.sent_at).not.toBeNull();

    // A restart: a fresh object over the same storage (memory lost, schedule kept) runs the alarm.
    await duplicateDueReminders(stub);
    await runInDurableObject(stub, async (instance, state) => {
      const Restarted = instance.constructor as new (
        state: DurableObjectState,
        env: Cloudflare.Env,
      ) => CalendarConnection;
      const restarted = new Restarted(state, env);
      // Its constructor loads the identity asynchronously, as after a real restart.
      await vi.waitFor(async () => expect((await restarted.status('restart')).attached).toBe(true));
      await restarted.alarm();
    });
    await duplicateDueReminders(stub);
    await runDurableObjectAlarm(stub);
    await runDurableObjectAlarm(stub);

    const rows = await remindersOf(body.id);
    expect(rows).toHaveLength(1);
    expect(rows[0]?.sent_at?.getTime()).toBe(sent?.sent_at?.getTime());
    await vi.waitFor(async () => expect(await deliveries(stub)).toHaveLength(1), { timeout: 5_000 });
    // Every run after the first found nothing left to send.
    const handled = (await handledRows(stub)).filter((h) => h.kind === 'reminder');
    // At least the first delivery and the restarted object's run (how many of the concurrent runs found
    // a row depends on timing).
    expect(handled.length).toBeGreaterThanOrEqual(2);
    expect(handled.filter((h) => h.outcome === 'reminders 0').length).toBe(handled.length - 1);
  });

  it('a reschedule just before the reminder moves it; the old time never fires', async () => {
    const { id, stub } = await connected(provider, `rr-${provider}`);
    const token = await schedulerToken();
    const pre = await preMeetingMinutes();
    const start = inMinutes(pre + 10);
    const { body: meeting } = await postMeeting(token, {
      connection_id: id,
      title: 'Moved soon',
      start,
      time_zone: 'UTC',
      attendees: [],
    });
    const [before] = await remindersOf(meeting.id);
    expect(before?.scheduled_for.getTime()).toBe(Date.parse(start) - pre * 60_000);

    const later = new Date(Date.parse(start) + 3 * 3_600_000).toISOString();
    const moved = await patchMeeting(token, meeting.id, { start: later });
    expect(moved.status).toBe(200);
    expect(moved.body.reminder_at).toBe(new Date(Date.parse(later) - pre * 60_000).toISOString());

    // The old reminder's time arrives (forced): nothing is delivered, the moved one waits.
    await duplicateDueReminders(stub);
    await runDurableObjectAlarm(stub);
    const rows = await remindersOf(meeting.id);
    expect(rows).toHaveLength(1);
    expect(rows[0]?.sent_at).toBeNull();
    expect(rows[0]?.dedupe_key).not.toBe(before?.dedupe_key);
    expect(rows[0]?.scheduled_for.toISOString()).toBe(moved.body.reminder_at);
    // Read once the alarm run (ours or the runtime's own) has re-planned.
    await vi.waitFor(
      async () => {
        const status = await stub.status(crypto.randomUUID());
        expect(status.schedule.filter((row) => row.kind === 'reminder').map((row) => row.dueAt)).toEqual([
          moved.body.reminder_at,
        ]);
      },
      { timeout: 5_000 },
    );

    // Cancelled: the reminder is withdrawn and the object plans none.
    await deleteMeeting(token, meeting.id);
    expect(await remindersOf(meeting.id)).toEqual([]);
    const afterCancel = await stub.status(crypto.randomUUID());
    expect(afterCancel.schedule.filter((row) => row.kind === 'reminder')).toEqual([]);
  });
});

describe.each(['google', 'microsoft'] as const)('a reminder belongs to a start on %s', (provider) => {
  it('an end-only change (from CE or on the provider) never delivers a second reminder for that start', async () => {
    const organizer = unique(`re-${provider}`);
    const { id, stub } = await connect(provider, organizer);
    await settle(stub);
    const token = await schedulerToken();
    // Starts in 3 minutes: every allowed pre-meeting setting makes the reminder due at once.
    const start = inMinutes(3);
    const { status, body } = await postMeeting(token, {
      connection_id: id,
      title: 'End only',
      start,
      duration_minutes: 30,
      time_zone: 'UTC',
      attendees: [],
    });
    expect(status).toBe(201);
    const deliverDue = async () => {
      await duplicateDueReminders(stub);
      await runDurableObjectAlarm(stub);
    };
    await deliverDue();
    await vi.waitFor(async () => expect((await remindersOf(body.id))[0]?.sent_at).not.toBeNull());
    const delivered = await remindersOf(body.id);
    expect(delivered).toHaveLength(1);

    // Longer from CE: same start, so no reminder is planned and nothing more is delivered.
    const longer = await patchMeeting(token, body.id, { duration_minutes: 60 });
    expect(longer.status).toBe(200);
    expect(longer.body.end).toBe(new Date(Date.parse(start) + 60 * 60_000).toISOString());
    expect(longer.body.reminder_at).toBeNull();
    await deliverDue();
    expect(await remindersOf(body.id)).toEqual(delivered);

    // Longer on the provider (the organizer edits the end), flowing back through sync.
    await settle(stub);
    const newEnd = new Date(Date.parse(start) + 90 * 60_000);
    const wireTime = (d: Date) =>
      provider === 'google'
        ? { dateTime: d.toISOString(), timeZone: 'UTC' }
        : { dateTime: d.toISOString().slice(0, 19), timeZone: 'UTC' };
    await emulatorControl(
      `/accounts/${provider}/${organizer}/events/${encodeURIComponent(longer.body.provider_event_id ?? '')}`,
      // The start is sent unchanged (the wire wants both).
      { event: { start: wireTime(new Date(start)), end: wireTime(newEnd) } },
      'PATCH',
    );
    await settle(stub);
    expect((await activityOf(body.id))?.ends_at.getTime()).toBe(newEnd.getTime());
    await deliverDue();
    expect(await remindersOf(body.id)).toEqual(delivered);

    // Moved away, then back: the new start gets its own reminder; the old start never a second one.
    const later = new Date(Date.parse(start) + 3 * 3_600_000).toISOString();
    const away = await patchMeeting(token, body.id, { start: later });
    expect(away.body.reminder_at).not.toBeNull();
    const back = await patchMeeting(token, body.id, { start });
    expect(back.status).toBe(200);
    expect(back.body.reminder_at).toBeNull();
    await deliverDue();
    expect(await remindersOf(body.id)).toEqual(delivered);
  });
});

describe('meeting permissions and tenancy', () => {
  it('no ce.calendar.schedule → 403; another organization → 404; a colleague → 404, or 403 with view-all', async () => {
    const { id } = await connected('google', 'perm');
    const body = { connection_id: id, title: 'T', start: inMinutes(60), time_zone: 'UTC', attendees: [] };
    const viewer = await schedulerToken(ALICE, ORG_A, ['ce.calendar.view', 'ce.calendar.connect']);
    expect((await postMeeting(viewer, body)).status).toBe(403);

    const foreign = await insertConnection(ORG_B, CAROL);
    const owner = await schedulerToken();
    expect((await postMeeting(owner, { ...body, connection_id: foreign })).status).toBe(404);

    const colleagues = await insertConnection(ORG_A, BOB);
    expect((await postMeeting(owner, { ...body, connection_id: colleagues })).status).toBe(404);
    const viewAll = await schedulerToken(ALICE, ORG_A, [...SCHEDULER, 'ce.calendar.view-all']);
    expect((await postMeeting(viewAll, { ...body, connection_id: colleagues })).status).toBe(403);

    const { status, body: meeting } = await postMeeting(owner, body);
    expect(status).toBe(201);
    expect((await patchMeeting(viewer, meeting.id, { title: 'x' })).status).toBe(403);
    expect((await deleteMeeting(viewer, meeting.id)).status).toBe(403);
    const bob = await schedulerToken(BOB);
    expect((await patchMeeting(bob, meeting.id, { title: 'x' })).status).toBe(404);
    const bobViewAll = await schedulerToken(BOB, ORG_A, [...SCHEDULER, 'ce.calendar.view-all']);
    expect((await patchMeeting(bobViewAll, meeting.id, { title: 'x' })).status).toBe(403);
    const outsider = await schedulerToken(CAROL, ORG_B);
    expect((await deleteMeeting(outsider, meeting.id)).status).toBe(404);
    expect((await patchMeeting(owner, crypto.randomUUID(), { title: 'x' })).status).toBe(404);

    // No calendar of one's own → 422 naming connection_id.
    const nobody = await schedulerToken('d0000000-0000-4000-8000-0000000000d0', ORG_B);
    const none = await postMeeting(nobody, { ...body, connection_id: undefined });
    expect(none.status).toBe(422);
  });
});

describe('meeting input', () => {
  it('answers 400 naming the field, and never repeats an address', async () => {
    const { id } = await connected('google', 'input');
    const token = await schedulerToken();
    const valid = {
      connection_id: id,
      title: 'Valid',
      start: inMinutes(60),
      time_zone: 'UTC',
      attendees: [],
    };
    const fieldsOf = (body: unknown) =>
      (
        (body as { error?: { details?: { fields?: Array<{ field: string }> } } }).error?.details?.fields ?? []
      ).map((f) => f.field);
    const cases: Array<[string, Record<string, unknown>, string]> = [
      ['past start', { start: new Date(Date.now() - 3_600_000).toISOString() }, 'start'],
      ['start without offset', { start: '2030-01-01T10:00:00' }, 'start'],
      ['unknown zone', { time_zone: 'Mars/Olympus_Mons' }, 'time_zone'],
      ['short', { duration_minutes: 10 }, 'duration_minutes'],
      ['long', { duration_minutes: 481 }, 'duration_minutes'],
      ['fractional', { duration_minutes: 30.5 }, 'duration_minutes'],
      [
        '500 attendees',
        { attendees: Array.from({ length: 500 }, (_, i) => `p${i}@example.test`) },
        'attendees',
      ],
      ['malformed email', { attendees: ['ok@example.test', 'broken@@example..test'] }, 'attendees[1]'],
      ['empty title', { title: '   ' }, 'title'],
      ['long title', { title: 'x'.repeat(201) }, 'title'],
      ['missing zone', { time_zone: undefined }, 'time_zone'],
    ];
    for (const [label, change, field] of cases) {
      const { status, body } = await postMeeting(token, { ...valid, ...change });
      expect(status, label).toBe(400);
      expect(fieldsOf(body), label).toContain(field);
      expect(JSON.stringify(body), label).not.toContain('@example');
    }
    const unknownField = await postMeeting(token, { ...valid, colour: 'red' });
    expect(unknownField.status).toBe(400);
    // A few minutes late is fine (clock skew); nothing partial was written by the refusals.
    const late = await postMeeting(token, { ...valid, start: new Date(Date.now() - 60_000).toISOString() });
    expect(late.status).toBe(201);
    const [{ n } = { n: 0 }] = await ownerQuery<{ n: number }>(
      sql`select count(*)::int as n from ce_activities where connection_id = ${id}`,
    );
    expect(n).toBe(1);
    // PATCH checks the same fields.
    const badPatch = await patchMeeting(token, late.body.id, { duration_minutes: 5 });
    expect(badPatch.status).toBe(400);
    expect(fieldsOf(badPatch.body)).toContain('duration_minutes');
    expect((await patchMeeting(token, late.body.id, {})).status).toBe(400);
  });
});

describe('meetings of a disconnected calendar', () => {
  it('disconnecting withdraws the unsent reminders (nothing would deliver them)', async () => {
    const { id } = await connected('google', 'disconnect');
    const token = await schedulerToken();
    const { status, body } = await postMeeting(token, {
      connection_id: id,
      title: 'Then disconnected',
      start: inMinutes(3 * 60),
      time_zone: 'UTC',
      attendees: [],
    });
    expect(status).toBe(201);
    expect(await remindersOf(body.id)).toHaveLength(1);
    const removed = await call(`/v1/calendar/connections/${id}`, { method: 'DELETE', token });
    expect(removed.status).toBeLessThan(300);
    expect(await remindersOf(body.id)).toHaveLength(0);
  });
});

describe('meeting idempotency', () => {
  it('a retry of a stored request after its start passed replays the meeting; a new key for it → 400', async () => {
    const { id } = await connected('google', 'replay-late');
    const token = await schedulerToken();
    const first = await postMeeting(token, {
      connection_id: id,
      title: 'Already started',
      start: inMinutes(60),
      time_zone: 'UTC',
      attendees: [],
    });
    expect(first.status).toBe(201);
    // The stored request as the client sent it an hour ago (its start is now past the tolerance).
    const late = {
      connection_id: id,
      title: 'Already started',
      start: new Date(Date.now() - 3_600_000).toISOString(),
      time_zone: 'UTC',
      attendees: [],
    };
    const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(canonicalJson(late)));
    const hash = [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
    const key = `late-${crypto.randomUUID()}`;
    await ownerQuery(
      sql`insert into ce_meeting_idempotency_keys (organization_id, idempotency_key, user_id, request_hash, activity_id)
          values (${ORG_A}, ${key}, ${ALICE}, ${hash}, ${first.body.id})`,
    );
    const replayed = await postMeeting(token, late, key);
    expect(replayed.status).toBe(200);
    expect(replayed.body.id).toBe(first.body.id);
    // Same body, another key: nothing stored, so the start is checked.
    const fresh = await postMeeting(token, late, `late-${crypto.randomUUID()}`);
    expect(fresh.status).toBe(400);
    // A stored key whose body changed in another field is still checked (and conflicts).
    const other = await postMeeting(token, { ...late, title: 'Changed' }, key);
    expect(other.status).toBe(400);
  });
  it('a key older than 24 h makes a new meeting; the cron sweeps expired keys and keeps fresh ones', async () => {
    const { id } = await connected('google', 'key-sweep');
    const token = await schedulerToken();
    const body = { connection_id: id, title: 'Keyed', start: inMinutes(90), time_zone: 'UTC', attendees: [] };
    const oldKey = `old-${crypto.randomUUID()}`;
    const first = await postMeeting(token, body, oldKey);
    expect(first.status).toBe(201);
    const age = (key: string, interval: string) =>
      ownerQuery(
        sql`update ce_meeting_idempotency_keys set created_at = now() - ${interval}::interval where idempotency_key = ${key}`,
      );
    await age(oldKey, '25 hours');
    const again = await postMeeting(token, body, oldKey);
    expect(again.status).toBe(201);
    expect(again.body.id).not.toBe(first.body.id);

    const staleKey = `stale-${crypto.randomUUID()}`;
    const freshKey = `fresh-${crypto.randomUUID()}`;
    expect((await postMeeting(token, { ...body, title: 'Stale' }, staleKey)).status).toBe(201);
    expect((await postMeeting(token, { ...body, title: 'Fresh' }, freshKey)).status).toBe(201);
    await age(staleKey, '25 hours');
    await age(freshKey, '23 hours');
    const ctx = createExecutionContext();
    worker.scheduled(createScheduledController({ scheduledTime: new Date(), cron: '*/5 * * * *' }), env, ctx);
    await waitOnExecutionContext(ctx);
    const left = await ownerQuery<{ key: string }>(
      sql`select idempotency_key as key from ce_meeting_idempotency_keys where idempotency_key in (${staleKey}, ${freshKey})`,
    );
    expect(left.map((row) => row.key)).toEqual([freshKey]);
  });
});
