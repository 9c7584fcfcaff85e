/**
 * Cron Trigger entry. Jobs are fanned out here; each job runs under RLS with an organization's
 * claims. The vault backfill job arrives with its issue; for now the tick is logged with a
 * correlationId so operators can see the trigger fire.
 */
import type { Env } from './env.ts';
import { log } from './log.ts';

export async function handleScheduled(controller: ScheduledController, _env: Env): Promise<void> {
  const correlationId = crypto.randomUUID();
  log('info', 'cron tick', {
    correlationId,
    cron: controller.cron,
    scheduled_time: controller.scheduledTime,
  });
}
