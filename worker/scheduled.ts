/**
 * Cron Trigger entry: removes expired OAuth states and meeting Idempotency-Keys, then runs the vault backfill across all
 * organizations, batch by batch, until none remain or the time budget is spent; the next run
 * continues. Each batch runs under RLS with one organization's backfill claims. The two jobs fail
 * independently: one's error is logged and the other still runs.
 */
import { purgeExpiredMeetingKeys } from '../db/queries/meetings.ts';
import { purgeExpiredOAuthStates } from '../db/queries/system.ts';
import { Database } from '../db/tenant.ts';
import type { Env } from './env.ts';
import { describeError, log } from './log.ts';
import { runBackfillCron } from './services/backfill.ts';
import { loadKeyring } from './vault/keys.ts';

/** Well under the Cron Trigger's wall-clock limit, leaving room for the last batch. */
export const CRON_BUDGET_MS = 20_000;

export async function handleScheduled(
  controller: ScheduledController,
  env: Env,
  budgetMs = CRON_BUDGET_MS,
): Promise<void> {
  const correlationId = crypto.randomUUID();
  const started = Date.now();
  const database = new Database(env);
  try {
    const removed = await database.asSystem((tx) => purgeExpiredOAuthStates(tx));
    log('info', 'cron tick', {
      correlationId,
      cron: controller.cron,
      scheduled_time: controller.scheduledTime,
      job: 'oauth_state_cleanup',
      removed,
    });
  } catch (error) {
    log('error', 'cron job failed', {
      correlationId,
      cron: controller.cron,
      job: 'oauth_state_cleanup',
      ...describeError(error),
    });
  }
  try {
    const removed = await database.asSystem((tx) => purgeExpiredMeetingKeys(tx));
    log('info', 'cron tick', {
      correlationId,
      cron: controller.cron,
      scheduled_time: controller.scheduledTime,
      job: 'meeting_key_cleanup',
      removed,
    });
  } catch (error) {
    log('error', 'cron job failed', {
      correlationId,
      cron: controller.cron,
      job: 'meeting_key_cleanup',
      ...describeError(error),
    });
  }
  try {
    const totals = await runBackfillCron(database, loadKeyring(env.CREDENTIAL_VAULT_KEYS), budgetMs);
    log('info', 'cron tick', {
      correlationId,
      cron: controller.cron,
      scheduled_time: controller.scheduledTime,
      job: 'vault_backfill',
      ...totals,
      duration_ms: Date.now() - started,
    });
  } catch (error) {
    log('error', 'cron job failed', {
      correlationId,
      cron: controller.cron,
      job: 'vault_backfill',
      ...describeError(error),
    });
  } finally {
    await database.close();
  }
}
