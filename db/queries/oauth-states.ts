/** Single-use OAuth states (10-minute lifetime), bound to org, user, provider and PKCE verifier. */
import { and, eq, gt, isNull, sql } from 'drizzle-orm';
import { ceCalendarOauthStates } from '../schema.ts';
import type { TenantTx } from '../tenant.ts';

export type OAuthStateRow = typeof ceCalendarOauthStates.$inferSelect;

export const OAUTH_STATE_TTL_SECONDS = 600;

export async function createOAuthState(
  tx: TenantTx,
  values: Pick<
    OAuthStateRow,
    'organizationId' | 'userId' | 'provider' | 'stateHash' | 'codeVerifier' | 'returnTo' | 'gwsConnectionId'
  >,
): Promise<void> {
  await tx
    .insert(ceCalendarOauthStates)
    .values({ ...values, expiresAt: sql`now() + make_interval(secs => ${OAUTH_STATE_TTL_SECONDS})` });
}

export type ConsumeResult =
  | { ok: true; state: OAuthStateRow }
  | { ok: false; reason: 'state_unknown' | 'state_used' | 'state_expired' };

/** Atomically marks the state used; a second consumer (replay, double click) gets `state_used`. */
export async function consumeOAuthState(tx: TenantTx, stateHash: string): Promise<ConsumeResult> {
  const [consumed] = await tx
    .update(ceCalendarOauthStates)
    .set({ consumedAt: sql`now()` })
    .where(
      and(
        eq(ceCalendarOauthStates.stateHash, stateHash),
        isNull(ceCalendarOauthStates.consumedAt),
        gt(ceCalendarOauthStates.expiresAt, sql`now()`),
      ),
    )
    .returning();
  if (consumed) return { ok: true, state: consumed };
  const [row] = await tx
    .select()
    .from(ceCalendarOauthStates)
    .where(eq(ceCalendarOauthStates.stateHash, stateHash))
    .limit(1);
  if (!row) return { ok: false, reason: 'state_unknown' };
  return { ok: false, reason: row.consumedAt ? 'state_used' : 'state_expired' };
}
