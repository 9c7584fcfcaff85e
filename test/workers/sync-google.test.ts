/**
 * Google sync end to end (issue 13) in workerd against the emulator: the connection object's runs
 * write the mirror in Postgres; the expectations come from the emulator's own listing and expansion.
 */
import { env } from 'cloudflare:workers';
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { GOOGLE_APP_TAG_PROPERTY } from '../../worker/providers/google/app-tag.ts';
import { emulatorControl } from './connect-helpers.ts';
import { ALICE, ORG_A, ownerQuery } from './helpers.ts';
import {
  connect,
  createZonedAccount,
  DAY_MS,
  GoogleModel,
  inWindow,
  mirrorBusy,
  mirrorRows,
  settle,
  tokenOf,
} from './sync-model.ts';

const unique = (label: string) => `${label}-${crypto.randomUUID().slice(0, 8)}@example.test`;
const day = (offset: number) => new Date(Date.now() + offset * DAY_MS).toISOString().slice(0, 10);
const at = (offset: number, time: string) => `${day(offset)}T${time}Z`;

async function setup(label: string) {
  const email = unique(label);
  const organizer = unique(`${label}-org`);
  const { id, stub } = await connect('google', email, 'Europe/Berlin');
  await createZonedAccount('google', organizer, 'America/New_York');
  const model = new GoogleModel(email, organizer, tokenOf(stub));
  return { email, organizer, id, stub, model };
}

async function createEvent(email: string, event: Record<string, unknown>): Promise<{ id: string }> {
  return emulatorControl(`/accounts/google/${email}/events`, { event });
}

async function expectConverged(id: string, model: GoogleModel) {
  const rows = await mirrorRows(id);
  const expected = await model.expectedRows();
  expect(
    rows.map(({ provider_event_id, title, status, start, end }) => ({
      provider_event_id,
      title,
      status,
      start,
      end,
    })),
  ).toEqual(expected);
  const busy = await mirrorBusy(id);
  for (const [from, to] of [
    [0, 14],
    [14, 60],
    [60, 140],
  ] as const) {
    const window = [Date.now() + from * DAY_MS, Date.now() + to * DAY_MS] as const;
    expect(inWindow(busy, ...window), `busy days ${from}..${to}`).toEqual(
      await model.expectedBusy(...window),
    );
  }
}

