/**
 * One malformed provider item must not block the mirror (issue 13): the page mappers turn an item they
 * cannot read into `unreadable` (named by provider id and field only), the rest of the page maps as
 * usual, and the page plan lists it for the round to skip, log and count. The emulator only produces
 * well-formed wire items, so the malformed ones are built here from the wire shapes.
 */
import { describe, expect, it } from 'vitest';
import { type GoogleEventJson, mapGoogleItems } from '../../worker/providers/google/to-event.ts';
import { type GraphEventJson, mapGraphPage } from '../../worker/providers/microsoft/to-event.ts';
import { planPage } from '../../worker/sync/page-plan.ts';

const googleGood: GoogleEventJson = {
  id: 'good',
  status: 'confirmed',
  summary: 'Pipeline review',
  start: { dateTime: '2026-05-01T10:00:00Z' },
  end: { dateTime: '2026-05-01T11:00:00Z' },
};
const googleBad: GoogleEventJson = {
  id: 'bad',
  status: 'confirmed',
  summary: 'Secret title',
  start: { dateTime: 'not a time' },
  end: { dateTime: '2026-05-01T11:00:00Z' },
};

describe('Google page with an unreadable item', () => {
  it('maps the others and names the unreadable one by id and field only', () => {
    const changes = mapGoogleItems([googleBad, googleGood], 'UTC');
    expect(changes[0]).toEqual({ kind: 'unreadable', providerEventId: 'bad', field: 'start' });
    expect(changes[1]).toMatchObject({ kind: 'upsert', event: { providerEventId: 'good' } });
    expect(JSON.stringify(changes[0])).not.toMatch(/Secret title/);
  });

  it('the plan upserts the readable item, lists the skipped one and deletes nothing for it', () => {
    const plan = planPage(
      mapGoogleItems([googleGood, googleBad, { id: 'gone', status: 'cancelled' }], 'UTC'),
    );
    expect(plan.upserts.map((e) => e.providerEventId)).toEqual(['good']);
    expect(plan.unreadable).toEqual([{ providerEventId: 'bad', field: 'start' }]);
    expect(plan.deletions).toEqual(['gone']);
    expect(plan.rowDeletions).toEqual([]);
  });

  it('a readable page has nothing unreadable', () => {
    expect(planPage(mapGoogleItems([googleGood], 'UTC')).unreadable).toEqual([]);
  });
});

describe('Graph page with an unreadable item', () => {
  const master: GraphEventJson = {
    id: 'M',
    type: 'seriesMaster',
    subject: 'Weekly',
    start: { dateTime: '2026-03-02T15:00:00.0000000', timeZone: 'UTC' },
    end: { dateTime: '2026-03-02T15:30:00.0000000', timeZone: 'UTC' },
    recurrence: {
      pattern: { type: 'weekly', interval: 1, daysOfWeek: ['monday'] },
      range: { type: 'noEnd', startDate: '2026-03-02' },
    },
  };
  const stub = (id: string, masterId: string, day: string): GraphEventJson => ({
    id,
    type: 'occurrence',
    seriesMasterId: masterId,
    start: { dateTime: `${day}T15:00:00.0000000`, timeZone: 'UTC' },
    end: { dateTime: `${day}T15:30:00.0000000`, timeZone: 'UTC' },
  });
  const single: GraphEventJson = {
    id: 'S',
    type: 'singleInstance',
    subject: 'Call',
    start: { dateTime: '2026-03-04T09:00:00.0000000', timeZone: 'UTC' },
    end: { dateTime: '2026-03-04T10:00:00.0000000', timeZone: 'UTC' },
  };

  it('a malformed single is skipped; the series and the other single are written', () => {
    const bad: GraphEventJson = { ...single, id: 'B', subject: 'Secret', end: { dateTime: 'soon' } };
    const plan = planPage(mapGraphPage([master, stub('o1', 'M', '2026-03-09'), bad, single]));
    expect(plan.upserts.map((e) => e.providerEventId).sort()).toEqual(['M', 'S', 'o1']);
    expect(plan.unreadable).toEqual([{ providerEventId: 'B', field: 'end' }]);
  });

  it('a malformed master is skipped with its stubs (never an untitled row, no master fetch)', () => {
    const badMaster: GraphEventJson = { ...master, start: { dateTime: 'x', timeZone: 'UTC' } };
    const changes = mapGraphPage([badMaster, stub('o1', 'M', '2026-03-09'), single]);
    expect(changes.some((c) => c.kind === 'needsMaster')).toBe(false);
    const plan = planPage(changes);
    expect(plan.upserts.map((e) => e.providerEventId)).toEqual(['S']);
    expect(plan.unreadable).toEqual([
      { providerEventId: 'M', field: 'start' },
      { providerEventId: 'o1', field: 'seriesMaster' },
    ]);
    expect(plan.needsMaster).toEqual([]);
  });

  it('an item without an id is unreadable, not a page failure', () => {
    const plan = planPage(mapGraphPage([{ ...single, id: '' }, master]));
    expect(plan.unreadable).toEqual([{ providerEventId: '(no id)', field: 'id' }]);
    expect(plan.upserts.map((e) => e.providerEventId)).toEqual(['M']);
  });
});
