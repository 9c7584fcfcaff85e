/**
 * All emulator state, in memory, per instance: OAuth clients, accounts and calendars, grants and
 * tokens, sync/delta cursors, push channels and subscriptions, injected faults and counters.
 */
import {
  type Account,
  accountKey,
  type Calendar,
  type Provider,
  primaryCalendar,
  type StoredEvent,
} from './model.ts';
import { EmulatorClock, SeededRandom } from './random.ts';

export interface EmulatorOptions {
  seed: number;
  /** Access-token lifetime in seconds (Google default 3599; Graph 3600–5400 randomised). */
  accessTokenTtlSeconds: number;
  /** Microsoft refresh tokens rotate on every refresh. */
  microsoftRotateRefreshTokens: boolean;
  /**
   * Whether a Microsoft refresh token keeps working after it was used once (real Microsoft does not
   * revoke it when issuing a new one; `false` is the strict mode).
   */
  microsoftOldRefreshTokenValid: boolean;
  /** Authorize endpoints approve at once when `login_hint` names an account (tests). */
  autoApprove: boolean;
  /** Default page size of calendarView/delta when no `Prefer: odata.maxpagesize` is sent. */
  graphDefaultPageSize: number;
  /**
   * Which Graph delta rounds carry series masters: `initialAndChanged` (real behaviour: the initial
   * round and rounds where the series itself changed) or `never` (tests the fetch-the-master path).
   */
  graphDeltaSeriesMasters: 'initialAndChanged' | 'never';
  /**
   * A deleted Graph occurrence: `silent` (real, reported: it stops appearing and its master changes)
   * or `removed` (an `@removed` entry per occurrence).
   */
  graphDeletedOccurrences: 'silent' | 'removed';
  /** Chance (seeded) that a page of any list is short or empty while still linking to the next one. */
  shortPageProbability: number;
  /** Graph delta tokens expire after this many seconds (0: never; reportedly ~7 days on Graph). */
  graphDeltaTokenTtlSeconds: number;
  /** Google sync tokens expire after this many seconds (0: never; the real lifetime is unpublished). */
  googleSyncTokenTtlSeconds: number;
  /** Google Meet creation answers `pending` first; the link appears on the next read. */
  googleConferencePending: boolean;
}

export const DEFAULT_OPTIONS: EmulatorOptions = {
  seed: 1,
  accessTokenTtlSeconds: 3599,
  microsoftRotateRefreshTokens: true,
  microsoftOldRefreshTokenValid: true,
  autoApprove: true,
  graphDefaultPageSize: 100,
  graphDeltaSeriesMasters: 'initialAndChanged',
  graphDeletedOccurrences: 'silent',
  shortPageProbability: 0,
  graphDeltaTokenTtlSeconds: 0,
  googleSyncTokenTtlSeconds: 0,
  googleConferencePending: false,
};

export interface OAuthClient {
  provider: Provider;
  clientId: string;
  clientSecret: string;
  redirectUris?: string[];
}

export interface Grant {
  id: string;
  provider: Provider;
  accountKey: string;
  clientId: string;
  scopes: string[];
  revoked: boolean;
}

export interface AuthCode {
  grantId: string;
  redirectUri: string;
  codeChallenge?: string;
  codeChallengeMethod?: string;
  expiresAt: number;
  used: boolean;
  issueRefreshToken: boolean;
}

export interface SyncCursor {
  provider: Provider;
  accountKey: string;
  calendarId: string;
  seq: number;
  generation: number;
  singleEvents: boolean;
  windowStartMs?: number;
  windowEndMs?: number;
  /** Emulator time the cursor was issued (token TTL options). */
  issuedAt?: number;
}

export interface PageCursor {
  /** Pages are cut between groups (a Graph series is never split across delta pages). */
  groups: unknown[][];
  offset: number;
  /** What the last page hands out: a sync token / delta link cursor. */
  finalCursor: SyncCursor;
  accountKey: string;
}

export interface GoogleChannel {
  id: string;
  resourceId: string;
  address: string;
  token?: string;
  expiration: number;
  accountKey: string;
  calendarId: string;
  /** The calendar id as the client gave it (`primary`, an e-mail…), echoed in `resourceUri`. */
  calendarIdAsGiven: string;
  messageNumber: number;
  stopped: boolean;
}

