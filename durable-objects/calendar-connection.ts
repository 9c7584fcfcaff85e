/**
 * One Durable Object per calendar connection (SPEC §5). It is the lock: token refresh and sync for a
 * connection happen here and nowhere else, one at a time. It records sync requests and runs its
 * alarm; the sync engine arrives with its issue.
 *
 * Public methods are exactly the RPC surface; helpers stay in modules or #private members.
 */
import { DurableObject } from 'cloudflare:workers';
import type { Env } from '../worker/env.ts';
import { log } from '../worker/log.ts';
import type { Provider } from '../worker/providers/endpoints.ts';
import { probeAccess } from '../worker/providers/probe.ts';
import { type AccessTokenResult, type ConnectionRef, TokenRefresher } from './token-refresher.ts';

/** What the object needs to act for a connection without a request: whose it is and where it lives. */
export type SyncTarget = ConnectionRef & { provider: Provider };

export interface SyncRequestReceipt {
  connectionId: string;
  queued: boolean;
  requestedAt: string;
  pendingRequests: number;
}

export interface ConnectionObjectStatus {
  connectionId: string | null;
  syncRequests: number;
  alarmRuns: number;
  lastAlarmAt: string | null;
  nextAlarmAt: string | null;
}

/** Coalescing window: requests that arrive while one is pending share the same run. */
const SYNC_DEBOUNCE_MS = 1_000;

export class CalendarConnection extends DurableObject<Env> {
  readonly #tokens: TokenRefresher;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#tokens = new TokenRefresher(env, ctx.storage);
  }

  /** A valid access token (refreshed single-flight when needed). */
  async getAccessToken(ref: ConnectionRef): Promise<AccessTokenResult> {
    return this.#tokens.get(ref);
  }

  /** Forget cached tokens (after a reconnect replaced them). */
  async resetCredentials(): Promise<void> {
    this.#tokens.forget();
    await this.ctx.storage.delete('pendingRefreshToken');
  }

  /** Disconnect: stop alarms and drop everything this object holds. */
  async disconnect(): Promise<void> {
    this.#tokens.forget();
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
  }

  /** Auto-sync toggle: disabling stops the alarm; enabling resumes (the cursor lives in Postgres). */
  async setSyncEnabled(connectionId: string, enabled: boolean): Promise<void> {
    await this.ctx.storage.put({ connectionId, syncEnabled: enabled });
    if (!enabled) await this.ctx.storage.deleteAlarm();
    else if ((await this.ctx.storage.getAlarm()) === null)
      await this.ctx.storage.setAlarm(Date.now() + SYNC_DEBOUNCE_MS);
  }

  /** Records a "sync now" (or webhook) request; coalesced into a single pending alarm. */
  async requestSync(
    connectionId: string,
    reason: 'manual' | 'webhook' | 'schedule',
    target?: SyncTarget,
  ): Promise<SyncRequestReceipt> {
    const storage = this.ctx.storage;
    await storage.put('connectionId', connectionId);
    if (target) await storage.put('target', target);
    const pending = ((await storage.get<number>('pendingRequests')) ?? 0) + 1;
    const total = ((await storage.get<number>('syncRequests')) ?? 0) + 1;
    const requestedAt = new Date().toISOString();
    await storage.put({ pendingRequests: pending, syncRequests: total, lastRequestReason: reason });
    const existing = await storage.getAlarm();
    if (existing === null) await storage.setAlarm(Date.now() + SYNC_DEBOUNCE_MS);
    return { connectionId, queued: existing === null, requestedAt, pendingRequests: pending };
  }

  async status(): Promise<ConnectionObjectStatus> {
    const storage = this.ctx.storage;
    const alarm = await storage.getAlarm();
    return {
      connectionId: (await storage.get<string>('connectionId')) ?? null,
      syncRequests: (await storage.get<number>('syncRequests')) ?? 0,
      alarmRuns: (await storage.get<number>('alarmRuns')) ?? 0,
      lastAlarmAt: (await storage.get<string>('lastAlarmAt')) ?? null,
      nextAlarmAt: alarm === null ? null : new Date(alarm).toISOString(),
    };
  }

  override async alarm(): Promise<void> {
    const storage = this.ctx.storage;
    const runs = ((await storage.get<number>('alarmRuns')) ?? 0) + 1;
    await storage.put({ alarmRuns: runs, lastAlarmAt: new Date().toISOString(), pendingRequests: 0 });
    const target = await storage.get<SyncTarget>('target');
    if (target && (await storage.get<boolean>('syncEnabled')) !== false) await this.#checkAccess(target);
  }

  /**
   * The first step of every sync: a valid token the provider accepts. A 401 forces one refresh; an
   * invalid_grant there marks the connection reconnect_required (in the refresher). The event sync
   * itself arrives with its issue.
   */
  async #checkAccess(target: SyncTarget): Promise<void> {
    const correlationId = crypto.randomUUID();
    let token = await this.#tokens.get(target);
    let outcome = token.ok ? await probeAccess(this.env, target.provider, token.accessToken) : 'token_failed';
    if (outcome === 'unauthorized') {
      token = await this.#tokens.get(target, true);
      outcome = token.ok ? await probeAccess(this.env, target.provider, token.accessToken) : 'token_failed';
    }
    log('info', 'connection access check', {
      correlationId,
      connection_id: target.connectionId,
      provider: target.provider,
      outcome,
      ...(token.ok ? {} : { error_code: token.code }),
    });
  }
}
