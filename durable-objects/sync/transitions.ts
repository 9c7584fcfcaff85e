/**
 * The connection's sync state machine, pure: a finished run's outcome × where the connection stands →
 * the next machine state, the schedule changes, and the facts the user's card shows. The object
 * (calendar-connection.ts and sync/driver.ts) only applies what this returns, so every rule about
 * backoff, reconnect and failing is here, unit- and property-tested without a Durable Object
 * (test/node/sync-transitions.test.ts).
 */
import { RETRYABLE_CODES } from '../../worker/providers/errors.ts';
import type { ScheduleKind } from '../schedule-kinds.ts';
import type { MachineState } from '../storage.ts';
import { retryDelayMs } from '../timing.ts';
import type { RunResult } from './round.ts';

export type RunOutcome = RunResult['outcome'];

/** Consecutive retryable failures after which the card says "error" (retries go on underneath). */
export const FAILING_AFTER = 3;

/** Outcomes that back off and retry; everything else waits for the next poll or the user. */
export const RETRYABLE_OUTCOMES = RETRYABLE_CODES satisfies readonly RunOutcome[];

export type ScheduleChange =
  | { op: 'remove'; kinds: readonly ScheduleKind[] }
  | { op: 'add'; kind: 'retry'; dueAt: number };

/** What the card (`recordSyncOutcome`) learns from a run; the next planned time is added by the object. */
export interface CardFacts {
  ok: boolean;
  errorCode: string | null;
  /** The card says "error" (not "retrying"). */
  failing: boolean;
  lagMs?: number | null;
}

export type Transition =
  /** The connection row is gone (a cleanup that never reached the object): clear as disconnect does. */
  | { kind: 'disconnect' }
  | {
      kind: 'next';
      state: MachineState;
      /** Applied in order, before the poll is re-armed. */
      schedule: ScheduleChange[];
      /** The periodic poll is re-armed at the organization's interval. */
      armPoll: boolean;
      /** Null: the card is not written by this run (paused, or the refresher already asked to reconnect). */
      card: CardFacts | null;
    };

export interface Situation {
  state: MachineState;
  /** A retry row is pending (one scheduled before this run, not the one being handled). */
  retryPending: boolean;
  now: number;
  /** ∈ [0, 1): the jitter source of the retry delay. */
  random: number;
}

export function afterRun({ state, retryPending, now, random }: Situation, result: RunResult): Transition {
  const lastRunAt = new Date(now).toISOString();
  const cursorResets = state.cursorResets + result.cursorResets;
  const failures = state.consecutiveFailures + 1;
  const outcome = result.outcome;
  switch (outcome) {
    case 'ok':
      return {
        kind: 'next',
        state: {
          ...state,
          stage: 'idle',
          consecutiveFailures: 0,
          lastRunAt,
          lastErrorCode: null,
          cursorResets,
        },
        schedule: [{ op: 'remove', kinds: ['retry'] }],
        armPoll: state.syncEnabled,
        card: { ok: true, errorCode: null, failing: false, lagMs: result.lagMs },
      };
    case 'gone':
      return { kind: 'disconnect' };
    case 'paused':
      return {
        kind: 'next',
        state: { ...state, cursorResets },
        schedule: [],
        armPoll: waitsForPoll(state, retryPending),
        card: null,
      };
    case 'invalid_grant':
      // The refresher re-read the vault and retried with a rotated token before saying so; it also
      // marked the card. Nothing runs until the user reconnects.
      return {
        kind: 'next',
        state: { ...state, stage: 'reconnect_required', lastRunAt, lastErrorCode: outcome, cursorResets },
        schedule: [{ op: 'remove', kinds: ['poll', 'retry'] }],
        armPoll: false,
        card: null,
      };
    case 'temporary':
    case 'rate_limited':
    case 'quota_exceeded':
    case 'unauthorized':
    case 'unknown': {
      // No poll before the retry: Retry-After and a spent daily quota hold every run back.
      const delay = retryDelayMs(failures, random, result.retryAfterSeconds, outcome === 'quota_exceeded');
      return {
        kind: 'next',
        state: {
          ...state,
          stage: 'backoff',
          consecutiveFailures: failures,
          lastRunAt,
          lastErrorCode: outcome,
          cursorResets,
        },
        schedule: [
          { op: 'remove', kinds: ['poll'] },
          { op: 'add', kind: 'retry', dueAt: now + delay },
        ],
        armPoll: false,
        card: { ok: false, errorCode: outcome, failing: failures >= FAILING_AFTER },
      };
    }
    case 'invalid_client':
    case 'insufficient_scope':
    case 'cursor_expired':
    case 'not_found':
    case 'conflict':
    case 'not_configured':
    case 'not_attached': {
      // Not retried: the next poll (or the user, or an operator) fixes it; the card says "error".
      const next = {
        ...state,
        consecutiveFailures: failures,
        lastRunAt,
        lastErrorCode: outcome,
        cursorResets,
      };
      return {
        kind: 'next',
        state: next,
        schedule: [],
        armPoll: waitsForPoll(next, retryPending),
        card: { ok: false, errorCode: outcome, failing: true },
      };
    }
    default:
      return unreachable(outcome);
  }
}

/** The periodic poll follows a run while the connection syncs and no retry is the next run already. */
function waitsForPoll(state: MachineState, retryPending: boolean): boolean {
  return state.syncEnabled && state.stage !== 'reconnect_required' && !retryPending;
}

function unreachable(outcome: never): never {
  throw new Error(`unhandled run outcome ${String(outcome)}`);
}
