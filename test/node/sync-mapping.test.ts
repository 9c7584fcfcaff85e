/**
 * Provider JSON → mirror rows (issue 13): Google Calendar v3 and Microsoft Graph delta items, using
 * the wire shapes of providers.md §2 and §8 (captured examples where the reference has them).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GOOGLE_APP_TAG_PROPERTY } from '../../worker/providers/google/app-tag.ts';
import { googleSeriesExpansion } from '../../worker/providers/google/recurrence.ts';
import { type GoogleEventJson, mapGoogleEvent } from '../../worker/providers/google/to-event.ts';
import {
  GRAPH_APP_TAG_PROPERTY_ID,
  graphTransactionIdFor,
} from '../../worker/providers/microsoft/app-tag.ts';
import {
  cancelledOccurrenceDates,
  type GraphEventJson,
  mapGraphPage,
} from '../../worker/providers/microsoft/to-event.ts';
import { deriveSeriesBusy } from '../../worker/sync/busy.ts';
import type { MirrorEvent, NormalizedChange } from '../../worker/sync/types.ts';

const upserted = (change: NormalizedChange): MirrorEvent => {
  if (change.kind !== 'upsert') throw new Error(`expected upsert, got ${change.kind}`);
  return change.event;
};

describe('Google event → mirror', () => {
  // providers.md §2, real incremental payload (America/Chicago).
  const master: GoogleEventJson = {
    id: '5hni4sj3ql1669otmjg7sn1mok',
    status: 'confirmed',
    etag: '"3485815948352798"',
    updated: '2025-03-25T13:06:14.176Z',
    summary: 'Breakfast',
    organizer: { email: 'test.user@gmail.com', self: true },
    start: { dateTime: '2025-02-09T08:00:00-06:00', timeZone: 'America/Chicago' },
    end: { dateTime: '2025-02-09T09:00:00-06:00', timeZone: 'America/Chicago' },
    recurrence: ['RRULE:FREQ=DAILY;UNTIL=20250401T045959Z'],
    iCalUID: '5hni4sj3ql1669otmjg7sn1mok@google.com',
    eventType: 'default',
  };
  const cancelledInstance: GoogleEventJson = {
    id: '5hni4sj3ql1669otmjg7sn1mok_20250325T130000Z',
    status: 'cancelled',
    recurringEventId: '5hni4sj3ql1669otmjg7sn1mok',
    originalStartTime: { dateTime: '2025-03-25T08:00:00-05:00', timeZone: 'America/Chicago' },
  };

  it('maps a master with its rule, zone and organizer', () => {
    const event = upserted(mapGoogleEvent(master, 'UTC'));
    expect(event).toMatchObject({
      providerEventId: master.id,
      seriesRole: 'master',
      seriesKey: master.id,
      title: 'Breakfast',
      timeZone: 'America/Chicago',
      recurrence: master.recurrence,
      isOrganizer: true,
      responseStatus: null,
      eventKind: 'default',
      timing: {
        allDay: false,
        startMs: Date.parse('2025-02-09T14:00:00Z'),
        endMs: Date.parse('2025-02-09T15:00:00Z'),
      },
    });
  });

  it('a cancelled instance becomes a cancellation marker that removes exactly that slot', () => {
    const marker = upserted(mapGoogleEvent(cancelledInstance, 'UTC'));
    expect(marker).toMatchObject({
      seriesRole: 'exception',
      seriesKey: master.id,
      status: 'cancelled',
      originalStart: { allDay: false, ms: Date.parse('2025-03-25T13:00:00Z') },
    });
    const window = { startMs: Date.parse('2025-03-20T00:00:00Z'), endMs: Date.parse('2025-03-30T00:00:00Z') };
    const busy = deriveSeriesBusy(
      googleSeriesExpansion,
      [upserted(mapGoogleEvent(master, 'UTC')), marker],
      window,
    );
    const starts = busy.map((b) => (b.timing.allDay ? '' : new Date(b.timing.startMs).toISOString()));
    expect(starts).not.toContain('2025-03-25T13:00:00.000Z');
    expect(starts).toContain('2025-03-24T13:00:00.000Z'); // CDT: 08:00 local = 13:00Z
    expect(starts).toContain('2025-03-26T13:00:00.000Z');
    expect(starts).toHaveLength(9);
  });

  it('any other cancelled item is a deletion', () => {
    expect(mapGoogleEvent({ id: '6pbua6vjeic3e73gvponeo1qp6', status: 'cancelled' }, 'UTC')).toEqual({
      kind: 'delete',
      providerEventId: '6pbua6vjeic3e73gvponeo1qp6',
    });
  });

  it('all-day events keep dates; single timed events without a zone take the calendar zone', () => {
    const allDay = upserted(
      mapGoogleEvent(
        { id: 'allday1', start: { date: '2026-05-01' }, end: { date: '2026-05-02' } },
        'Europe/Berlin',
      ),
    );
    expect(allDay.timing).toEqual({ allDay: true, startDate: '2026-05-01', endDate: '2026-05-02' });
    expect(allDay.timeZone).toBe('Europe/Berlin');
  });

  it('invitee copies: the self attendee answer is kept; organizer flag from organizer.self', () => {
    const invite = upserted(
      mapGoogleEvent(
        {
          id: 'invite1',
          start: { dateTime: '2026-05-01T10:00:00Z' },
          end: { dateTime: '2026-05-01T11:00:00Z' },
          organizer: { email: 'boss@example.test' },
          attendees: [
            { email: 'boss@example.test', organizer: true, responseStatus: 'accepted' },
            { email: 'me@example.test', self: true, responseStatus: 'declined' },
          ],
        },
        'UTC',
      ),
    );
    expect(invite).toMatchObject({ isOrganizer: false, responseStatus: 'declined', seriesRole: 'single' });
  });

  it('event types, transparency, the app tag and a moved instance', () => {
    const ooo = upserted(
      mapGoogleEvent(
        {
          id: 'ooo1',
          eventType: 'outOfOffice',
          start: { dateTime: '2026-05-01T10:00:00Z' },
          end: { dateTime: '2026-05-01T18:00:00Z' },
          extendedProperties: { private: { [GOOGLE_APP_TAG_PROPERTY]: 'tag-123' } },
        },
        'UTC',
      ),
    );
    expect(ooo).toMatchObject({ eventKind: 'outOfOffice', appTag: 'tag-123' });
    const unknown = upserted(
      mapGoogleEvent(
        {
          id: 'b1',
          eventType: 'birthday',
          transparency: 'transparent',
          start: { date: '2026-05-01' },
          end: { date: '2026-05-02' },
        },
        'UTC',
      ),
    );
    expect(unknown).toMatchObject({ eventKind: 'default', transparency: 'transparent' });
    const moved = upserted(
      mapGoogleEvent(
        {
          id: 'series_20260501T100000Z',
          recurringEventId: 'series',
          originalStartTime: { dateTime: '2026-05-01T10:00:00Z', timeZone: 'UTC' },
          start: { dateTime: '2026-05-01T12:00:00Z', timeZone: 'UTC' },
          end: { dateTime: '2026-05-01T13:00:00Z', timeZone: 'UTC' },
        },
        'UTC',
      ),
    );
    expect(moved).toMatchObject({
      seriesRole: 'exception',
      seriesKey: 'series',
      originalStart: { allDay: false, ms: Date.parse('2026-05-01T10:00:00Z') },
    });
  });

  it('rejects an item without a usable start with an error naming the field', () => {
    expect(() =>
      mapGoogleEvent({ id: 'x', start: {}, end: { dateTime: '2026-01-01T00:00:00Z' } }, 'UTC'),
    ).toThrow(/x: missing or malformed start/);
  });
});

describe('Graph delta item → mirror', () => {
  const masterItem: GraphEventJson = {
    id: 'AAMkMaster=',
    type: 'seriesMaster',
    subject: 'Weekly sync',
    showAs: 'busy',
    isOrganizer: false,
    responseStatus: { response: 'tentativelyAccepted' },
    start: { dateTime: '2026-03-02T15:00:00.0000000', timeZone: 'UTC' },
    end: { dateTime: '2026-03-02T15:30:00.0000000', timeZone: 'UTC' },
    originalStartTimeZone: 'Eastern Standard Time',
    recurrence: {
      pattern: { type: 'weekly', interval: 1, daysOfWeek: ['monday'] },
      range: { type: 'noEnd', startDate: '2026-03-02' },
    },
    cancelledOccurrences: ['OID.AAMkMaster=.2026-03-16'],
    transactionId: graphTransactionIdFor('tag-9'),
  };
  const stub = (id: string, day: string): GraphEventJson => ({
    id,
    type: 'occurrence',
    seriesMasterId: 'AAMkMaster=',
    start: { dateTime: `${day}T15:00:00.0000000`, timeZone: 'UTC' },
    end: { dateTime: `${day}T15:30:00.0000000`, timeZone: 'UTC' },
  });

  it('occurrence stubs take their details from the master on the same page', () => {
    const changes = mapGraphPage([stub('opaque-1', '2026-03-09'), masterItem]);
    const occurrence = changes
      .map((c) => (c.kind === 'upsert' ? c.event : null))
      .find((e) => e?.providerEventId === 'opaque-1');
    expect(occurrence).toMatchObject({
      seriesRole: 'occurrence',
      seriesKey: 'AAMkMaster=',
      title: 'Weekly sync',
      responseStatus: 'tentative',
      appTag: 'tag-9',
      recurrence: null,
      timing: { allDay: false, startMs: Date.parse('2026-03-09T15:00:00Z') },
    });
    expect(changes).toContainEqual({
      kind: 'cancelOccurrences',
      seriesKey: 'AAMkMaster=',
      dates: ['2026-03-16'],
    });
  });

  it('a stub whose master is unknown is reported as needsMaster, never an untitled row', () => {
    const changes = mapGraphPage([stub('opaque-2', '2026-03-23')]);
    expect(changes).toEqual([
      { kind: 'needsMaster', seriesMasterId: 'AAMkMaster=', occurrenceId: 'opaque-2' },
    ]);
    const master = upserted(mapGraphPage([masterItem])[0]!);
    const retried = mapGraphPage(
      [stub('opaque-2', '2026-03-23')],
      new Map([[master.providerEventId, master]]),
    );
    expect(upserted(retried[0]!).title).toBe('Weekly sync');
  });

  it('the master itself is not busy; its occurrences are (Graph expands, we do not)', () => {
    const changes = mapGraphPage([masterItem, stub('o1', '2026-03-02'), stub('o2', '2026-03-09')]);
    const rows = changes.flatMap((c) => (c.kind === 'upsert' ? [c.event] : []));
    const busy = deriveSeriesBusy({ kind: 'listed_occurrences' }, rows, {
      startMs: Date.parse('2026-03-01T00:00:00Z'),
      endMs: Date.parse('2026-04-01T00:00:00Z'),
    });
    expect(busy.map((b) => b.sourceProviderEventId).sort()).toEqual(['o1', 'o2']);
    expect(busy.every((b) => b.busyKind === 'tentative')).toBe(true);
  });

  it('@removed is a deletion; showAs oof / workingElsewhere / free map to kinds; isAllDay keeps dates', () => {
    const changes = mapGraphPage([
      { id: 'gone', '@removed': { reason: 'deleted' } },
      {
        id: 'ooo',
        type: 'singleInstance',
        subject: 'Vacation',
        showAs: 'oof',
        isAllDay: true,
        start: { dateTime: '2026-07-01T00:00:00.0000000', timeZone: 'UTC' },
        end: { dateTime: '2026-07-03T00:00:00.0000000', timeZone: 'UTC' },
      },
      {
        id: 'wfh',
        type: 'singleInstance',
        subject: 'Home',
        showAs: 'workingElsewhere',
        start: { dateTime: '2026-07-06T08:00:00.0000000', timeZone: 'UTC' },
        end: { dateTime: '2026-07-06T17:00:00.0000000', timeZone: 'UTC' },
      },
      {
        id: 'cancelled',
        type: 'singleInstance',
        subject: 'Called off',
        isCancelled: true,
        start: { dateTime: '2026-07-07T08:00:00.0000000', timeZone: 'Europe/Berlin' },
        end: { dateTime: '2026-07-07T09:00:00.0000000', timeZone: 'Europe/Berlin' },
        singleValueExtendedProperties: [{ id: GRAPH_APP_TAG_PROPERTY_ID, value: 'tag-x' }],
      },
    ]);
    expect(changes[0]).toEqual({ kind: 'delete', providerEventId: 'gone' });
    expect(upserted(changes[1]!)).toMatchObject({
      eventKind: 'outOfOffice',
      timing: { allDay: true, startDate: '2026-07-01', endDate: '2026-07-03' },
    });
    expect(upserted(changes[2]!)).toMatchObject({
      eventKind: 'workingLocation',
      transparency: 'transparent',
    });
    expect(upserted(changes[3]!)).toMatchObject({
      status: 'cancelled',
      appTag: 'tag-x',
      timing: { allDay: false, startMs: Date.parse('2026-07-07T06:00:00Z') },
    });
  });

  it('cancelledOccurrences dates are read from the end of each value', () => {
    expect(cancelledOccurrenceDates(['OID.AAMk.Zz==.2026-03-16', 'bogus'])).toEqual(['2026-03-16']);
  });
});

describe('Graph stubs never become untitled rows (property)', () => {
  it('every occurrence row carries its master details; a stub without a known master is needsMaster', () => {
    const masterIds = ['M1', 'M2', 'M3'];
    const masterJson = (id: string): GraphEventJson => ({
      id,
      type: 'seriesMaster',
      subject: `Series ${id}`,
      showAs: 'busy',
      start: { dateTime: '2026-03-02T15:00:00.0000000', timeZone: 'UTC' },
      end: { dateTime: '2026-03-02T15:30:00.0000000', timeZone: 'UTC' },
      recurrence: {
        pattern: { type: 'daily', interval: 1 },
        range: { type: 'noEnd', startDate: '2026-03-02' },
      },
    });
    const itemArb = fc.oneof(
      fc.constantFrom(...masterIds).map(masterJson),
      fc
        .tuple(fc.constantFrom(...masterIds), fc.integer({ min: 0, max: 27 }), fc.nat(1000))
        .map(([masterId, day, n]): GraphEventJson => {
          const date = new Date(Date.UTC(2026, 2, 2 + day)).toISOString().slice(0, 10);
          return {
            id: `opaque-${n}`,
            type: 'occurrence',
            seriesMasterId: masterId,
            start: { dateTime: `${date}T15:00:00.0000000`, timeZone: 'UTC' },
            end: { dateTime: `${date}T15:30:00.0000000`, timeZone: 'UTC' },
          };
        }),
    );
    fc.assert(
      fc.property(fc.array(itemArb, { maxLength: 25 }), fc.subarray(masterIds), (items, stored) => {
        // Masters already in the mirror (stored earlier), mapped from their own full JSON.
        const known = new Map(stored.map((id) => [id, upserted(mapGraphPage([masterJson(id)])[0]!)]));
        const onPage = new Set(items.filter((i) => i.type === 'seriesMaster').map((i) => i.id));
        const changes = mapGraphPage(items, known);
        expect(changes).toHaveLength(items.length);
        changes.forEach((change, index) => {
          const item = items[index]!;
          if (item.type !== 'occurrence') return;
          const masterId = item.seriesMasterId!;
          if (onPage.has(masterId) || known.has(masterId)) {
            const event = upserted(change);
            expect(event.title).toBe(`Series ${masterId}`);
            expect(event.seriesRole).toBe('occurrence');
            expect(event.seriesKey).toBe(masterId);
          } else {
            expect(change).toEqual({ kind: 'needsMaster', seriesMasterId: masterId, occurrenceId: item.id });
          }
        });
      }),
    );
  });
});
