/**
 * Microsoft sync end to end (issue 13) in workerd against the emulator's Graph: the connection
 * object's runs write the mirror in Postgres through the real adapter (calendarView/delta) and engine;
 * the expectation is Graph's own `calendarView` expansion over the same horizon.
 */
import { env } from 'cloudflare:workers';
import { sql } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { graphTransactionIdFor } from '../../worker/providers/microsoft/app-tag.ts';
import { packLink, unpackLink } from '../../worker/providers/microsoft/changes.ts';
import { emulatorControl } from './connect-helpers.ts';
import { ALICE, ORG_A, ownerQuery } from './helpers.ts';
import { MicrosoftModel } from './sync-microsoft-model.ts';
import {
  connect,
  createZonedAccount,
  DAY_MS,
  inWindow,
  mirrorBusy,
  mirrorRows,
  settle,
  tokenOf,
} from './sync-model.ts';

const unique = (label: string) => `${label}-${crypto.randomUUID().slice(0, 8)}@example.test`;
const day = (offset: number) => new Date(Date.now() + offset * DAY_MS).toISOString().slice(0, 10);

async function setup(label: string) {
  const email = unique(label);
  const organizer = unique(`${label}-org`);
  const { id, stub } = await connect('microsoft', email, 'Europe/Berlin');
  await createZonedAccount('microsoft', organizer, 'America/New_York');
  const model = new MicrosoftModel(email, organizer, tokenOf(stub));
  return { email, organizer, id, stub, model };
}

async function createEvent(email: string, event: Record<string, unknown>): Promise<{ id: string }> {
  return emulatorControl(`/accounts/microsoft/${email}/events`, { event });
}

/** The mirror's non-master rows equal calendarView; busy rows equal Graph's busy items in 3 windows. */
async function expectConverged(id: string, model: MicrosoftModel) {
  // Ids compared in code-point order on both sides (the database's collation may differ).
  const rows = (await mirrorRows(id)).filter((r) => r.series_role !== 'master').sort(byId);
  expect(
    rows.map(({ provider_event_id, title, status, start, end }) => ({
      provider_event_id,
      title,
      status,
      start,
      end,
    })),
  ).toEqual((await model.expectedRows()).sort(byId));
  const busy = await mirrorBusy(id);
  for (const [from, to] of [
    [-3, 14],
    [14, 60],
    [60, 140],
  ] as const) {
    const window = [Date.now() + from * DAY_MS, Date.now() + to * DAY_MS] as const;
    expect(inWindow(busy, ...window), `busy days ${from}..${to}`).toEqual(
      await model.expectedBusy(...window),
    );
  }
}

const byId = (a: { provider_event_id: string }, b: { provider_event_id: string }) =>
  a.provider_event_id < b.provider_event_id ? -1 : a.provider_event_id > b.provider_event_id ? 1 : 0;

const weekly = (startDay: string, count: number) => ({
  pattern: {
    type: 'weekly',
    interval: 1,
    daysOfWeek: [
      ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'][
        new Date(`${startDay}T00:00:00Z`).getUTCDay()
      ],
    ],
  },
  range: { type: 'numbered', startDate: startDay, numberOfOccurrences: count },
});

afterEach(async () => {
  await emulatorControl('/options', { graphDeltaSeriesMasters: 'initialAndChanged' });
});

