/** A short-lived database pool for one step of the connection object, closed when the step ends. */
import { Database } from '../db/tenant.ts';
import { describeError, log } from '../worker/log.ts';
import type { ObjectEnv } from './identity.ts';

/** The step's failure reaches the caller (meeting RPCs answer it; push turns it into a retry). */
export async function usingDatabase<T>(env: ObjectEnv, work: (db: Database) => Promise<T>): Promise<T> {
  const database = new Database(env);
  try {
    return await work(database);
  } finally {
    await database.close();
  }
}

/** A failure is logged and yields undefined: the callers' steps are best effort, retried by the next run. */
export async function withDatabase<T>(
  env: ObjectEnv,
  work: (db: Database) => Promise<T>,
  context: { correlationId: string; connectionId: string | null },
): Promise<T | undefined> {
  try {
    return await usingDatabase(env, work);
  } catch (error) {
    log('warn', 'connection object database step failed', {
      correlationId: context.correlationId,
      connection_id: context.connectionId,
      ...describeError(error),
    });
    return undefined;
  }
}
