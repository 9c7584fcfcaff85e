/**
 * Cron Trigger entry: removes expired OAuth states and meeting Idempotency-Keys, then runs the vault backfill across all
 * organizations, batch by batch, until none remain or the time budget is spent; the next run
 * continues. Each batch runs under RLS with one organization's backfill claims. The jobs fail
 * independently: one's error is logged and the others still run.
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
  /** One job: its figures in a `cron tick` line, or its error in a `cron job failed` line (the next job still runs). */
  const run = async (job: string, work: () => Promise<Record<string, unknown>>) => {
    try {
      const figures = await work();
      log('info', 'cron tick', {
        correlationId,
        cron: controller.cron,
        scheduled_time: controller.scheduledTime,
        job,
        ...figures,
      });
    } catch (error) {
      log('error', 'cron job failed', { correlationId, cron: controller.cron, job, ...describeError(error) });
    }
  };
  try {
    await run('oauth_state_cleanup', async () => ({
      removed: await database.asSystem((tx) => purgeExpiredOAuthStates(tx)),
    }));
    await run('meeting_key_cleanup', async () => ({
      removed: await database.asSystem((tx) => purgeExpiredMeetingKeys(tx)),
    }));
    await run('vault_backfill', async () => ({
      ...(await runBackfillCron(database, loadKeyring(env.CREDENTIAL_VAULT_KEYS), budgetMs)),
      duration_ms: Date.now() - started,
    }));
  } finally {
    await database.close();
  }
}
