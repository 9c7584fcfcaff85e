/** The fake provider's series: `{ everyDays, count }` on the master, expanded here (timed series only). */
import { z } from 'zod';
import { originalKey, overlapsWindow } from '../../sync/series.ts';
import type { MirrorEvent, SeriesExpansion, SeriesInstance, Window } from '../../sync/types.ts';

const DAY_MS = 86_400_000;

/** The rule this adapter writes on its masters; anything else is no rule (nothing to expand). */
const FakeRule = z.object({
  everyDays: z.number().int().positive(),
  count: z.number().int().min(0).max(1000),
});

function ruleOf(master: MirrorEvent): z.infer<typeof FakeRule> | undefined {
  const parsed = FakeRule.safeParse(master.recurrence);
  return parsed.success ? parsed.data : undefined;
}

function expandFakeSeries(
  master: MirrorEvent,
  exceptions: readonly MirrorEvent[],
  window: Window,
): SeriesInstance[] {
  const rule = ruleOf(master);
  if (!rule || master.timing.allDay) return [];
  const { startMs, endMs } = master.timing;
  const replaced = new Map(
    exceptions.flatMap((e) => (e.originalStart ? [[originalKey(e.originalStart), e] as const] : [])),
  );
  const out: SeriesInstance[] = [];
  for (let i = 0; i < rule.count; i++) {
    const ms = startMs + i * rule.everyDays * DAY_MS;
    const originalStart = { allDay: false as const, ms };
    const exception = replaced.get(originalKey(originalStart));
    if (exception?.status === 'cancelled') continue;
    const source = exception ?? master;
    const timing = exception
      ? exception.timing
      : { allDay: false as const, startMs: ms, endMs: ms + endMs - startMs };
    if (overlapsWindow(timing, window)) out.push({ originalStart, timing, source });
  }
  return out;
}

export const fakeSeriesExpansion: SeriesExpansion = { kind: 'expand_master_rule', expand: expandFakeSeries };
