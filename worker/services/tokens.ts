/**
 * getFreshCalendarAccessToken: the only way code gets a provider access token. It always goes through
 * the connection's Durable Object, which serializes refresh.
 */
import type { ConnectionRow } from '../../db/queries/connections.ts';
import type { Env } from '../env.ts';
import { ProviderError } from '../providers/errors.ts';
import { connectionObject } from './connection-object.ts';

export async function getFreshCalendarAccessToken(
  env: Env,
  connection: Pick<ConnectionRow, 'id' | 'organizationId' | 'userId'>,
): Promise<string> {
  const result = await connectionObject(env, connection.id).getAccessToken({
    connectionId: connection.id,
    organizationId: connection.organizationId,
    userId: connection.userId,
  });
  if (!result.ok)
    throw new ProviderError(result.code === 'not_found' ? 'not_found' : result.code, result.message);
  return result.accessToken;
}
