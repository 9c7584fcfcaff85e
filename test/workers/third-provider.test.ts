/**
 * A third provider needs its folder and one registry line, nothing else in the tree (issue 21 §2).
 * The fake adapter (worker/providers/fake/) speaks a wire format of its own; it is registered here
 * through `adapterRegistry`, the code the shipped registry is built with, and then driven through the
 * events path (series expansion for GET /events and the busy derivation), the live free/busy path
 * and the push path (webhook read → the connection object it names). Those services hold a
 * `CalendarProvider` and never a name, so they run for it unchanged; the layers file forbids any file
 * outside worker/providers/fake/ (the registry excepted) from importing it.
 */
import { describe, expect, it } from 'vitest';
import type { EventRow } from '../../db/queries/busy.ts';
import { newChannelRef } from '../../durable-objects/push/channel-ref.ts';
import type { Env } from '../../worker/env.ts';
import { FAKE_WEBHOOK_PATH, fakeProvider } from '../../worker/providers/fake/index.ts';
import { ADAPTERS, adapterRegistry, PROVIDERS } from '../../worker/providers/index.ts';
import type { PushNotice, WebhookRequest } from '../../worker/providers/types.ts';
import { eventOccurrences } from '../../worker/services/events.ts';
import { askProviders } from '../../worker/services/freebusy.ts';
import { receiveThrough } from '../../worker/services/webhooks.ts';
import { deriveSeriesBusy } from '../../worker/sync/busy.ts';
import { emptyMirrorEvent } from '../../worker/sync/mirror-event.ts';
import type { MirrorEvent } from '../../worker/sync/types.ts';

const registry = adapterRegistry({ ...ADAPTERS, fake: fakeProvider });
const fake = registry.providerFor({}, 'fake');

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const T0 = Date.parse('2026-03-02T09:00:00Z');
const CONNECTION = crypto.randomUUID();
const USER = crypto.randomUUID();

/** A stored row of the fake connection, as the mirror would hold it. */
function row(event: MirrorEvent): EventRow {
  const timed = event.timing.allDay ? undefined : event.timing;
  return {
    id: crypto.randomUUID(),
    organizationId: crypto.randomUUID(),
    connectionId: CONNECTION,
    providerEventId: event.providerEventId,
    icalUid: event.icalUid,
    title: event.title,
    description: event.description,
    location: event.location,
    startAt: new Date(timed?.startMs ?? 0),
    endAt: new Date(timed?.endMs ?? 0),
    allDay: false,
    startDate: null,
    endDate: null,
    timeZone: event.timeZone,
    status: event.status,
    transparency: event.transparency,
    attendees: event.attendees,
    organizer: event.organizer,
    recurrence: event.recurrence,
    recurringEventId: event.recurringEventId,
    originalStartAt:
      event.originalStart && !event.originalStart.allDay ? new Date(event.originalStart.ms) : null,
    syncDirection: 'inbound',
    syncStatus: 'synced',
    activityId: null,
    providerEtag: null,
    providerUpdatedAt: null,
    seriesRole: event.seriesRole,
    seriesKey: event.seriesKey,
    eventKind: event.eventKind,
    responseStatus: event.responseStatus,
    isOrganizer: event.isOrganizer,
    appTag: null,
    syncRound: null,
    outboxOperation: null,
    outboxAttempts: 0,
    createdAt: new Date(0),
    updatedAt: new Date(0),
  };
}

/** A daily series of three in the fake's own rule format, its second instance moved two hours. */
const master: MirrorEvent = {
  ...emptyMirrorEvent('series-1', 'series-1'),
  seriesRole: 'master',
  title: 'Stand-up',
  timing: { allDay: false, startMs: T0, endMs: T0 + HOUR },
  recurrence: { everyDays: 1, count: 3 },
};
const moved: MirrorEvent = {
  ...emptyMirrorEvent('series-1-moved', 'series-1'),
  seriesRole: 'exception',
  title: 'Stand-up (moved)',
  recurringEventId: 'series-1',
  originalStart: { allDay: false, ms: T0 + DAY },
  timing: { allDay: false, startMs: T0 + DAY + 2 * HOUR, endMs: T0 + DAY + 3 * HOUR },
};

