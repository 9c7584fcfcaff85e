/**
 * Page planner (issue 13): applying a plan (deletions first, then one multi-row upsert) leaves the
 * mirror exactly as applying the page's items one by one would, whatever the order, replays and
 * deletes of whole series. fast-check prints the seed on failure.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { occurrencesOnDates, planPage } from '../../worker/sync/page-plan.ts';
import type { MirrorEvent, NormalizedChange } from '../../worker/sync/types.ts';

function row(id: string, seriesKey: string, version = 0, fields: Partial<MirrorEvent> = {}): MirrorEvent {
  return {
    providerEventId: id,
    seriesRole: id === seriesKey ? 'single' : 'exception',
    seriesKey,
    icalUid: null,
    title: `v${version}`,
    description: null,
    location: null,
    timing: { allDay: false, startMs: 0, endMs: 1 },
    timeZone: null,
    status: 'confirmed',
    transparency: 'opaque',
    eventKind: 'default',
    responseStatus: null,
    isOrganizer: true,
    attendees: [],
    organizer: null,
    recurrence: null,
    recurringEventId: id === seriesKey ? null : seriesKey,
    originalStart: null,
    appTag: null,
    providerEtag: null,
    providerUpdatedMs: null,
    ...fields,
  };
}

type Mirror = Map<string, MirrorEvent>;

function deleteFrom(mirror: Mirror, id: string): void {
  for (const [key, value] of mirror) if (key === id || value.seriesKey === id) mirror.delete(key);
}

function applySequentially(initial: Mirror, changes: NormalizedChange[]): Mirror {
  const mirror = new Map(initial);
  for (const change of changes) {
    if (change.kind === 'upsert') mirror.set(change.event.providerEventId, change.event);
    if (change.kind === 'delete') deleteFrom(mirror, change.providerEventId);
  }
  return mirror;
}

function applyPlan(initial: Mirror, changes: NormalizedChange[]): Mirror {
  const mirror = new Map(initial);
  const plan = planPage(changes);
  for (const id of plan.deletions) deleteFrom(mirror, id);
  for (const id of plan.rowDeletions) mirror.delete(id);
  for (const event of plan.upserts) mirror.set(event.providerEventId, event);
  return mirror;
}

const IDS = ['a', 'b', 'c', 'd', 'e'];
const SERIES = ['a', 'b', 'm'];
const rowArb = fc
  .tuple(fc.constantFrom(...IDS), fc.constantFrom(...SERIES), fc.nat(9))
  .map(([id, series, version]) => row(id, series, version));
const changeArb: fc.Arbitrary<NormalizedChange> = fc.oneof(
  rowArb.map((event) => ({ kind: 'upsert' as const, event })),
  fc.constantFrom(...IDS, 'm').map((providerEventId) => ({ kind: 'delete' as const, providerEventId })),
);

describe('planPage', () => {
  it('property: plan (deletions, then upserts) equals one-by-one application', () => {
    fc.assert(
      fc.property(
        fc.array(rowArb, { maxLength: 6 }),
        fc.array(changeArb, { maxLength: 20 }),
        (initialRows, changes) => {
          const initial: Mirror = new Map(initialRows.map((r) => [r.providerEventId, r]));
          const expected = applySequentially(initial, changes);
          const actual = applyPlan(initial, changes);
          expect([...actual.entries()].sort()).toEqual([...expected.entries()].sort());
          const plan = planPage(changes);
          expect(new Set(plan.upserts.map((u) => u.providerEventId)).size).toBe(plan.upserts.length);
          for (const upsert of plan.upserts) expect(plan.recomputeSeries).toContain(upsert.seriesKey);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('collects masters to fetch and Graph occurrence cancellations once each', () => {
    const plan = planPage([
      { kind: 'needsMaster', seriesMasterId: 'M', occurrenceId: 'o1' },
      { kind: 'needsMaster', seriesMasterId: 'M', occurrenceId: 'o2' },
      { kind: 'cancelOccurrences', seriesKey: 'M', dates: ['2026-03-16'] },
      { kind: 'cancelOccurrences', seriesKey: 'M', dates: ['2026-03-09', '2026-03-16'] },
    ]);
    expect(plan.needsMaster).toEqual(['M']);
    expect(plan.occurrenceCancellations).toEqual([{ seriesKey: 'M', dates: ['2026-03-09', '2026-03-16'] }]);
    expect(plan.recomputeSeries).toEqual(['M']);
  });

  it('occurrencesOnDates picks the Graph occurrences of cancelled dates (UTC or series-zone date)', () => {
    const occurrence = (id: string, iso: string) =>
      row(id, 'M', 0, { seriesRole: 'occurrence', originalStart: { allDay: false, ms: Date.parse(iso) } });
    const rows = [
      occurrence('o1', '2026-03-09T15:00:00Z'),
      occurrence('o2', '2026-03-17T02:00:00Z'), // 2026-03-16 22:00 in New York
      occurrence('o3', '2026-03-23T15:00:00Z'),
      row('x', 'M', 0, {
        seriesRole: 'exception',
        originalStart: { allDay: false, ms: Date.parse('2026-03-16T15:00:00Z') },
      }),
    ];
    const nyDate = (ms: number) =>
      new Intl.DateTimeFormat('en-CA', { timeZone: 'America/New_York' }).format(ms);
    expect(occurrencesOnDates(rows, ['2026-03-16', '2026-03-09'], nyDate).sort()).toEqual(['o1', 'o2']);
  });
});