describe('Microsoft sync', () => {
  it('full then incremental: occurrences titled from their master, a deleted occurrence stops blocking, Outlook all-day and OOO busy, invitations synced', async () => {
    const { email, organizer, id, stub, model } = await setup('m-e2e');
    const series = await createEvent(email, {
      subject: 'Standup',
      start: { dateTime: `${day(2)}T08:00:00`, timeZone: 'W. Europe Standard Time' },
      end: { dateTime: `${day(2)}T08:15:00`, timeZone: 'W. Europe Standard Time' },
      recurrence: weekly(day(2), 6),
    });
    await createEvent(email, {
      subject: 'Away',
      showAs: 'oof',
      start: { dateTime: `${day(5)}T09:00:00`, timeZone: 'UTC' },
      end: { dateTime: `${day(5)}T17:00:00`, timeZone: 'UTC' },
    });
    await createEvent(email, {
      subject: 'Offsite',
      isAllDay: true,
      start: { dateTime: `${day(6)}T00:00:00`, timeZone: 'W. Europe Standard Time' },
      end: { dateTime: `${day(7)}T00:00:00`, timeZone: 'W. Europe Standard Time' },
    });
    await createEvent(email, {
      subject: 'Home office',
      showAs: 'workingElsewhere',
      start: { dateTime: `${day(3)}T08:00:00`, timeZone: 'UTC' },
      end: { dateTime: `${day(3)}T16:00:00`, timeZone: 'UTC' },
    });
    await createEvent(organizer, {
      subject: 'Customer call',
      start: { dateTime: `${day(4)}T15:00:00`, timeZone: 'UTC' },
      end: { dateTime: `${day(4)}T16:00:00`, timeZone: 'UTC' },
      attendees: [{ emailAddress: { address: email }, type: 'required' }],
    });
    expect(await settle(stub)).toContain('ok');
    await expectConverged(id, model);
    const rows = await mirrorRows(id);
    expect(rows.filter((r) => r.series_role === 'occurrence').every((r) => r.title === 'Standup')).toBe(true);
    expect(rows.find((r) => r.series_role === 'master')?.provider_event_id).toBe(series.id);
    expect(rows.find((r) => r.title === 'Customer call')).toBeTruthy();
    const busy = await mirrorBusy(id);
    expect(busy).toContain(`${day(6)}|${day(7)}|busy`); // all-day: the owner's day
    expect(busy).toContain(`${day(5)}T09:00:00Z|${day(5)}T17:00:00Z|out_of_office`); // out of office
    expect(busy.some((b) => b.startsWith(`${day(3)}T08:00:00Z`))).toBe(false); // working elsewhere
    const [card] = await ownerQuery<{ sync_cursor: string | null; last_sync_at: Date | null }>(
      sql`select sync_cursor, last_sync_at from ce_calendar_connections where id = ${id}`,
    );
    expect(card?.sync_cursor).toContain('$deltatoken=');
    expect(card?.last_sync_at).not.toBeNull();

    // Delete the 3rd occurrence on Graph: no @removed, the master comes back with cancelledOccurrences.
    const instances = await emulatorControl<Array<{ id: string; start: string }>>(
      `/accounts/microsoft/${email}/events/${encodeURIComponent(series.id)}/instances`,
    );
    const third = instances[2]!;
    await emulatorControl(
      `/accounts/microsoft/${email}/events/${encodeURIComponent(third.id)}`,
      undefined,
      'DELETE',
    );
    // The attendee declines the invitation: it must stop blocking.
    const [invite] = await emulatorControl<Array<{ id: string }>>(`/accounts/microsoft/${email}/invitations`);
    await emulatorControl(`/accounts/microsoft/${email}/events/${encodeURIComponent(invite!.id)}/respond`, {
      response: 'declined',
    });
    await settle(stub);
    await expectConverged(id, model);
    expect((await mirrorRows(id)).some((r) => r.provider_event_id === third.id)).toBe(false);
    expect((await mirrorBusy(id)).some((b) => b.startsWith(`${day(4)}T15:00:00Z`))).toBe(false);
  });

  it('masters never in delta: fetched from the calendar-scoped path; a failing fetch retries and never stores an untitled row', async () => {
    const { email, id, stub, model } = await setup('m-master');
    await emulatorControl('/options', { graphDeltaSeriesMasters: 'never' });
    await createEvent(email, {
      subject: 'Needs its master',
      start: { dateTime: `${day(1)}T10:00:00`, timeZone: 'Eastern Standard Time' },
      end: { dateTime: `${day(1)}T10:30:00`, timeZone: 'Eastern Standard Time' },
      recurrence: weekly(day(1), 4),
    });
    await emulatorControl('/faults', {
      provider: 'microsoft',
      account: email,
      endpoint: 'events.get',
      kind: 'http_503',
      times: 1,
      retry_after: 5,
    });
    const outcomes = await settle(stub);
    expect(outcomes[0]).toBe('temporary');
    expect(outcomes.at(-1)).toBe('ok');
    const rows = await mirrorRows(id);
    expect(rows.filter((r) => r.series_role === 'occurrence')).toHaveLength(4);
    expect(rows.every((r) => r.title === 'Needs its master')).toBe(true);
    await expectConverged(id, model);
  });

  it('410 SyncStateNotFound → a full round that removes what vanished; the cursor is replaced', async () => {
    const { email, id, stub, model } = await setup('m-410');
    const keep = await createEvent(email, {
      subject: 'Keep',
      start: { dateTime: `${day(3)}T10:00:00`, timeZone: 'UTC' },
      end: { dateTime: `${day(3)}T11:00:00`, timeZone: 'UTC' },
    });
    const gone = await createEvent(email, {
      subject: 'Gone',
      start: { dateTime: `${day(3)}T12:00:00`, timeZone: 'UTC' },
      end: { dateTime: `${day(3)}T13:00:00`, timeZone: 'UTC' },
    });
    await settle(stub);
    const cursorOf = async () =>
      (
        await ownerQuery<{ sync_cursor: string | null }>(
          sql`select sync_cursor from ce_calendar_connections where id = ${id}`,
        )
      )[0]?.sync_cursor;
    const first = await cursorOf();
    await emulatorControl(
      `/accounts/microsoft/${email}/events/${encodeURIComponent(gone.id)}`,
      undefined,
      'DELETE',
    );
    await emulatorControl(`/accounts/microsoft/${email}/invalidate-sync-tokens`, {});
    await settle(stub);
    expect((await mirrorRows(id)).map((r) => r.provider_event_id)).toEqual([keep.id]);
    await expectConverged(id, model);
    expect(await cursorOf()).not.toBe(first);
    expect((await stub.status(crypto.randomUUID())).cursorResets).toBe(1);
  });

  it('rolling horizon: a week-old delta cursor is re-baselined by a full round with a new window that removes what vanished', async () => {
    const { email, id, stub, model } = await setup('m-rebase');
    await createEvent(email, {
      subject: 'Still here',
      start: { dateTime: `${day(2)}T10:00:00`, timeZone: 'UTC' },
      end: { dateTime: `${day(2)}T11:00:00`, timeZone: 'UTC' },
    });
    await settle(stub);
    const [row] = await ownerQuery<{ sync_cursor: string }>(
      sql`select sync_cursor from ce_calendar_connections where id = ${id}`,
    );
    const stamp = unpackLink(row?.sync_cursor ?? '');
    expect(stamp.startedAt).toBeGreaterThan(Date.now() - 60_000);
    // As if the round had started a week ago: its token is about to expire.
    const aged = packLink({ ...stamp, startedAt: Date.now() - 7 * DAY_MS });
    await ownerQuery(sql`update ce_calendar_connections set sync_cursor = ${aged} where id = ${id}`);
    await ownerQuery(sql`insert into ce_calendar_events (organization_id, connection_id, provider_event_id, title, start_at, end_at, series_key)
      values (${ORG_A}, ${id}, 'left-the-window', 'Old', now(), now() + interval '1 hour', 'left-the-window')`);
    await settle(stub);
    expect((await stub.status(crypto.randomUUID())).cursorResets).toBe(1);
    expect((await mirrorRows(id)).some((r) => r.provider_event_id === 'left-the-window')).toBe(false);
    const [after] = await ownerQuery<{ sync_cursor: string }>(
      sql`select sync_cursor from ce_calendar_connections where id = ${id}`,
    );
    expect(unpackLink(after?.sync_cursor ?? '').startedAt).toBeGreaterThan(Date.now() - 60_000);
    await expectConverged(id, model);
  });

  it('our own event (transactionId tag) updates the existing outbound row; never a duplicate', async () => {
    const { id, stub, model } = await setup('m-own');
    // Through Graph itself: transactionId is set by the creating client, as CE will.
    const response = await fetch(`${env.MICROSOFT_GRAPH_BASE_URL}/v1.0/me/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await model.accessToken()}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        subject: 'CE meeting',
        transactionId: graphTransactionIdFor('tag-ms-1'),
        start: { dateTime: `${day(6)}T09:00:00`, timeZone: 'UTC' },
        end: { dateTime: `${day(6)}T10:00:00`, timeZone: 'UTC' },
      }),
    });
    expect(response.status).toBe(201);
    const created = (await response.json()) as { id: string };
    const [activity] = await ownerQuery<{
      id: string;
    }>(sql`insert into ce_activities (organization_id, owner_user_id, subject, starts_at, ends_at)
      values (${ORG_A}, ${ALICE}, 'CE meeting', now(), now() + interval '1 hour') returning id`);
    await ownerQuery(sql`insert into ce_calendar_events (organization_id, connection_id, provider_event_id, title, start_at, end_at, sync_direction, activity_id, series_key, app_tag)
      values (${ORG_A}, ${id}, ${created.id}, 'CE meeting', ${`${day(6)}T09:00:00Z`}, ${`${day(6)}T10:00:00Z`}, 'outbound', ${activity!.id}, ${created.id}, 'tag-ms-1')`);
    await emulatorControl(
      `/accounts/microsoft/${model.email}/events/${encodeURIComponent(created.id)}`,
      { event: { subject: 'Renamed in Outlook' } },
      'PATCH',
    );
    await settle(stub);
    const rows = await mirrorRows(id);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      provider_event_id: created.id,
      title: 'Renamed in Outlook',
      sync_direction: 'outbound',
      activity_id: activity!.id,
    });
    const [tag] = await ownerQuery<{ app_tag: string | null }>(
      sql`select app_tag from ce_calendar_events where connection_id = ${id}`,
    );
    expect(tag?.app_tag).toBe('tag-ms-1');
  });

  it('429 with Retry-After and 503 on delta back off, then converge', async () => {
    const { email, id, stub, model } = await setup('m-faults');
    for (let i = 0; i < 4; i += 1)
      await createEvent(email, {
        subject: `E${i}`,
        start: { dateTime: `${day(i + 1)}T10:00:00`, timeZone: 'UTC' },
        end: { dateTime: `${day(i + 1)}T11:00:00`, timeZone: 'UTC' },
      });
    await emulatorControl('/faults', {
      provider: 'microsoft',
      account: email,
      endpoint: 'delta',
      kind: 'http_429',
      times: 1,
      retry_after: 1.5,
    });
    expect((await settle(stub))[0]).toBe('rate_limited');
    await expectConverged(id, model);
    await emulatorControl('/faults', {
      provider: 'microsoft',
      account: email,
      endpoint: 'delta',
      kind: 'http_503',
      times: 1,
    });
    await createEvent(email, {
      subject: 'Late',
      start: { dateTime: `${day(9)}T10:00:00`, timeZone: 'UTC' },
      end: { dateTime: `${day(9)}T11:00:00`, timeZone: 'UTC' },
    });
    expect((await settle(stub))[0]).toBe('temporary');
    await expectConverged(id, model);
  });
});
