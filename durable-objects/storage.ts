/**
 * The connection object's key–value storage, typed and versioned (docs/object-storage.md lists every
 * key and table). Each key has one zod schema here; a read parses what is stored, so no caller casts
 * and a value another version wrote in another shape never travels further as if it were right. A
 * value that does not parse is logged by key (never by content: some hold sealed secrets) and read
 * as absent, which every caller already handles (the object re-attaches, counters restart at zero).
 *
 * `STORAGE_VERSION` names the layout; `migrate()` runs once per object start, inside the constructor's
 * blockConcurrencyWhile, and brings an older layout up to date step by step.
 */
import { z } from 'zod';
import { log } from '../worker/log.ts';
import { PROVIDERS } from '../worker/providers/index.ts';
import { SCHEDULE_KINDS } from './schedule-kinds.ts';

const epochMs = z.number().int();

const identity = z.object({
  connectionId: z.string().min(1),
  organizationId: z.string().min(1),
  userId: z.string().min(1),
  /** The one provider list (the adapter registry): an identity naming another provider reads as absent. */
  provider: z.enum(PROVIDERS),
});

/** Where the connection's sync stands (the object's machine state, not the user-facing badge). */
export const SYNC_STAGES = ['waiting_first_run', 'idle', 'backoff', 'reconnect_required'] as const;

/** Defaults fill fields an older layout did not store (the first objects had no `cursorResets`). */
const machineState = z.object({
  syncEnabled: z.boolean().default(true),
  stage: z.enum(SYNC_STAGES).default('waiting_first_run'),
  consecutiveFailures: z.number().int().nonnegative().default(0),
  lastRunAt: z.string().nullable().default(null),
  lastErrorCode: z.string().nullable().default(null),
  /** Times the provider said the sync cursor expired (filled by the sync engine). */
  cursorResets: z.number().int().nonnegative().default(0),
});

/** Operational counters, read by tests through the test seam; not part of the RPC surface. */
const counters = z.object({
  alarmRuns: z.number().int().nonnegative().default(0),
  syncRequests: z.number().int().nonnegative().default(0),
  /** The last 20 handled rows, oldest first. */
  handled: z.array(z.object({ kind: z.enum(SCHEDULE_KINDS), at: epochMs, outcome: z.string() })).default([]),
});

const sealed = z.object({ ciphertext: z.string(), iv: z.string(), keyVersion: z.number().int() });

const channel = z.object({
  channelRef: z.string(),
  providerId: z.string(),
  resourceId: z.string(),
  expiresAtMs: z.number(),
  providerNowMs: z.number(),
  lastSequence: z.number(),
});

const pushRecord = z.object({
  key: z.string(),
  channel: channel.nullable(),
  opening: z.string().nullable(),
  openingSince: z.number().optional(),
  openingSequence: z.number().optional(),
  retired: z.array(channel),
  skewMs: z.number(),
  consecutiveFailures: z.number().int().nonnegative(),
  seen: z.array(z.string()),
  lastNotificationAt: z.number().nullable(),
  previousRunStartedAt: z.number().nullable(),
  silentRuns: z.number().int().nonnegative(),
});

const pushCounters = z.object({
  accepted: z.number(),
  rejected: z.number(),
  ignored: z.number(),
  opened: z.number(),
  renewed: z.number(),
  recreated: z.number(),
  stopped: z.number(),
  failures: z.number(),
});

/** Every key the object stores, with its schema (meanings: docs/object-storage.md). */
const SHAPES = {
  identity,
  state: machineState,
  counters,
  /** Start of the horizon the busy table was last derived for. */
  busyHorizonStart: epochMs,
  /** Start and window end of the full round that founded the current cursor. */
  cursorBaseline: z.object({ startedAtMs: epochMs, windowEndMs: epochMs }),
  /** When Graph said notifications were lost: a full round is owed until one starts after it. */
  fullRoundOwedAt: epochMs,
  /** A rotated refresh token, sealed, until Postgres has it. */
  pendingRefreshToken: sealed,
  push: pushRecord,
  pushCounters: pushCounters.partial(),
  /** This connection has meetings: a sync run re-plans reminders afterwards. */
  hasMeetings: z.boolean(),
  /** Event ids verified notifications named, until a round returned or re-read them (push/named-events.ts). */
  pushNamedEvents: z.array(z.object({ id: z.string(), at: epochMs })),
} as const;

