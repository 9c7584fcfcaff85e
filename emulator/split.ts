/**
 * "This and following": splitting a series at one instance, as both providers do it (providers.md
 * §2). The old master ends just before the split (its rule gets an UNTIL; instances, exceptions and
 * cancellations after it are dropped and reported), and a new series starts at the split instance.
 * Google names it `<oldId>_R<YYYYMMDDTHHMMSS>` (the split start in UTC, no `Z`) with its own iCalUID;
 * Graph gives it a fresh id and iCalUId.
 */
import type { Account, StoredEvent } from './model.ts';
import { blankEvent, newGraphEventId } from './mutations.ts';
import { expandSeries } from './recurrence.ts';
import type { EmulatorState } from './state.ts';
import { addDays, formatDate, wallTimeIn } from './time.ts';

const utcStamp = (ms: number) =>
  new Date(ms)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}Z$/, '');

/** The rule with COUNT replaced by `count` (or removed) and UNTIL set or left. */
function rewriteRule(line: string, change: { until?: string; count?: number }): string {
  const parts = line
    .replace(/^RRULE:/, '')
    .split(';')
    .filter((p) => !p.startsWith('UNTIL=') && !p.startsWith('COUNT='));
  if (change.until) parts.push(`UNTIL=${change.until}`);
  if (change.count !== undefined) parts.push(`COUNT=${change.count}`);
  return `RRULE:${parts.join(';')}`;
}

export interface SplitResult {
  original: StoredEvent;
  following: StoredEvent;
}

/**
 * Builds the two halves (not yet recorded): `original` (the master, now ending before `splitMs`) and
 * `following` (a new series from `splitMs`). The caller records both so notifications and orphan
 * handling run as for any change.
 */
export function splitSeries(
  state: EmulatorState,
  account: Account,
  master: StoredEvent,
  splitMs: number,
): SplitResult | undefined {
  const rule = master.recurrence?.find((l) => l.startsWith('RRULE:'));
  if (!rule) return undefined;
  const instances = expandSeries(master, master.startMs, splitMs + 1);
  const before = instances.filter((i) => i.originalStartMs < splitMs).length;
  const at = instances.find((i) => i.originalStartMs === splitMs);
  if (!at || before === 0) return undefined;
  const count = rule.match(/COUNT=(\d+)/)?.[1];
  const zone = master.timeZone;
  const splitDay = at.startDate ?? formatDate(wallTimeIn(splitMs, zone));

  const original = structuredClone(master);
  const until = master.allDay ? addDays(splitDay, -1).replace(/-/g, '') : `${utcStamp(splitMs - 1000)}Z`;
  original.recurrence = (master.recurrence ?? []).map((l) =>
    l.startsWith('RRULE:') ? rewriteRule(l, { until }) : l,
  );
  const graphRecurrence = master.graphRecurrence as
    | { pattern?: unknown; range?: Record<string, unknown> }
    | undefined;
  if (graphRecurrence) {
    original.graphRecurrence = {
      ...graphRecurrence,
      range: { ...graphRecurrence.range, type: 'endDate', endDate: addDays(splitDay, -1) },
    };
  }

  const id = account.provider === 'google' ? `${master.id}_R${utcStamp(splitMs)}` : newGraphEventId(state);
  const fresh = blankEvent(state, account, id);
  const following: StoredEvent = {
    ...structuredClone(master),
    id,
    iCalUID: fresh.iCalUID,
    startMs: at.startMs,
    endMs: at.endMs,
    ...(at.startDate ? { startDate: at.startDate, endDate: at.endDate } : {}),
    recurrence: (master.recurrence ?? []).map((l) =>
      l.startsWith('RRULE:') && count ? rewriteRule(l, { count: Number(count) - before }) : l,
    ),
    created: fresh.created,
    updated: fresh.updated,
    sequence: 0,
    version: 0,
    changeSeq: 0,
  };
  if (graphRecurrence) {
    following.graphRecurrence = {
      ...graphRecurrence,
      range: {
        ...graphRecurrence.range,
        startDate: splitDay,
        ...(count ? { numberOfOccurrences: Number(count) - before } : {}),
      },
    };
  }
  delete following.transactionId;
  return { original, following };
}
