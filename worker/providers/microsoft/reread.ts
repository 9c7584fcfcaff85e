/**
 * Reading named events directly (issue 20 §5). A Graph change notification names an event; when the
 * incremental delta round that followed did not return it, Graph's change feed stayed silent about
 * it (seen for the last occurrence of a series). Waiting for the weekly re-baseline would leave busy
 * time that no longer exists, so the event — and its whole series — is read by id instead:
 *
 * - a single event (or a series master, occurrence or exception) that is there: read as delta would
 *   list it; a series as master + its occurrences and exceptions over the horizon (occurrences as
 *   stubs, so they are completed from the master exactly as in delta), with the series' stored
 *   occurrences replaced (`replaceListedSeries`);
 * - one that is gone (404): its series when the mirror knows one (a deleted occurrence leaves the
 *   series, which is then read again), else a deletion of that id;
 * - a series whose master is gone, or that has no instance left in the horizon, and a single outside
 *   the horizon: deleted, as a full round (which would not list them) leaves them out.
 */

import type { NormalizedChange, Timing, Window } from '../../sync/types.ts';
import { ProviderError } from '../errors.ts';
import type { RereadRequest } from '../types.ts';
import { type GraphEventJson, GraphEventShapeError, mapGraphPage } from './to-event.ts';

/** What the re-read needs from Graph (the change source's calendar-scoped GETs). */
export interface RereadSource {
  /** The event by id; undefined when Graph answers 404. */
  event(id: string): Promise<GraphEventJson | undefined>;
  /** A series' occurrences and exceptions over the horizon; undefined when the series is gone. */
  instances(masterId: string): Promise<GraphEventJson[] | undefined>;
  /** Replaces the stored occurrences of a series that is listed again (changes.ts). */
  replaceSeries(master: GraphEventJson): NormalizedChange[];
}

/** An occurrence as delta lists it: only id, times and etag are its own (the master gives the rest). */
function asStub(item: GraphEventJson): GraphEventJson {
  if (item.type !== 'occurrence') return item;
  const stub: GraphEventJson = { id: item.id, type: item.type };
  if (item.seriesMasterId) stub.seriesMasterId = item.seriesMasterId;
  if (item.start) stub.start = item.start;
  if (item.end) stub.end = item.end;
  if (item['@odata.etag']) stub['@odata.etag'] = item['@odata.etag'];
  return stub;
}

const DAY_MS = 86_400_000;

/** Whether an event touches the window (all-day dates with a day of slack for the owner's zone). */
function overlaps(timing: Timing, window: Window): boolean {
  if (!timing.allDay) return timing.endMs > window.startMs && timing.startMs < window.endMs;
  return (
    Date.parse(`${timing.endDate}T00:00:00Z`) + DAY_MS > window.startMs &&
    Date.parse(`${timing.startDate}T00:00:00Z`) - DAY_MS < window.endMs
  );
}

export async function rereadChanges(
  request: Pick<RereadRequest, 'ids' | 'seriesOf' | 'window'>,
  source: RereadSource,
): Promise<NormalizedChange[]> {
  const series = new Set<string>();
  const gone = new Set<string>();
  const items: GraphEventJson[] = [];
  for (const id of new Set(request.ids)) {
    const item = await source.event(id);
    if (!item) {
      const key = request.seriesOf.get(id);
      if (key && key !== id) series.add(key);
      else gone.add(id);
    } else if (item.type === 'seriesMaster') series.add(item.id);
    else if ((item.type === 'occurrence' || item.type === 'exception') && item.seriesMasterId)
      series.add(item.seriesMasterId);
    else items.push(item);
  }
  const changes: NormalizedChange[] = [];
  for (const masterId of series) {
    const master = await source.event(masterId);
    const instances = master?.type === 'seriesMaster' ? await source.instances(masterId) : undefined;
    // Gone, or without an instance in the horizon: a full round would not list it either.
    if (master?.type !== 'seriesMaster' || !instances?.length) {
      gone.add(masterId);
      continue;
    }
    changes.push(...source.replaceSeries(master));
    items.push(master, ...instances.map(asStub));
  }
  let mapped: NormalizedChange[];
  try {
    mapped = mapGraphPage(items);
  } catch (error) {
    if (error instanceof GraphEventShapeError) throw new ProviderError('unknown', error.message);
    throw error;
  }
  if (mapped.some((c) => c.kind === 'needsMaster'))
    throw new ProviderError('temporary', 'Graph occurrence without a readable series master');
  for (const change of mapped) {
    // A single moved out of the horizon leaves the mirror, as delta reports it (`@removed`).
    if (
      change.kind === 'upsert' &&
      change.event.seriesRole === 'single' &&
      !overlaps(change.event.timing, request.window)
    )
      gone.add(change.event.providerEventId);
    else changes.push(change);
  }
  // Last, so a gone series also takes rows this read listed for it (page-plan order).
  for (const id of gone) changes.push({ kind: 'delete', providerEventId: id });
  return changes;
}
