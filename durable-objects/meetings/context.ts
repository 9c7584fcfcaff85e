/**
 * What the meeting parts (desk, outbox, reminders) get from the connection object that hosts them:
 * its environment and storage, its schedule and alarm, the connection's token and its provider.
 */
import type { CalendarProvider } from '../../worker/providers/types.ts';
import type { ConnectionIdentity, ObjectEnv } from '../identity.ts';
import type { Schedule } from '../schedule.ts';
import type { ObjectStorage } from '../storage.ts';
import type { AccessTokenResult } from '../token-refresher.ts';

export interface DeskContext {
  env: ObjectEnv;
  /** The object's typed storage (storage.ts): key `hasMeetings`. */
  storage: ObjectStorage;
  schedule: Schedule;
  armAlarm(): Promise<void>;
  accessToken(
    identity: ConnectionIdentity,
    correlationId: string,
    force: boolean,
  ): Promise<AccessTokenResult>;
  provider(identity: ConnectionIdentity): CalendarProvider;
}
