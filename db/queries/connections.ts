/** Calendar connections: typed queries inside a tenant transaction (RLS decides visibility). */
import { and, asc, count, desc, eq, ilike, type SQL, sql } from 'drizzle-orm';
import { ceCalendarConnections, type ProviderName } from '../schema.ts';
import type { TenantTx } from '../tenant.ts';

export type ConnectionRow = typeof ceCalendarConnections.$inferSelect;

/** The connection if the caller may see it (owner, or view-all within the org); else undefined. */
export async function findVisibleConnection(tx: TenantTx, id: string): Promise<ConnectionRow | undefined> {
  const [row] = await tx
    .select()
    .from(ceCalendarConnections)
    .where(eq(ceCalendarConnections.id, id))
    .limit(1);
  return row;
}

/** Card filters: one badge (see worker/services/connection-badge.ts), or `attention` = Error + Reconnect. */
export type ConnectionFilter = 'attention' | 'reconnect' | 'error' | 'paused' | 'waiting' | 'syncing';

const c = ceCalendarConnections;
const NEEDS_USER = sql`${c.syncStatus} in ('reconnect_required', 'error')`;
/** The same precedence as connectionBadge(): what needs the user first, then paused, then the rest. */
const FILTERS: Record<ConnectionFilter, SQL> = {
  attention: NEEDS_USER,
  reconnect: sql`${c.syncStatus} = 'reconnect_required'`,
  error: sql`${c.syncStatus} = 'error'`,
  paused: sql`not ${NEEDS_USER} and not ${c.syncEnabled}`,
  waiting: sql`not ${NEEDS_USER} and ${c.syncEnabled} and ${c.lastSyncAt} is null`,
  syncing: sql`not ${NEEDS_USER} and ${c.syncEnabled} and ${c.lastSyncAt} is not null`,
};

export interface ConnectionPageQuery {
  filter?: ConnectionFilter | undefined;
  /** Case-insensitive substring of the account email. */
  search?: string | undefined;
  offset: number;
  limit: number;
}

/**
 * One page of the cards the caller may see (RLS), Reconnect and Error first so an admin sees what
 * needs action, then newest first; `total` counts every match.
 */
export async function pageVisibleConnections(
  tx: TenantTx,
  query: ConnectionPageQuery,
): Promise<{ rows: ConnectionRow[]; total: number }> {
  const escaped = query.search?.replace(/[\\%_]/g, (ch) => `\\${ch}`);
  const where = and(
    query.filter ? FILTERS[query.filter] : undefined,
    escaped ? ilike(c.accountEmail, `%${escaped}%`) : undefined,
  );
  const rows = await tx
    .select()
    .from(c)
    .where(where)
    .orderBy(
      sql`case ${c.syncStatus} when 'reconnect_required' then 0 when 'error' then 1 else 2 end`,
      desc(c.createdAt),
      asc(c.id),
    )
    .offset(query.offset)
    .limit(query.limit);
  const [counted] = await tx.select({ total: count() }).from(c).where(where);
  return { rows, total: counted?.total ?? 0 };
}

export interface ConnectedAccount {
  organizationId: string;
  userId: string;
  provider: ProviderName;
  accountEmail: string;
  gwsConnectionId: string | null;
  accessTokenCredentialId: string;
  refreshTokenCredentialId: string | null;
  tokenExpiresAt: Date;
}

/**
 * Creates the connection, or re-activates the existing one for the same account (reconnect), and
 * returns it with the credential ids it replaced (to be deleted by the caller in the same transaction).
 */
export async function upsertConnectedAccount(
  tx: TenantTx,
  account: ConnectedAccount,
): Promise<{ connection: ConnectionRow; replacedCredentialIds: string[] }> {
  const [existing] = await tx
    .select()
    .from(ceCalendarConnections)
    .where(
      and(
        eq(ceCalendarConnections.userId, account.userId),
        eq(ceCalendarConnections.provider, account.provider),
        eq(ceCalendarConnections.accountEmail, account.accountEmail),
      ),
    )
    .limit(1)
    .for('update');
  const values = {
    gwsConnectionId: account.gwsConnectionId,
    accessTokenCredentialId: account.accessTokenCredentialId,
    refreshTokenCredentialId: account.refreshTokenCredentialId,
    tokenExpiresAt: account.tokenExpiresAt,
    syncStatus: 'syncing' as const,
    syncEnabled: true,
    lastErrorCode: null,
    accessTokenEncrypted: null,
    refreshTokenEncrypted: null,
    migrationRequired: false,
    updatedAt: sql`now()`,
  };
  if (existing) {
    const [connection] = await tx
      .update(ceCalendarConnections)
      .set(values)
      .where(eq(ceCalendarConnections.id, existing.id))
      .returning();
    if (!connection) throw new Error('reconnect update returned no row');
    const replaced = [existing.accessTokenCredentialId, existing.refreshTokenCredentialId].filter(
      (id): id is string => Boolean(id),
    );
    return { connection, replacedCredentialIds: replaced };
  }
  const [connection] = await tx
    .insert(ceCalendarConnections)
    .values({
      organizationId: account.organizationId,
      userId: account.userId,
      provider: account.provider,
      accountEmail: account.accountEmail,
      ...values,
    })
    .returning();
  if (!connection) throw new Error('connection insert returned no row');
  return { connection, replacedCredentialIds: [] };
}

