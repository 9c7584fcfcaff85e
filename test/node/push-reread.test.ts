/**
 * Issue 20 §5, the pure parts of the re-read: a Graph notification's event id, which named events a
 * round did not return, and what reading them directly turns into.
 */
import { describe, expect, it } from 'vitest';
import { noteReturned, unreported } from '../../durable-objects/sync/reread.ts';
import { parseGraphNotifications } from '../../worker/providers/microsoft/push.ts';
import { rereadChanges } from '../../worker/providers/microsoft/reread.ts';
import type { GraphEventJson } from '../../worker/providers/microsoft/to-event.ts';
import type { NormalizedChange } from '../../worker/sync/types.ts';

const utc = (dateTime: string) => ({ dateTime, timeZone: 'UTC' });

describe('parseGraphNotifications', () => {
  const item = (extra: Record<string, unknown>) => ({
    subscriptionId: 'sub-1',
    clientState: 'conn.nonce.secret',
    changeType: 'updated',
    ...extra,
  });

  it('keeps the event id a change names; lifecycle events and malformed resourceData carry none', () => {
    const [changed, lifecycle, malformed] =
      parseGraphNotifications({
        value: [
          item({ id: 'n1', resourceData: { id: 'AAMkEvent=' } }),
          item({ lifecycleEvent: 'missed', resourceData: { id: 'AAMkEvent=' } }),
          item({ id: 'n3', resourceData: { id: 42 } }),
        ],
      }) ?? [];
    expect(changed).toMatchObject({ kind: 'changed', eventId: 'AAMkEvent=' });
    expect(lifecycle?.kind).toBe('missed');
    expect(lifecycle?.eventId).toBeUndefined();
    // A malformed resourceData loses the id, never the notification.
    expect(malformed).toMatchObject({ kind: 'changed', notificationId: 'n3' });
    expect(malformed?.eventId).toBeUndefined();
  });
});

describe('which named events a round said nothing about', () => {
  it('an id the round wrote, deleted or whose series it listed is answered; the rest is not', () => {
    const returned = new Set<string>();
    const changes: NormalizedChange[] = [
      { kind: 'delete', providerEventId: 'gone-single' },
      { kind: 'cancelOccurrences', seriesKey: 'series-a', dates: ['2027-01-01'] },
    ];
    noteReturned(changes, returned);
    const named = {
      ids: ['gone-single', 'occurrence-of-a', 'occurrence-of-b', 'new-one'],
      seriesOf: new Map([
        ['occurrence-of-a', 'series-a'],
        ['occurrence-of-b', 'series-b'],
      ]),
      takenAt: 0,
    };
    expect(unreported(named, returned)).toEqual(['occurrence-of-b', 'new-one']);
  });
});

describe('rereadChanges', () => {
  const master: GraphEventJson = {
    id: 'M',
    type: 'seriesMaster',
    subject: 'Weekly',
    start: utc('2027-01-04T09:00:00.0000000'),
    end: utc('2027-01-04T10:00:00.0000000'),
    originalStartTimeZone: 'UTC',
    recurrence: {
      pattern: { type: 'weekly', interval: 1, daysOfWeek: ['monday'] },
      range: { type: 'numbered', startDate: '2027-01-04', numberOfOccurrences: 2 },
    },
    cancelledOccurrences: ['OID.M.2027-01-04'],
  };
  const occurrence: GraphEventJson = {
    id: 'O2',
    type: 'occurrence',
    seriesMasterId: 'M',
    subject: 'Weekly',
    start: utc('2027-01-11T09:00:00.0000000'),
    end: utc('2027-01-11T10:00:00.0000000'),
  };
  const single: GraphEventJson = {
    id: 'S',
    type: 'singleInstance',
    subject: 'Renamed',
    start: utc('2027-01-05T09:00:00.0000000'),
    end: utc('2027-01-05T10:00:00.0000000'),
  };
  const window = { startMs: Date.UTC(2027, 0, 1), endMs: Date.UTC(2027, 2, 1) };
  const events = new Map([
    ['M', master],
    ['S', single],
  ]);
  const source = (instances: GraphEventJson[] | undefined) => ({
    event: async (id: string) => events.get(id),
    instances: async () => instances,
    replaceSeries: (m: GraphEventJson): NormalizedChange[] => [
      { kind: 'cancelOccurrences', seriesKey: m.id, dates: ['all'] },
    ],
  });

  it('a gone occurrence reads its series again; a single is read as it is; an unknown gone id is deleted', async () => {
    const changes = await rereadChanges(
      { ids: ['O1', 'S', 'never-seen'], seriesOf: new Map([['O1', 'M']]), window },
      source([occurrence]),
    );
    const upserts = changes.flatMap((c) => (c.kind === 'upsert' ? [c.event] : []));
    expect(upserts.map((e) => [e.providerEventId, e.seriesRole, e.title])).toEqual([
      ['S', 'single', 'Renamed'],
      ['M', 'master', 'Weekly'],
      ['O2', 'occurrence', 'Weekly'],
    ]);
    expect(changes).toContainEqual({ kind: 'cancelOccurrences', seriesKey: 'M', dates: ['all'] });
    expect(changes).toContainEqual({ kind: 'cancelOccurrences', seriesKey: 'M', dates: ['2027-01-04'] });
    expect(changes.at(-1)).toEqual({ kind: 'delete', providerEventId: 'never-seen' });
  });

  it('a series without an instance in the horizon and a single outside it leave the mirror', async () => {
    expect(await rereadChanges({ ids: ['M'], seriesOf: new Map(), window }, source([]))).toEqual([
      { kind: 'delete', providerEventId: 'M' },
    ]);
    const later = { startMs: Date.UTC(2027, 1, 1), endMs: Date.UTC(2027, 3, 1) };
    expect(await rereadChanges({ ids: ['S'], seriesOf: new Map(), window: later }, source([]))).toEqual([
      { kind: 'delete', providerEventId: 'S' },
    ]);
  });

  it('a series whose master or instances are gone is deleted', async () => {
    expect(
      await rereadChanges({ ids: ['O1'], seriesOf: new Map([['O1', 'M']]), window }, source(undefined)),
    ).toEqual([{ kind: 'delete', providerEventId: 'M' }]);
    expect(
      await rereadChanges({ ids: ['O1'], seriesOf: new Map([['O1', 'Gone']]), window }, source([occurrence])),
    ).toEqual([{ kind: 'delete', providerEventId: 'Gone' }]);
  });
});
