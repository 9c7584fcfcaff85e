/** The Durable Object of a connection (one per connection id) and what it needs to act for it. */
import type { ConnectionRow } from '../../db/queries/connections.ts';
import type { SyncTarget } from '../../durable-objects/calendar-connection.ts';
import type { Env } from '../env.ts';

export const connectionObject = (env: Env, connectionId: string) =>
  env.CALENDAR_CONNECTION.get(env.CALENDAR_CONNECTION.idFromName(connectionId));

export const syncTargetOf = (
  connection: Pick<ConnectionRow, 'id' | 'organizationId' | 'userId' | 'provider'>,
): SyncTarget => ({
  connectionId: connection.id,
  organizationId: connection.organizationId,
  userId: connection.userId,
  provider: connection.provider,
});
