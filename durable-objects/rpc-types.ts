/** What the connection object's RPC methods answer (calendar-connection.ts), apart from their modules' own types. */
import type { ScheduleKind } from './schedule-kinds.ts';
import type { MachineState } from './storage.ts';

/** `attached: false`: the object does not know its connection yet; the caller attaches it and retries. */
export interface Attachment {
  attached: boolean;
}

export interface SyncRequestReceipt extends Attachment {
  /** When the next sync runs (a pending earlier poll is kept); null when not attached. */
  dueAt: string | null;
  requestedAt: string;
}

export interface ConnectionObjectStatus extends MachineState {
  attached: boolean;
  connectionId: string | null;
  nextAlarmAt: string | null;
  schedule: Array<{ kind: ScheduleKind; dueAt: string }>;
}
