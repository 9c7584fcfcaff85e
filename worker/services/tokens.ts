/**
 * getFreshCalendarAccessToken: the only way code gets a provider access token. It always goes through
 * the connection's Durable Object, which serializes refresh.
 */
import { findVisibleConnection } from '../../db/queries/connections.ts';
import { Database } from '../../db/tenant.ts';
import type { AccessTokenResult } from '../../durable-objects/calendar-connection.ts';
import type { Env } from '../env.ts';
import { ProviderError } from '../providers/errors.ts';
import type { Provider } from '../providers/index.ts';
import { identityOf, withAttachedObject } from './connection-object.ts';

export async function getFreshCalendarAccessToken(
  env: Env,
  connection: { id: string; organizationId: string; userId: string; provider?: Provider },
  correlationId: string = crypto.randomUUID(),
): Promise<string> {
  const result = await withAttachedObject<AccessTokenResult>(
    env,
    connection.id,
    correlationId,
    async (stub) => (await stub.getAccessToken(correlationId)) as AccessTokenResult,
    (r) => !r.ok && r.code === 'not_attached',
    async () =>
      identityOf({ ...connection, provider: connection.provider ?? (await providerOf(env, connection)) }),
  );
  if (!result.ok)
    throw new ProviderError(
      result.code === 'not_found' || result.code === 'not_attached' ? 'not_found' : result.code,
      result.message,
    );
  return result.accessToken;
}

/** The provider of a connection, read under its owner's claims (RLS). */
async function providerOf(
  env: Env,
  connection: { id: string; organizationId: string; userId: string },
): Promise<Provider> {
  const database = new Database(env);
  try {
    const claims = { sub: connection.userId, org_id: connection.organizationId, roles: [], permissions: [] };
    const row = await database.asTenant(claims, (tx) => findVisibleConnection(tx, connection.id));
    if (!row) throw new ProviderError('not_found', 'connection not found');
    return row.provider;
  } finally {
    await database.close();
  }
}
