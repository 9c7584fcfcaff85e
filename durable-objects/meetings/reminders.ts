/**
 * Meeting reminders inside the connection object (issue 15; issue 20 §2). A reminder belongs to a
 * start: it is planned when a meeting is created and when its start moves (never for an end-only
 * change; reminder-plan.ts), delivered once by a conditional UPDATE, and the object's single
 * `reminder` schedule row always points at the connection's next unsent one.
 */
import {
  deliverDueReminders,
  nextReminderAt,
  withdrawConnectionReminders,
} from '../../db/queries/notifications.ts';
import type { Database } from '../../db/tenant.ts';
import { log } from '../../worker/log.ts';
import { type ConnectionIdentity, claimsOf } from '../identity.ts';
import type { DeskContext } from './context.ts';

export class MeetingReminders {
  constructor(private readonly context: DeskContext) {}

  /** Schedule kind `reminder`: delivers the due reminders (once: a conditional UPDATE), plans the next. */
  async deliver(db: Database, identity: ConnectionIdentity, correlationId: string): Promise<string> {
    const sent = await db.asTenant(claimsOf(identity), (tx) =>
      deliverDueReminders(tx, identity.connectionId, new Date()),
    );
    await this.replan(db, identity);
    if (sent > 0)
      log('info', 'meeting reminders delivered', {
        correlationId,
        connection_id: identity.connectionId,
        sent,
      });
    return `reminders ${sent}`;
  }

  /**
   * The calendar was disconnected (its rows are gone with the connection): nothing will deliver its
   * unsent reminders any more, so they are withdrawn. Returns how many.
   */
  withdrawAll(db: Database, identity: ConnectionIdentity): Promise<number> {
    return db.asTenant(claimsOf(identity), (tx) => withdrawConnectionReminders(tx, identity.connectionId));
  }

  /** Points the object's single `reminder` row at the connection's next unsent reminder. */
  async replan(db: Database, identity: ConnectionIdentity): Promise<void> {
    const next = await db.asTenant(claimsOf(identity), (tx) => nextReminderAt(tx, identity.connectionId));
    await this.schedule(next);
  }

  /** The `reminder` row for `next` (epoch ms; null: none), read by the caller in its own transaction. */
  async schedule(next: number | null): Promise<void> {
    this.context.schedule.removeKinds(['reminder']);
    if (next !== null) this.context.schedule.schedule('reminder', Math.max(next, Date.now()), {});
    await this.context.armAlarm();
  }
}