export interface GraphSubscription {
  id: string;
  accountKey: string;
  resource: string;
  changeType: string;
  notificationUrl: string;
  lifecycleNotificationUrl?: string;
  clientState?: string;
  expirationDateTime: number;
  applicationId: string;
  /** Set by a reauthorizationRequired lifecycle event: Graph holds change notifications until a renew/reauthorize. */
  reauthorizationRequired?: boolean;
}

export type FaultKind =
  | 'http_429'
  | 'google_rate_limit'
  | 'google_user_rate_limit'
  | 'http_500'
  | 'http_503'
  | 'timeout'
  /** The provider applies the call, then the answer is lost: 504 after `delayMs` (a client timeout after acceptance). */
  | 'lost_response'
  | 'slow'
  | 'invalid_grant'
  | 'quota_exceeded'
  | 'refresh_token_expired'
  /**
   * Graph delta: a call with a `$deltatoken` answers with none of the changes since that token and a
   * deltaLink past them — a change the service never reports (no effect on other calls).
   */
  | 'unreported';

export interface Fault {
  id: string;
  provider?: Provider;
  /** Account email the fault applies to; undefined → every account. */
  account?: string;
  /** Endpoint name (see README) or '*'. */
  endpoint: string;
  kind: FaultKind;
  /** Applies to the next N matching calls; undefined → until removed. */
  remaining?: number;
  /** Chance per matching call (seeded, deterministic). */
  probability?: number;
  retryAfterSeconds?: number;
  delayMs?: number;
  fired: number;
}

export interface Delivery {
  kind: 'google_push' | 'graph_notification' | 'graph_lifecycle' | 'graph_validation';
  url: string;
  status: number | 'error';
  at: number;
}

export class EmulatorState {
  readonly options: EmulatorOptions;
  readonly random: SeededRandom;
  readonly clock = new EmulatorClock();
  readonly clients = new Map<string, OAuthClient>();
  readonly accounts = new Map<string, Account>();
  readonly grants = new Map<string, Grant>();
  readonly codes = new Map<string, AuthCode>();
  readonly accessTokens = new Map<string, { grantId: string; expiresAt: number }>();
  readonly refreshTokens = new Map<string, { grantId: string; spent: boolean }>();
  readonly syncCursors = new Map<string, SyncCursor>();
  readonly pageCursors = new Map<string, PageCursor>();
  readonly channels = new Map<string, GoogleChannel>();
  readonly subscriptions = new Map<string, GraphSubscription>();
  readonly faults: Fault[] = [];
  readonly counters = new Map<string, Record<string, number>>();
  readonly deliveries: Delivery[] = [];
  /** Fire-and-forget deliveries still in flight (tests can await them). */
  readonly inflight = new Set<Promise<void>>();

  constructor(options: Partial<EmulatorOptions> = {}) {
    this.options = { ...DEFAULT_OPTIONS, ...options };
    this.random = new SeededRandom(this.options.seed);
  }

  count(key: string | undefined, name: string): void {
    for (const bucket of [key ?? '_global', '_all']) {
      const counters = this.counters.get(bucket) ?? {};
      counters[name] = (counters[name] ?? 0) + 1;
      this.counters.set(bucket, counters);
    }
  }

  registerClient(client: OAuthClient): OAuthClient {
    this.clients.set(`${client.provider}:${client.clientId}`, client);
    return client;
  }

  client(provider: Provider, clientId: string): OAuthClient | undefined {
    return this.clients.get(`${provider}:${clientId}`);
  }

  createAccount(provider: Provider, email: string, name?: string, timeZone = 'UTC'): Account {
    const key = accountKey(provider, email);
    const existing = this.accounts.get(key);
    if (existing) return existing;
    const account: Account = {
      provider,
      id: provider === 'google' ? String(this.random.int(1e17, 9e17)) : this.random.uuid(),
      email,
      name: name ?? email.split('@')[0] ?? email,
      timeZone,
      calendars: new Map(),
    };
    const calendarId =
      provider === 'google'
        ? email
        : `AAMkAD${this.random.string(24, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789')}=`;
    account.calendars.set(calendarId, {
      id: calendarId,
      summary: email,
      timeZone,
      primary: true,
      events: new Map(),
      seq: 0,
      tokenGeneration: 0,
    });
    this.accounts.set(key, account);
    return account;
  }

