/**
 * The connection object's parts, built once per instance and wired to each other: typed storage,
 * machine state, schedule, counters, tokens, cursor bookkeeping, push, meetings, the write lock and
 * the sync driver. The class (calendar-connection.ts) keeps only the RPC surface and the handlers.
 */
import { providerFor } from '../worker/providers/index.ts';
import { Counters } from './counters.ts';
import type { ConnectionIdentity, ObjectEnv } from './identity.ts';
import { ConnectionMachine } from './machine.ts';
import { MeetingDesk } from './meetings/desk.ts';
import { WriteLock } from './meetings/write-lock.ts';
import { PushChannels } from './push/channels.ts';
import { Schedule } from './schedule.ts';
import { ObjectStorage } from './storage.ts';
import { CursorBaseline } from './sync/baseline.ts';
import { SyncDriver } from './sync/driver.ts';
import { TokenRefresher } from './token-refresher.ts';

export interface ObjectParts {
  store: ObjectStorage;
  machine: ConnectionMachine;
  schedule: Schedule;
  counters: Counters;
  tokens: TokenRefresher;
  baseline: CursorBaseline;
  /** Push channels (durable-objects/push/): open, renew, stop, verify notifications. */
  push: PushChannels;
  /** Meetings (issue 15, durable-objects/meetings/): creates, changes, cancels, reminders, the outbox. */
  meetings: MeetingDesk;
  /** Single writer of the calendar: sync runs and meeting writes never interleave. */
  writer: WriteLock;
  sync: SyncDriver;
}

/** What the parts call back into the object for. */
export interface ObjectHooks {
  armAlarm(): Promise<void>;
  disconnect(correlationId: string): Promise<void>;
}

export function assembleParts(
  storage: DurableObjectStorage,
  env: ObjectEnv,
  hooks: ObjectHooks,
): ObjectParts {
  const store = new ObjectStorage(storage);
  const machine = new ConnectionMachine(store);
  const schedule = new Schedule(storage.sql);
  const tokens = new TokenRefresher(env, store);
  const baseline = new CursorBaseline(store);
  const writer = new WriteLock();
  const accessToken = (identity: ConnectionIdentity, correlationId: string, force: boolean) =>
    tokens.get(identity, correlationId, force);
  const meetings = new MeetingDesk({
    env,
    storage: store,
    schedule,
    armAlarm: hooks.armAlarm,
    accessToken,
    provider: (identity) => providerFor(env, identity.provider),
  });
  const push = new PushChannels({ env, storage: store, schedule, accessToken });
  const sync = new SyncDriver({
    env,
    machine,
    schedule,
    baseline,
    tokens,
    writer,
    push,
    meetings,
    disconnect: hooks.disconnect,
  });
  return {
    store,
    machine,
    schedule,
    counters: new Counters(store),
    tokens,
    baseline,
    push,
    meetings,
    writer,
    sync,
  };
}
