/**
 * The push record and counters in the object's storage (keys `push`, `pushCounters`; schemas in
 * storage.ts, meanings in docs/object-storage.md): read, created on first use, updated whole.
 */
import type { ObjectStorage, StorageKey, Stored } from '../storage.ts';
import { newChannelKey } from './channel-ref.ts';

export const PUSH_KEY = 'push' as const satisfies StorageKey;
export const PUSH_COUNTERS_KEY = 'pushCounters' as const satisfies StorageKey;

/**
 * The connection's channel (with the highest Google message number seen on it), the one being opened
 * (its sync message may arrive before the provider's answer), replaced Google channels until they
 * expire, the HMAC key of the channel secrets (channel-ref.ts), the provider's clock skew, failures in
 * a row, Graph notification ids seen lately, and the delivery watch (plan.ts).
 */
export type PushRecord = Stored<'push'>;
export type StoredChannel = NonNullable<PushRecord['channel']>;

/**
 * accepted; rejected (secret did not verify, or the ref names another connection); ignored (verified
 * but without effect: replay, stale channel, paused connection); opened, renewed, recreated, stopped,
 * failures (channel calls).
 */
export type PushCounters = Required<Stored<'pushCounters'>>;

const ZERO_COUNTERS: PushCounters = {
  accepted: 0,
  rejected: 0,
  ignored: 0,
  opened: 0,
  renewed: 0,
  recreated: 0,
  stopped: 0,
  failures: 0,
};

export class PushStore {
  constructor(private readonly storage: ObjectStorage) {}

  /** The record as stored, or undefined when push never ran here (nothing is created). */
  read(): Promise<PushRecord | undefined> {
    return this.storage.read(PUSH_KEY);
  }

  /** The record, created (with a fresh HMAC key) on first use. */
  async record(): Promise<PushRecord> {
    const stored = await this.read();
    if (stored) return stored;
    const fresh: PushRecord = {
      key: newChannelKey(),
      channel: null,
      opening: null,
      retired: [],
      skewMs: 0,
      consecutiveFailures: 0,
      seen: [],
      lastNotificationAt: null,
      previousRunStartedAt: null,
      silentRuns: 0,
    };
    await this.storage.write(PUSH_KEY, fresh);
    return fresh;
  }

  async save(update: (record: PushRecord) => PushRecord): Promise<PushRecord> {
    const next = update(await this.record());
    await this.storage.write(PUSH_KEY, next);
    return next;
  }

  async counters(): Promise<PushCounters> {
    return { ...ZERO_COUNTERS, ...(await this.storage.read(PUSH_COUNTERS_KEY)) };
  }

  async count(name: keyof PushCounters): Promise<void> {
    const current = await this.counters();
    await this.storage.write(PUSH_COUNTERS_KEY, { ...current, [name]: current[name] + 1 });
  }
}