describe('Google sync', () => {
  it('full, then incremental; cancelled instance not busy; invitee events; OOO busy, working location not', async () => {
    const { email, organizer, id, stub, model } = await setup('g-e2e');
    const series = await createEvent(email, {
      summary: 'Standup',
      start: { dateTime: at(2, '08:00:00'), timeZone: 'Europe/Berlin' },
      end: { dateTime: at(2, '08:15:00'), timeZone: 'Europe/Berlin' },
      recurrence: ['RRULE:FREQ=DAILY;COUNT=10'],
    });
    await createEvent(email, {
      summary: 'Away',
      eventType: 'outOfOffice',
      start: { dateTime: at(5, '00:00:00') },
      end: { dateTime: at(6, '00:00:00') },
    });
    await createEvent(email, {
      summary: 'Office',
      eventType: 'workingLocation',
      workingLocationProperties: { type: 'homeOffice', homeOffice: {} },
      start: { date: day(3) },
      end: { date: day(4) },
    });
    await createEvent(organizer, {
      summary: 'Customer call',
      start: { dateTime: at(4, '15:00:00') },
      end: { dateTime: at(4, '16:00:00') },
      attendees: [{ email: organizer, organizer: true, responseStatus: 'accepted' }, { email }],
    });
    expect(await settle(stub)).toContain('ok');
    await expectConverged(id, model);
    const [card] = await ownerQuery<{
      sync_cursor: string | null;
      last_sync_at: Date | null;
      sync_status: string;
    }>(sql`select sync_cursor, last_sync_at, sync_status from ce_calendar_connections where id = ${id}`);
    expect(card?.sync_cursor).toBeTruthy();
    expect(card?.last_sync_at).not.toBeNull();
    expect(card?.sync_status).toBe('syncing');
    const rows = await mirrorRows(id);
    expect(rows.find((r) => r.title === 'Customer call')).toBeTruthy();

    // Cancel the 3rd instance: on incremental sync it is a marker, never busy.
    const instances = await emulatorControl<Array<{ id: string; start: string }>>(
      `/accounts/google/${email}/events/${series.id}/instances`,
    );
    const third = instances[2]!;
    await emulatorControl(`/accounts/google/${email}/events/${third.id}`, undefined, 'DELETE');
    const before =
      (await emulatorControl<Record<string, number>>(`/accounts/google/${email}/counters`))['events.list'] ??
      0;
    await settle(stub);
    const after =
      (await emulatorControl<Record<string, number>>(`/accounts/google/${email}/counters`))['events.list'] ??
      0;
    // One incremental page (a few when another file turned on the emulator's short pages).
    expect(after - before).toBeGreaterThanOrEqual(1);
    expect(after - before).toBeLessThanOrEqual(5);
    expect((await stub.status(crypto.randomUUID())).cursorResets).toBe(0);
    await expectConverged(id, model);
    const busy = await mirrorBusy(id);
    expect(busy.some((b) => b.startsWith(third.start.replace(/\.\d{3}Z$/, 'Z')))).toBe(false);
    // Out-of-office blocks, working location does not.
    expect(busy).toContain(`${at(5, '00:00:00')}|${at(6, '00:00:00')}|out_of_office`);
    expect(busy.some((b) => b.startsWith(`${day(3)}|${day(4)}|`))).toBe(false);
  });

  it('410 → a full round that removes what vanished; the cursor is replaced', async () => {
    const { email, id, stub, model } = await setup('g-410');
    const keep = await createEvent(email, {
      summary: 'Keep',
      start: { dateTime: at(3, '10:00:00') },
      end: { dateTime: at(3, '11:00:00') },
    });
    const gone = await createEvent(email, {
      summary: 'Gone',
      start: { dateTime: at(3, '12:00:00') },
      end: { dateTime: at(3, '13:00:00') },
    });
    await settle(stub);
    const [{ sync_cursor: first } = { sync_cursor: null }] = await ownerQuery<{ sync_cursor: string | null }>(
      sql`select sync_cursor from ce_calendar_connections where id = ${id}`,
    );
    // A row the provider no longer has, planted in the mirror (as if a deletion was missed).
    await ownerQuery(sql`insert into ce_calendar_events (organization_id, connection_id, provider_event_id, title, start_at, end_at, series_key)
      values (${ORG_A}, ${id}, 'phantom', 'Phantom', now(), now() + interval '1 hour', 'phantom')`);
    await emulatorControl(`/accounts/google/${email}/events/${gone.id}`, undefined, 'DELETE');
    await emulatorControl(`/accounts/google/${email}/invalidate-sync-tokens`, {});
    await settle(stub);
    const rows = await mirrorRows(id);
    expect(rows.map((r) => r.provider_event_id)).toEqual([keep.id]);
    await expectConverged(id, model);
    const [{ sync_cursor: second } = { sync_cursor: null }] = await ownerQuery<{
      sync_cursor: string | null;
    }>(sql`select sync_cursor from ce_calendar_connections where id = ${id}`);
    expect(second).toBeTruthy();
    expect(second).not.toBe(first);
    expect((await stub.status(crypto.randomUUID())).cursorResets).toBe(1);
  });

  it('our own event (app tag) updates the existing outbound row; never a duplicate', async () => {
    const { email, id, stub } = await setup('g-own');
    const created = await createEvent(email, {
      summary: 'CE meeting',
      start: { dateTime: at(6, '09:00:00') },
      end: { dateTime: at(6, '10:00:00') },
      extendedProperties: { private: { [GOOGLE_APP_TAG_PROPERTY]: 'tag-1' } },
    });
    const [activity] = await ownerQuery<{
      id: string;
    }>(sql`insert into ce_activities (organization_id, owner_user_id, subject, starts_at, ends_at)
      values (${ORG_A}, ${ALICE}, 'CE meeting', now(), now() + interval '1 hour') returning id`);
    await ownerQuery(sql`insert into ce_calendar_events (organization_id, connection_id, provider_event_id, title, start_at, end_at, sync_direction, activity_id, series_key, app_tag)
      values (${ORG_A}, ${id}, ${created.id}, 'CE meeting', ${at(6, '09:00:00')}, ${at(6, '10:00:00')}, 'outbound', ${activity!.id}, ${created.id}, 'tag-1')`);
    await emulatorControl(
      `/accounts/google/${email}/events/${created.id}`,
      { event: { summary: 'Renamed by the user' } },
      'PATCH',
    );
    await settle(stub);
    const rows = await mirrorRows(id);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      provider_event_id: created.id,
      title: 'Renamed by the user',
      sync_direction: 'outbound',
      activity_id: activity!.id,
    });
  });

  it('429 with Retry-After and 503 back off and converge; the cursor never moves past unsaved pages', async () => {
    const { email, id, stub, model } = await setup('g-faults');
    for (let i = 0; i < 5; i += 1)
      await createEvent(email, {
        summary: `E${i}`,
        start: { dateTime: at(i + 1, '10:00:00') },
        end: { dateTime: at(i + 1, '11:00:00') },
      });
    await emulatorControl('/faults', {
      provider: 'google',
      account: email,
      endpoint: 'events.list',
      kind: 'http_429',
      times: 1,
      retry_after: 120,
    });
    const outcomes = await settle(stub);
    expect(outcomes[0]).toBe('rate_limited');
    await expectConverged(id, model);
    await emulatorControl('/faults', {
      provider: 'google',
      account: email,
      endpoint: 'events.list',
      kind: 'http_503',
      times: 1,
    });
    await createEvent(email, {
      summary: 'Late',
      start: { dateTime: at(9, '10:00:00') },
      end: { dateTime: at(9, '11:00:00') },
    });
    const retried = await settle(stub);
    expect(retried[0]).toBe('temporary');
    await expectConverged(id, model);
    expect((await stub.status(crypto.randomUUID())).stage).toBe('idle');
  });

  it('Retry-After is honoured by the retry schedule (capped backoff, never earlier)', async () => {
    const { email, stub } = await setup('g-retry-after');
    await emulatorControl('/faults', {
      provider: 'google',
      account: email,
      endpoint: 'events.list',
      kind: 'http_429',
      times: 1,
      retry_after: 300,
    });
    const { queueRun } = await import('./sync-model.ts');
    await queueRun(stub);
    const { runDurableObjectAlarm } = await import('cloudflare:test');
    const before = Date.now();
    await runDurableObjectAlarm(stub);
    const status = await stub.status(crypto.randomUUID());
    expect(status.stage).toBe('backoff');
    const retry = status.schedule.find((r) => r.kind === 'retry');
    expect(Date.parse(retry!.dueAt) - before).toBeGreaterThanOrEqual(300_000 - 1000);
    const [card] = await ownerQuery<{ last_error_code: string | null; next_sync_at: Date | null }>(
      sql`select last_error_code, next_sync_at from ce_calendar_connections where account_email = ${email}`,
    );
    expect(card?.last_error_code).toBe('rate_limited');
    expect(card?.next_sync_at).not.toBeNull();
    void env;
  });

  it('the busy horizon moves forward with the days: series reaching into the new day are derived again', async () => {
    const { email, id, stub } = await setup('g-horizon');
    await createEvent(email, {
      summary: 'Daily for two years',
      start: { dateTime: at(0, '12:00:00'), timeZone: 'UTC' },
      end: { dateTime: at(0, '12:30:00'), timeZone: 'UTC' },
      recurrence: ['RRULE:FREQ=DAILY;COUNT=800'],
    });
    await settle(stub);
    const lastBusy = async () => {
      const [row] = await ownerQuery<{ last: Date }>(
        sql`select max(start_at) as last from ce_calendar_busy_occurrences where connection_id = ${id}`,
      );
      return new Date(row!.last).getTime();
    };
    const derivedTo = await lastBusy();
    expect(derivedTo).toBeGreaterThan(Date.now() + 364 * DAY_MS);
    // As if the busy rows were derived yesterday: the last day is missing and the stored horizon is old.
    await ownerQuery(
      sql`delete from ce_calendar_busy_occurrences where connection_id = ${id} and start_at > ${new Date(derivedTo - DAY_MS).toISOString()}`,
    );
    const { readStored, writeStored } = await import('./object-seam.ts');
    const start = await readStored(stub, 'busyHorizonStart');
    if (start === undefined) throw new Error('no busy horizon stored');
    await writeStored(stub, 'busyHorizonStart', start - DAY_MS);
    expect(await lastBusy()).toBeLessThan(derivedTo);
    await settle(stub);
    expect(await lastBusy()).toBe(derivedTo);
  });
});
