/**
 * The Durable Object of a connection (one per connection id). Objects of connections made before
 * objects stored their identity (legacy rows, the backfill) are attached on first use, from a row
 * the caller could read under RLS — so the identity still comes from Postgres, never from a client.
 */
import type { ConnectionRow } from '../../db/queries/connections.ts';
import type { ConnectionIdentity } from '../../durable-objects/calendar-connection.ts';
import type { Env } from '../env.ts';

export type ConnectionObject = ReturnType<typeof connectionObject>;

export const connectionObject = (env: Pick<Env, 'CALENDAR_CONNECTION'>, connectionId: string) =>
  env.CALENDAR_CONNECTION.get(env.CALENDAR_CONNECTION.idFromName(connectionId));

export const identityOf = (
  connection: Pick<ConnectionRow, 'id' | 'organizationId' | 'userId' | 'provider'>,
): ConnectionIdentity => ({
  connectionId: connection.id,
  organizationId: connection.organizationId,
  userId: connection.userId,
  provider: connection.provider,
});

/**
 * Calls `rpc` on the connection's object; when the object answers that it is not attached yet,
 * attaches it with `identity()` (only then computed) and calls once more.
 */
export async function withAttachedObject<T>(
  env: Pick<Env, 'CALENDAR_CONNECTION'>,
  connectionId: string,
  correlationId: string,
  rpc: (stub: ConnectionObject) => Promise<T>,
  notAttached: (result: T) => boolean,
  identity: () => ConnectionIdentity | Promise<ConnectionIdentity>,
): Promise<T> {
  const stub = connectionObject(env, connectionId);
  const first = await rpc(stub);
  if (!notAttached(first)) return first;
  await stub.attach(await identity(), correlationId);
  return rpc(stub);
}