describe('a third provider, registered through the same registry', () => {
  it('is found by name next to the shipped ones, which stay as they are', () => {
    expect(registry.names).toEqual([...PROVIDERS, 'fake']);
    expect(fake.name).toBe('fake');
    expect(fake.webhookPath).toBe(FAKE_WEBHOOK_PATH);
    expect(registry.providerFor({}, 'google').name).toBe('google');
  });

  it('events: GET /events and the busy derivation expand its series with its own rule', () => {
    const rows = [master, moved].map(row);
    const range = { start: T0 - DAY, end: T0 + 5 * DAY };
    const items = eventOccurrences(rows, range, USER, {
      zoneOf: () => 'UTC',
      expansionOf: () => fake.seriesExpansion,
    }).map((p) => [p.item.title, p.item.start]);
    expect(items).toEqual([
      ['Stand-up', '2026-03-02T09:00:00.000Z'],
      ['Stand-up (moved)', '2026-03-03T11:00:00.000Z'],
      ['Stand-up', '2026-03-04T09:00:00.000Z'],
    ]);
    const busy = deriveSeriesBusy(fake.seriesExpansion, [master, moved], {
      startMs: range.start,
      endMs: range.end,
    });
    expect(busy.map((b) => (b.timing.allDay ? b.timing.startDate : b.timing.startMs))).toEqual([
      T0,
      T0 + DAY + 2 * HOUR,
      T0 + 2 * DAY,
    ]);
  });

  it('free/busy: a live question reaches it and its per-calendar error', async () => {
    const target = (providerCalendarId: string) => ({
      userId: USER,
      connectionId: crypto.randomUUID(),
      provider: 'fake' as const,
      providerCalendarId,
      accountEmail: 'someone@fake.invalid',
    });
    const tokens: string[] = [];
    const answers = await askProviders(
      [target('primary'), target('broken')],
      { start: T0, end: T0 + DAY },
      'UTC',
      {
        providerOf: (t) => registry.providerFor({}, t.provider),
        accessTokenFor: async (t) => {
          tokens.push(t.connectionId);
          return 'token';
        },
      },
    );
    expect(tokens).toHaveLength(2);
    expect(answers[0]).toEqual({ userId: USER, busy: [{ start: T0, end: T0 + HOUR }] });
    expect(answers[1]?.error).toMatchObject({ code: 'not_found', message: 'no such calendar' });
  });

  it('push: its webhook body is read by its adapter and reaches the object the channel names', async () => {
    const delivered: Array<{ object: string; notice: PushNotice }> = [];
    // The Durable Object binding (the platform's, not our code) records what it is asked.
    const env = {
      CALENDAR_CONNECTION: {
        idFromName: (name: string) => name,
        get: (object: string) => ({
          pushNotification: async (notice: PushNotice) => {
            delivered.push({ object, notice });
          },
        }),
      },
    } as unknown as Pick<Env, 'CALENDAR_CONNECTION'>;
    const channel = newChannelRef(CONNECTION);
    const request = (body: unknown): WebhookRequest => ({
      headers: new Headers(),
      query: new URLSearchParams(),
      json: async () => body,
    });
    const answer = await receiveThrough(
      env,
      fake,
      request({ notices: [{ channel, secret: 's3cret', seq: 7 }] }),
      'correlation',
      () => undefined,
    );
    expect(answer).toEqual({ kind: 'acknowledged' });
    expect(delivered).toEqual([
      {
        object: CONNECTION,
        notice: { channelRef: channel, providerId: channel, secret: 's3cret', kind: 'changed', sequence: 7 },
      },
    ]);
    await expect(
      receiveThrough(env, fake, request({ notices: 'no' }), 'correlation', () => undefined),
    ).rejects.toMatchObject({ code: 'validation_failed' });
  });
});