export type StorageKey = keyof typeof SHAPES;
export type Stored<K extends StorageKey> = z.output<(typeof SHAPES)[K]>;
/** The same schemas, typed per key so a generic read needs no cast. */
const SCHEMAS: { [K in StorageKey]: z.ZodType<Stored<K>, unknown> } = SHAPES;
/** In the order docs/object-storage.md lists them; the check below keeps the list and SHAPES in step. */
export const STORAGE_KEYS = [
  'identity',
  'state',
  'counters',
  'busyHorizonStart',
  'cursorBaseline',
  'fullRoundOwedAt',
  'pendingRefreshToken',
  'push',
  'pushCounters',
  'hasMeetings',
  'pushNamedEvents',
] as const satisfies readonly StorageKey[];
type Missing = Exclude<StorageKey, (typeof STORAGE_KEYS)[number]>;
const everyKeyListed: [Missing] extends [never] ? true : Missing = true;
void everyKeyListed;

export type MachineState = Stored<'state'>;
export type SyncStage = MachineState['stage'];
export type ObjectCounters = Stored<'counters'>;
export type SealedRefreshToken = Stored<'pendingRefreshToken'>;

/** The layout this code writes. Layout 1 (no version key) is what sessions 1–3 wrote. */
export const STORAGE_VERSION = 2;
const VERSION_KEY = 'storageVersion';

/**
 * One step per layout change: `to` is the version it produces. Steps only ever move forward; an
 * object that finds a newer version than this code knows (a rollback) reads on, values that no
 * longer parse read as absent.
 */
const MIGRATIONS: ReadonlyArray<{ to: number; run(storage: ObjectStorage): Promise<void> }> = [
  {
    // 1 → 2: the layout gained a version key and schemas. The machine state is stored complete
    // (defaults for what layout 1 left out); a value that does not parse is dropped now, once,
    // instead of being skipped (and logged) on every read.
    to: 2,
    async run(storage) {
      for (const key of STORAGE_KEYS) {
        const value = await storage.read(key);
        if (value === undefined) await storage.remove(key);
        else if (key === 'state') await storage.write('state', machineState.parse(value));
      }
    },
  },
];

export const INITIAL_STATE: MachineState = machineState.parse({});
export const EMPTY_COUNTERS: ObjectCounters = counters.parse({});

/** The part of DurableObjectStorage this module uses (structural: pure tests pass a Map-backed one). */
export interface KeyValueStorage {
  get(key: string): Promise<unknown>;
  put(key: string, value: unknown): Promise<void>;
  delete(key: string): Promise<boolean>;
  deleteAll(): Promise<void>;
}

export class ObjectStorage {
  constructor(private readonly storage: KeyValueStorage) {}

  /** The stored value, parsed; absent or unreadable (logged) → undefined. */
  async read<K extends StorageKey>(key: K): Promise<Stored<K> | undefined> {
    const raw = await this.raw(key);
    if (raw === undefined) return undefined;
    const parsed = SCHEMAS[key].safeParse(raw);
    if (parsed.success) return parsed.data;
    log('warn', 'object storage value unreadable', {
      correlationId: crypto.randomUUID(),
      key,
      // Paths only: values may be sealed secrets or attendee data.
      issues: parsed.error.issues.map((issue) => issue.path.join('.') || '(root)'),
    });
    return undefined;
  }

  async write<K extends StorageKey>(key: K, value: Stored<K>): Promise<void> {
    await this.storage.put(key, value);
  }

  async remove(key: StorageKey): Promise<void> {
    await this.storage.delete(key);
  }

  /** Everything: keys, the schedule table, the alarm stays the caller's (disconnect deletes it first). */
  async clear(): Promise<void> {
    await this.storage.deleteAll();
  }

  /**
   * Brings an older layout up to date. An object that never stored anything (no identity: a forged
   * webhook names any id it likes) is left empty; the version is stamped by `stampVersion` on attach.
   */
  async migrate(): Promise<void> {
    const stored = await this.raw(VERSION_KEY);
    const version = typeof stored === 'number' ? stored : (await this.raw('identity')) === undefined ? 0 : 1;
    if (version === 0 || version >= STORAGE_VERSION) return;
    for (const step of MIGRATIONS) {
      if (step.to <= version) continue;
      await step.run(this);
      await this.storage.put(VERSION_KEY, step.to);
      log('info', 'object storage migrated', { correlationId: crypto.randomUUID(), to: step.to });
    }
  }

  /** Attach writes the first value of an object: it is born in the current layout. */
  async stampVersion(): Promise<void> {
    await this.storage.put(VERSION_KEY, STORAGE_VERSION);
  }

  /** The unparsed value: the version key, and migrations (their input is an older shape by definition). */
  async raw(key: string): Promise<unknown> {
    return this.storage.get(key);
  }
}
