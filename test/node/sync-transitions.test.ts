/**
 * The connection's sync state machine (durable-objects/sync/transitions.ts): examples for each kind of
 * outcome, and properties over every outcome × every state.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { INITIAL_STATE, type MachineState, SYNC_STAGES } from '../../durable-objects/storage.ts';
import type { RunResult } from '../../durable-objects/sync/round.ts';
import {
  afterRun,
  FAILING_AFTER,
  RETRYABLE_OUTCOMES,
  type Situation,
} from '../../durable-objects/sync/transitions.ts';
import { QUOTA_RETRY_MS, RETRY_BASE_MS } from '../../durable-objects/timing.ts';

const NOW = Date.parse('2026-12-06T10:00:00Z');
const ERROR_OUTCOMES = [
  'unauthorized',
  'invalid_grant',
  'invalid_client',
  'insufficient_scope',
  'rate_limited',
  'quota_exceeded',
  'temporary',
  'cursor_expired',
  'not_found',
  'conflict',
  'not_configured',
  'unknown',
  'not_attached',
] as const;
const RETRYABLE: ReadonlySet<string> = new Set(RETRYABLE_OUTCOMES);

const ok = (over: Partial<Extract<RunResult, { outcome: 'ok' }>> = {}): RunResult => ({
  outcome: 'ok',
  full: false,
  pages: 1,
  changes: 0,
  skipped: 0,
  lagMs: 120,
  cursorResets: 0,
  ...over,
});
const failed = (outcome: (typeof ERROR_OUTCOMES)[number], retryAfterSeconds?: number): RunResult => ({
  outcome,
  cursorResets: 0,
  message: 'x',
  ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }),
});
const at = (state: Partial<MachineState> = {}, retryPending = false): Situation => ({
  state: { ...INITIAL_STATE, ...state },
  retryPending,
  now: NOW,
  random: 0,
});

const stateArb: fc.Arbitrary<MachineState> = fc.record({
  syncEnabled: fc.boolean(),
  stage: fc.constantFrom(...SYNC_STAGES),
  consecutiveFailures: fc.nat({ max: 50 }),
  lastRunAt: fc.option(fc.constant('2026-12-06T09:00:00.000Z')),
  lastErrorCode: fc.option(fc.constantFrom(...ERROR_OUTCOMES)),
  cursorResets: fc.nat({ max: 1000 }),
});
const resultArb: fc.Arbitrary<RunResult> = fc.oneof(
  fc.record({
    outcome: fc.constant('ok' as const),
    full: fc.boolean(),
    pages: fc.nat(),
    changes: fc.nat(),
    skipped: fc.nat(),
    lagMs: fc.option(fc.nat()),
    cursorResets: fc.nat({ max: 3 }),
  }),
  fc.record({
    outcome: fc.constantFrom('gone' as const, 'paused' as const),
    cursorResets: fc.nat({ max: 3 }),
  }),
  fc.record(
    {
      outcome: fc.constantFrom(...ERROR_OUTCOMES),
      retryAfterSeconds: fc.double({ min: 0, max: 10 ** 7, noNaN: true }),
      cursorResets: fc.nat({ max: 3 }),
      message: fc.constant('m'),
    },
    { requiredKeys: ['outcome', 'cursorResets', 'message'] },
  ),
);
const situationArb = fc.record({
  state: stateArb,
  retryPending: fc.boolean(),
  now: fc.integer({ min: 0, max: 2 ** 42 }),
  random: fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
});

describe('afterRun: examples', () => {
  it('ok: idle, failures reset, retry dropped, poll re-armed, card ok with its lag', () => {
    const t = afterRun(at({ stage: 'backoff', consecutiveFailures: 4, lastErrorCode: 'temporary' }), ok());
    expect(t).toEqual({
      kind: 'next',
      state: {
        ...INITIAL_STATE,
        stage: 'idle',
        consecutiveFailures: 0,
        lastRunAt: new Date(NOW).toISOString(),
        lastErrorCode: null,
      },
      schedule: [{ op: 'remove', kinds: ['retry'] }],
      armPoll: true,
      card: { ok: true, errorCode: null, failing: false, lagMs: 120 },
    });
  });

  it('gone: the object clears itself', () => {
    expect(afterRun(at(), { outcome: 'gone', cursorResets: 0 })).toEqual({ kind: 'disconnect' });
  });

  it('paused: only the cursor resets are counted; no card', () => {
    const t = afterRun(at({ syncEnabled: false, cursorResets: 2 }), { outcome: 'paused', cursorResets: 1 });
    expect(t).toMatchObject({ kind: 'next', schedule: [], armPoll: false, card: null });
    expect(t.kind === 'next' && t.state).toEqual({ ...INITIAL_STATE, syncEnabled: false, cursorResets: 3 });
  });

  it('invalid_grant: reconnect required, polls and retries dropped, nothing re-armed', () => {
    const t = afterRun(at({ stage: 'idle', consecutiveFailures: 1 }), failed('invalid_grant'));
    expect(t).toMatchObject({
      kind: 'next',
      state: { stage: 'reconnect_required', consecutiveFailures: 1, lastErrorCode: 'invalid_grant' },
      schedule: [{ op: 'remove', kinds: ['poll', 'retry'] }],
      armPoll: false,
      card: null,
    });
  });

  it('a 429 with Retry-After: backoff, the poll replaced by a retry after it; "retrying" until the third', () => {
    const first = afterRun(at({ stage: 'idle' }), failed('rate_limited', 300));
    expect(first).toMatchObject({
      state: { stage: 'backoff', consecutiveFailures: 1, lastErrorCode: 'rate_limited' },
      schedule: [
        { op: 'remove', kinds: ['poll'] },
        { op: 'add', kind: 'retry', dueAt: NOW + 300_000 },
      ],
      armPoll: false,
      card: { ok: false, errorCode: 'rate_limited', failing: false },
    });
    const third = afterRun(
      at({ stage: 'backoff', consecutiveFailures: FAILING_AFTER - 1 }),
      failed('temporary'),
    );
    expect(third).toMatchObject({ card: { failing: true }, state: { consecutiveFailures: FAILING_AFTER } });
  });

  it('a spent quota waits an hour', () => {
    const t = afterRun(at(), failed('quota_exceeded'));
    expect(t.kind === 'next' && t.schedule[1]).toEqual({
      op: 'add',
      kind: 'retry',
      dueAt: NOW + QUOTA_RETRY_MS,
    });
  });

  it('a non-retryable error: stage kept, card "error", next poll unless a retry is already the next run', () => {
    const t = afterRun(at({ stage: 'idle' }), failed('insufficient_scope'));
    expect(t).toMatchObject({
      state: { stage: 'idle', consecutiveFailures: 1, lastErrorCode: 'insufficient_scope' },
      schedule: [],
      armPoll: true,
      card: { ok: false, errorCode: 'insufficient_scope', failing: true },
    });
    expect(afterRun(at({ stage: 'backoff' }, true), failed('conflict'))).toMatchObject({ armPoll: false });
  });
});

describe('afterRun: properties over every outcome and state', () => {
  it('never re-arms the poll and adds a retry at once; a retry only for retryable outcomes, never early', () => {
    fc.assert(
      fc.property(situationArb, resultArb, (situation, result) => {
        const t = afterRun(situation, result);
        if (t.kind === 'disconnect') {
          expect(result.outcome).toBe('gone');
          return;
        }
        const added = t.schedule.filter((c) => c.op === 'add');
        expect(added.length).toBe(RETRYABLE.has(result.outcome) ? 1 : 0);
        if (added.length > 0) expect(t.armPoll).toBe(false);
        for (const change of added)
          expect(change.dueAt).toBeGreaterThanOrEqual(situation.now + RETRY_BASE_MS);
      }),
    );
  });

  it('counts cursor resets, never changes syncEnabled, and counts failures by the outcome', () => {
    fc.assert(
      fc.property(situationArb, resultArb, (situation, result) => {
        const t = afterRun(situation, result);
        if (t.kind === 'disconnect') return;
        const before = situation.state;
        expect(t.state.cursorResets).toBe(before.cursorResets + result.cursorResets);
        expect(t.state.syncEnabled).toBe(before.syncEnabled);
        const failures = t.state.consecutiveFailures;
        if (result.outcome === 'ok') expect(failures).toBe(0);
        else if (result.outcome === 'paused' || result.outcome === 'invalid_grant')
          expect(failures).toBe(before.consecutiveFailures);
        else expect(failures).toBe(before.consecutiveFailures + 1);
      }),
    );
  });

  it('the card is written for every run but paused and invalid_grant, and says "error" exactly when it should', () => {
    fc.assert(
      fc.property(situationArb, resultArb, (situation, result) => {
        const t = afterRun(situation, result);
        if (t.kind === 'disconnect') return;
        const silent = result.outcome === 'paused' || result.outcome === 'invalid_grant';
        expect(t.card === null).toBe(silent);
        if (!t.card) return;
        expect(t.card.ok).toBe(result.outcome === 'ok');
        const failing =
          result.outcome !== 'ok' &&
          (!RETRYABLE.has(result.outcome) || t.state.consecutiveFailures >= FAILING_AFTER);
        expect(t.card.failing).toBe(failing);
      }),
    );
  });

  it('a connection waiting for its user never gets a poll; a paused one never gets a poll', () => {
    fc.assert(
      fc.property(situationArb, resultArb, (situation, result) => {
        const t = afterRun(situation, result);
        if (t.kind === 'disconnect' || !t.armPoll) return;
        expect(t.state.syncEnabled).toBe(true);
        expect(t.state.stage).not.toBe('reconnect_required');
      }),
    );
  });

  it('after every run, exactly one of poll / retry / nothing-until-the-user follows while syncing', () => {
    fc.assert(
      fc.property(situationArb, resultArb, (situation, result) => {
        const t = afterRun(situation, result);
        if (t.kind === 'disconnect' || !situation.state.syncEnabled) return;
        const retryAfter =
          t.schedule.some((c) => c.op === 'add') ||
          (situation.retryPending && !t.schedule.some((c) => c.op === 'remove' && c.kinds.includes('retry')));
        const waitsForUser = t.state.stage === 'reconnect_required';
        // A connection that syncs is never left without its next run (the fleet defect's shape).
        expect([t.armPoll, retryAfter, waitsForUser].filter(Boolean).length).toBeGreaterThanOrEqual(1);
        if (t.armPoll) expect(retryAfter).toBe(false);
      }),
    );
  });
});
