/**
 * The Cron Trigger's housekeeping (issue 12 item 6): expired OAuth states are removed once they are
 * past the grace period; states still valid, or expired only moments ago (a late callback still gets
 * "state_expired"), stay.
 */
import { createExecutionContext, createScheduledController, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import worker from '../../worker/index.ts';
import { ALICE, ORG_A, ownerQuery } from './helpers.ts';

async function insertState(label: string, expiresIn: string): Promise<string> {
  const hash = `cron-${label}-${crypto.randomUUID()}`;
  await ownerQuery(sql`insert into ce_calendar_oauth_states
      (organization_id, user_id, provider, state_hash, code_verifier, expires_at)
    values (${ORG_A}, ${ALICE}, 'google', ${hash}, 'verifier', now() + ${expiresIn}::interval)`);
  return hash;
}

async function runCron(): Promise<void> {
  const ctx = createExecutionContext();
  worker.scheduled(createScheduledController({ scheduledTime: new Date(), cron: '*/5 * * * *' }), env, ctx);
  await waitOnExecutionContext(ctx);
}

describe('cron housekeeping', () => {
  it('removes OAuth states expired past the grace period and keeps the others', async () => {
    const old = await insertState('old', '-2 hours');
    const consumedOld = await insertState('consumed-old', '-3 days');
    await ownerQuery(
      sql`update ce_calendar_oauth_states set consumed_at = now() - interval '3 days' where state_hash = ${consumedOld}`,
    );
    const recent = await insertState('recent', '-5 minutes');
    const fresh = await insertState('fresh', '10 minutes');

    await runCron();

    const left = await ownerQuery<{ state_hash: string }>(
      sql`select state_hash from ce_calendar_oauth_states where state_hash in (${old}, ${consumedOld}, ${recent}, ${fresh})`,
    );
    expect(left.map((r) => r.state_hash).sort()).toEqual([fresh, recent].sort());
  });
});
