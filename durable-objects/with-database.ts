/** A short-lived database pool for one step of the connection object. */
import { Database } from '../db/tenant.ts';
import { describeError, log } from '../worker/log.ts';
import type { ObjectEnv } from './identity.ts';

/** A failure is logged and yields undefined: the callers' steps are best effort, retried by the next run. */
export async function withDatabase<T>(
  env: ObjectEnv,
  work: (db: Database) => Promise<T>,
  context: { correlationId: string; connectionId: string | null },
): Promise<T | undefined> {
  const database = new Database(env);
  try {
    return await work(database);
  } catch (error) {
    log('warn', 'connection object database step failed', {
      correlationId: context.correlationId,
      connection_id: context.connectionId,
      ...describeError(error),
    });
    return undefined;
  } finally {
    await database.close();
  }
}