  account(provider: Provider, email: string): Account | undefined {
    return this.accounts.get(accountKey(provider, email));
  }

  /** 'primary', the calendar id, or (Google) the account email. */
  calendarOf(account: Account, calendarId: string): Calendar | undefined {
    if (calendarId === 'primary' || calendarId.toLowerCase() === account.email.toLowerCase())
      return primaryCalendar(account);
    return account.calendars.get(calendarId);
  }

  /** Marks a change on `event`: new version, new change sequence, updated time. */
  touch(calendar: Calendar, event: StoredEvent): void {
    calendar.seq += 1;
    event.changeSeq = calendar.seq;
    event.version += 1;
    event.updated = Math.max(this.clock.now(), event.updated + 1);
  }

  token(prefix: string, length = 40): string {
    return `${prefix}${this.random.string(length, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_')}`;
  }

  /** Account behind a live (unexpired, unrevoked) access token, or undefined. */
  accountForAccessToken(provider: Provider, token: string | undefined): Account | undefined {
    if (!token) return undefined;
    const record = this.accessTokens.get(token);
    if (!record || record.expiresAt <= this.clock.now()) return undefined;
    const grant = this.grants.get(record.grantId);
    if (!grant || grant.revoked || grant.provider !== provider) return undefined;
    return this.accounts.get(grant.accountKey);
  }

  /** Account behind a refresh token, live or not (faults are injected per account on the token endpoint). */
  accountForRefreshToken(token: string | undefined): Account | undefined {
    const record = token ? this.refreshTokens.get(token) : undefined;
    const grant = record ? this.grants.get(record.grantId) : undefined;
    return grant ? this.accounts.get(grant.accountKey) : undefined;
  }

  issueAccessToken(grant: Grant): { token: string; expiresIn: number } {
    const token =
      grant.provider === 'google'
        ? this.token('ya29.emu-', 60)
        : this.token('eyJ0eXAiOiJKV1QiLCJlbXUiOnRydWV9.', 80);
    const expiresIn = this.options.accessTokenTtlSeconds;
    this.accessTokens.set(token, { grantId: grant.id, expiresAt: this.clock.now() + expiresIn * 1000 });
    return { token, expiresIn };
  }

  issueRefreshToken(grant: Grant): string {
    const token = grant.provider === 'google' ? this.token('1//emu-', 64) : this.token('0.AAAA-emu-', 96);
    this.refreshTokens.set(token, { grantId: grant.id, spent: false });
    return token;
  }

  revokeGrantsOf(key: string): number {
    let revoked = 0;
    for (const grant of this.grants.values()) {
      if (grant.accountKey === key && !grant.revoked) {
        grant.revoked = true;
        revoked++;
      }
    }
    return revoked;
  }

  newCursor(cursor: SyncCursor): string {
    const token = cursor.provider === 'google' ? `C${this.token('', 30)}=` : this.token('', 40);
    this.syncCursors.set(token, { ...cursor, issuedAt: this.clock.now() });
    return token;
  }

  /** A cursor is valid while its calendar's token generation has not moved and its TTL has not passed. */
  liveCursor(token: string): SyncCursor | undefined {
    const cursor = this.syncCursors.get(token);
    if (!cursor) return undefined;
    const ttl =
      cursor.provider === 'google'
        ? this.options.googleSyncTokenTtlSeconds
        : this.options.graphDeltaTokenTtlSeconds;
    if (ttl > 0 && this.clock.now() - (cursor.issuedAt ?? 0) >= ttl * 1000) return undefined;
    const account = this.accounts.get(cursor.accountKey);
    const calendar = account?.calendars.get(cursor.calendarId);
    if (!calendar || calendar.tokenGeneration !== cursor.generation) return undefined;
    return cursor;
  }

  /** Size of the next page: `size`, or (with `shortPageProbability`) a seeded 0..size-1. */
  pageSize(size: number): number {
    const p = this.options.shortPageProbability;
    if (p > 0 && this.random.next() < p) return this.random.int(0, Math.max(0, size - 1));
    return size;
  }

  track(promise: Promise<void>): void {
    this.inflight.add(promise);
    void promise.finally(() => this.inflight.delete(promise));
  }

  async settle(): Promise<void> {
    while (this.inflight.size) await Promise.allSettled([...this.inflight]);
  }
}