export async function setSyncEnabled(
  tx: TenantTx,
  id: string,
  enabled: boolean,
): Promise<ConnectionRow | undefined> {
  const [row] = await tx
    .update(ceCalendarConnections)
    .set({
      syncEnabled: enabled,
      // Pausing is visible as a badge; re-enabling resumes unless the connection needs the user.
      syncStatus: sql`case when ${ceCalendarConnections.syncStatus} in ('reconnect_required', 'error') then ${ceCalendarConnections.syncStatus} when ${enabled} then 'syncing' else 'paused' end`,
      updatedAt: sql`now()`,
    })
    .where(eq(ceCalendarConnections.id, id))
    .returning();
  return row;
}

export async function deleteConnection(tx: TenantTx, id: string): Promise<ConnectionRow | undefined> {
  const [row] = await tx.delete(ceCalendarConnections).where(eq(ceCalendarConnections.id, id)).returning();
  return row;
}

export async function markReconnectRequired(tx: TenantTx, id: string, errorCode: string): Promise<void> {
  await tx
    .update(ceCalendarConnections)
    .set({ syncStatus: 'reconnect_required', lastErrorCode: errorCode, updatedAt: sql`now()` })
    .where(eq(ceCalendarConnections.id, id));
}

/** The connection row locked for this transaction (token refresh writes), or undefined. */
export async function lockConnection(tx: TenantTx, id: string): Promise<ConnectionRow | undefined> {
  const [row] = await tx
    .select()
    .from(ceCalendarConnections)
    .where(eq(ceCalendarConnections.id, id))
    .limit(1)
    .for('update');
  return row;
}

/**
 * Links refreshed token credentials. `clearLegacy`: the row was a legacy plaintext row, migrated as a
 * side effect of its first refresh.
 */
export async function setConnectionTokens(
  tx: TenantTx,
  id: string,
  tokens: {
    accessTokenCredentialId: string;
    refreshTokenCredentialId: string | null;
    tokenExpiresAt: Date;
    clearLegacy: boolean;
  },
): Promise<void> {
  await tx
    .update(ceCalendarConnections)
    .set({
      accessTokenCredentialId: tokens.accessTokenCredentialId,
      refreshTokenCredentialId: tokens.refreshTokenCredentialId,
      tokenExpiresAt: tokens.tokenExpiresAt,
      ...(tokens.clearLegacy
        ? {
            accessTokenEncrypted: null,
            refreshTokenEncrypted: null,
            migrationRequired: false,
            migratedAt: sql`now()`,
          }
        : {}),
      updatedAt: sql`now()`,
    })
    .where(eq(ceCalendarConnections.id, id));
}

/**
 * The owner's calendar zone as the provider names it (the day an all-day event covers, for free/busy
 * and the events list). Written only when it changed, so a run that repeats it costs no row version.
 */
export async function saveCalendarTimeZone(tx: TenantTx, id: string, timeZone: string): Promise<void> {
  await tx
    .update(ceCalendarConnections)
    .set({ calendarTimeZone: timeZone })
    .where(
      and(
        eq(ceCalendarConnections.id, id),
        sql`${ceCalendarConnections.calendarTimeZone} is distinct from ${timeZone}`,
      ),
    );
}

/**
 * What a sync run tells the card, in one statement. `ok`: last successful sync now, error cleared.
 * A failure keeps `last_sync_at` and names the error; `status` is 'error' only when the user should
 * look (retries continue underneath). Paused and reconnect-required rows keep their status: only the
 * user (resume, reconnect) changes those.
 */
export async function recordSyncOutcome(
  tx: TenantTx,
  id: string,
  outcome: {
    ok: boolean;
    errorCode: string | null;
    failing: boolean;
    nextSyncAt: Date | null;
    lagMs?: number | null;
  },
): Promise<void> {
  const keep = sql`${ceCalendarConnections.syncStatus} = 'reconnect_required' or not ${ceCalendarConnections.syncEnabled}`;
  const next = outcome.failing ? 'error' : 'syncing';
  await tx
    .update(ceCalendarConnections)
    .set({
      ...(outcome.ok ? { lastSyncAt: sql`now()` } : {}),
      lastErrorCode: outcome.errorCode,
      syncStatus: outcome.ok
        ? sql`case when not ${ceCalendarConnections.syncEnabled} then 'paused' else 'syncing' end`
        : sql`case when ${keep} then ${ceCalendarConnections.syncStatus} else ${next} end`,
      nextSyncAt: outcome.nextSyncAt,
      ...(outcome.lagMs === undefined || outcome.lagMs === null ? {} : { syncLagMs: outcome.lagMs }),
      updatedAt: sql`now()`,
    })
    .where(eq(ceCalendarConnections.id, id));
}
