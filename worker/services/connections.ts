/**
 * Connection use cases that touch more than one of {database, vault, provider, Durable Object}:
 * the auto-sync toggle, "sync now" and disconnect. Routes call these and nothing below them.
 */
import {
  type ConnectionRow,
  deleteConnection,
  findVisibleConnection,
  setSyncEnabled as setSyncEnabledRow,
} from '../../db/queries/connections.ts';
import { busyInRange, eventTitles } from '../../db/queries/events.ts';
import type { RequestScope } from '../env.ts';
import { AppError, forbidden, notFound } from '../errors.ts';
import { describeError, log } from '../log.ts';
import { providerFor } from '../providers/index.ts';
import { revokeToken } from '../providers/oauth.ts';
import type { BusyKind } from '../sync/types.ts';
import { loadKeyring } from '../vault/keys.ts';
import { deleteCredentials, readCredential } from '../vault/store.ts';
import { connectionObject, identityOf, withAttachedObject } from './connection-object.ts';

/** Owner-only actions: a visible colleague's connection is 403, anything else 404. */
export async function ownConnection({ db, claims }: RequestScope, id: string): Promise<ConnectionRow> {
  const connection = await db.asTenant(claims, (tx) => findVisibleConnection(tx, id));
  if (!connection) throw notFound('Connection');
  if (connection.userId !== claims.sub) throw forbidden('Only the owner of a connection can change it');
  return connection;
}

export async function setSyncEnabled(
  scope: RequestScope,
  id: string,
  enabled: boolean,
): Promise<ConnectionRow> {
  const connection = await ownConnection(scope, id);
  const row = await scope.db.asTenant(scope.claims, (tx) => setSyncEnabledRow(tx, id, enabled));
  if (!row) throw notFound('Connection');
  await withAttachedObject(
    scope.env,
    id,
    scope.correlationId,
    (stub) => stub.setSyncEnabled(enabled, scope.correlationId),
    (r) => !r.attached,
    () => identityOf(connection),
  );
  return row;
}

/** "Sync now": the connection's object pulls its next poll forward. */
export async function requestSync(scope: RequestScope, id: string): Promise<{ requestedAt: string }> {
  const connection = await ownConnection(scope, id);
  // A paused connection runs no sync (the object drops the request): say so instead of "queued".
  if (!connection.syncEnabled)
    throw new AppError('conflict', 'Auto-sync is paused for this calendar: turn it on to sync', {
      reason: 'paused',
    });
  const receipt = await withAttachedObject(
    scope.env,
    id,
    scope.correlationId,
    (stub) => stub.requestSync('manual', scope.correlationId),
    (r) => !r.attached,
    () => identityOf(connection),
  );
  return { requestedAt: receipt.requestedAt };
}

/**
 * Disconnect: clear the object (stopping its channels), revoke at the provider (best effort: a failed
 * revocation must not keep the user connected here), delete the row (events cascade) and its vault credentials.
 */
export async function disconnect(scope: RequestScope, id: string): Promise<void> {
  const { env, db, claims, correlationId } = scope;
  const connection = await ownConnection(scope, id);
  // The object first: it stops its push channels, which needs the connection's token (a Google
  // channel left running calls the webhook for up to a week). A failure here must not keep the user connected.
  await connectionObject(env, id)
    .disconnect(correlationId)
    .catch((error: unknown) =>
      log('warn', 'durable object cleanup failed', {
        correlationId,
        connection_id: id,
        ...describeError(error),
      }),
    );
  const keyring = loadKeyring(env.CREDENTIAL_VAULT_KEYS);
  const credentialId = connection.refreshTokenCredentialId;
  const refreshToken = credentialId
    ? await db.asTenant(claims, (tx) => readCredential(tx, keyring, credentialId)).catch(() => undefined)
    : undefined;
  if (refreshToken) {
    const revoked = await revokeToken(providerFor(env, connection.provider), refreshToken);
    log('info', 'provider revocation', {
      correlationId,
      connection_id: id,
      provider: connection.provider,
      revoked,
    });
  }
  await db.asTenant(claims, async (tx) => {
    await deleteConnection(tx, id);
    await deleteCredentials(tx, [connection.accessTokenCredentialId, connection.refreshTokenCredentialId]);
  });
}

const UPCOMING_DAYS = 7;

/**
 * The card's "next 7 days": busy occurrences of the connection from the mirror (recurring series
 * already expanded by the sync), with titles where RLS shows the event (owner, view-all holders).
 */
export async function upcomingEvents(
  { db, claims }: RequestScope,
  id: string,
  nowMs: number,
): Promise<{
  from: string;
  to: string;
  events: Array<{ title: string | null; all_day: boolean; start: string; end: string; busy_kind: BusyKind }>;
}> {
  const from = new Date(nowMs);
  const to = new Date(nowMs + UPCOMING_DAYS * 86_400_000);
  return db.asTenant(claims, async (tx) => {
    const connection = await findVisibleConnection(tx, id);
    if (!connection) throw notFound('Connection');
    const busy = await busyInRange(tx, id, from, to);
    const titles = await eventTitles(
      tx,
      busy.map((row) => row.eventId),
    );
    return {
      from: from.toISOString(),
      to: to.toISOString(),
      events: busy.map((row) => ({
        title: titles.get(row.eventId) ?? null,
        all_day: row.allDay,
        start: row.allDay ? (row.startDate ?? '') : (row.startAt?.toISOString() ?? ''),
        end: row.allDay ? (row.endDate ?? '') : (row.endAt?.toISOString() ?? ''),
        busy_kind: row.busyKind,
      })),
    };
  });
}
