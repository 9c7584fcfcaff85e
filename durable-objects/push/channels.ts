/**
 * The push half of a connection object (issue 16): opens the connection's channel (Google
 * events.watch / Graph subscription), renews it before it expires, stops it on pause and disconnect,
 * recreates it after failures (with the sync engine's backoff) and when it stopped delivering, and
 * verifies every notification before anything happens. All state lives in the object's storage under
 * one key; the object calls in from its RPC methods and schedule handlers.
 */
import { findVisibleConnection } from '../../db/queries/connections.ts';
import { Database } from '../../db/tenant.ts';
import { describeError, log } from '../../worker/log.ts';
import { ProviderError } from '../../worker/providers/errors.ts';
import { providerFor } from '../../worker/providers/index.ts';
import type { CalendarProvider, Channel, PushNotice } from '../../worker/providers/types.ts';
import { type ConnectionIdentity, claimsOf, type ObjectEnv } from '../identity.ts';
import type { Schedule } from '../schedule.ts';
import type { ObjectStorage, StorageKey } from '../storage.ts';
import { retryDelayMs } from '../timing.ts';
import type { AccessTokenResult } from '../token-refresher.ts';
import {
  channelSecret,
  newChannelKey,
  newChannelRef,
  parseChannelRef,
  verifyChannelSecret,
} from './channel-ref.ts';
import { NamedEvents } from './named-events.ts';
import {
  assessDelivery,
  type DeliveryWatch,
  isOpeningInFlight,
  isReplayedSequence,
  renewalDelayMs,
  SEEN_NOTIFICATIONS,
} from './plan.ts';

export const PUSH_KEY = 'push' as const satisfies StorageKey;
export const PUSH_COUNTERS_KEY = 'pushCounters' as const satisfies StorageKey;

interface StoredChannel extends Channel {
  /** Highest Google message number seen on this channel. */
  lastSequence: number;
}

export interface PushRecord extends DeliveryWatch {
  /** HMAC key of this object's channel secrets (channel-ref.ts). */
  key: string;
  channel: StoredChannel | null;
  /** A channel being opened: its sync message may arrive before the provider's answer. */
  opening: string | null;
  /** When `opening` was set (a stale one no longer blocks a new open; plan.ts isOpeningInFlight). */
  openingSince?: number;
  /** Highest Google message number seen on the `opening` channel, carried into the adopted channel. */
  openingSequence?: number;
  /** Replaced Google channels, until they expire (a notification in flight still verifies). */
  retired: StoredChannel[];
  /** Provider clock minus ours, from the provider's last answer. */
  skewMs: number;
  consecutiveFailures: number;
  /** Graph notification ids seen lately (replays are ignored). */
  seen: string[];
}

export interface PushCounters {
  accepted: number;
  /** Secret did not verify, or the ref names another connection. */
  rejected: number;
  /** Verified but without effect: replay, stale channel, paused connection. */
  ignored: number;
  opened: number;
  renewed: number;
  recreated: number;
  stopped: number;
  failures: number;
}

const ZERO_COUNTERS: PushCounters = {
  accepted: 0,
  rejected: 0,
  ignored: 0,
  opened: 0,
  renewed: 0,
  recreated: 0,
  stopped: 0,
  failures: 0,
};

/** `full_sync`: Graph says notifications were lost (`missed`): a full round re-lists the window. */
export type NoticeAction = 'none' | 'sync' | 'full_sync' | 'renew' | 'recreate';
export interface NoticeVerdict {
  /** `unknown`: the object is attached to no connection (a forged ref, or a disconnected one); nothing was stored. */
  outcome: 'accepted' | 'ignored' | 'rejected' | 'unknown';
  action: NoticeAction;
}

/** What a verified notification asks of the object (the sync handshake only proves the address works). */
const NOTICE_ACTIONS: Record<PushNotice['kind'], NoticeAction> = {
  sync: 'none',
  changed: 'sync',
  missed: 'full_sync',
  reauthorization_required: 'renew',
  removed: 'recreate',
};

export interface PushDeps {
  env: ObjectEnv;
  /** The object's typed storage (storage.ts): keys `push`, `pushCounters`, `pushNamedEvents`. */
  storage: ObjectStorage;
  schedule: Schedule;
  accessToken(
    identity: ConnectionIdentity,
    correlationId: string,
    force: boolean,
  ): Promise<AccessTokenResult>;
}

export class PushChannels {
  /**
   * Aborted (and replaced) by `stopAll` on pause and disconnect. Channel work that was awaiting the
   * provider or the database then writes nothing more: after a disconnect the object's storage was
   * cleared, and a late write would bring back a record (and a renewal row) for a connection that is gone.
   */
  #stopped = new AbortController();

  /** Events the verified notifications named, for the sync round's re-read (named-events.ts). */
  readonly named: NamedEvents;

  constructor(private readonly deps: PushDeps) {
    this.named = new NamedEvents(deps.storage);
  }

  /** Push is on when the deployment names the public origin providers deliver to. */
  get enabled(): boolean {
    return Boolean(this.deps.env.WEBHOOK_BASE_URL);
  }

  async record(): Promise<PushRecord> {
    const stored = await this.deps.storage.read(PUSH_KEY);
    if (stored) return stored;
    const fresh: PushRecord = {
      key: newChannelKey(),
      channel: null,
      opening: null,
      retired: [],
      skewMs: 0,
      consecutiveFailures: 0,
      seen: [],
      lastNotificationAt: null,
      previousRunStartedAt: null,
      silentRuns: 0,
    };
    await this.deps.storage.write(PUSH_KEY, fresh);
    return fresh;
  }

  async counters(): Promise<PushCounters> {
    return { ...ZERO_COUNTERS, ...(await this.deps.storage.read(PUSH_COUNTERS_KEY)) };
  }

  async #count(name: keyof PushCounters): Promise<void> {
    const current = await this.counters();
    await this.deps.storage.write(PUSH_COUNTERS_KEY, { ...current, [name]: current[name] + 1 });
  }

  async #save(update: (record: PushRecord) => PushRecord): Promise<PushRecord> {
    const next = update(await this.record());
    await this.deps.storage.write(PUSH_KEY, next);
    return next;
  }

  /**
   * The renew_channel row: open a channel when there is none, otherwise renew it (the row's due time
   * was the decision). `recreate` drops the current channel first (removed, or silent).
   */
  async maintain(identity: ConnectionIdentity, correlationId: string, recreate = false): Promise<string> {
    if (!this.enabled) return 'push_off';
    const stopped = this.#stopped.signal;
    const provider = providerFor(this.deps.env, identity.provider);
    const record = await this.record();
    if (recreate && record.channel) {
      await this.#close(identity, provider, record.channel, correlationId);
      if (stopped.aborted) return 'stopped';
      await this.#save((r) => ({ ...r, channel: null }));
      await this.#count('recreated');
    }
    const current = recreate ? null : record.channel;
    try {
      const calendarId = await this.#calendarId(identity, correlationId);
      if (calendarId === undefined) return 'gone';
      const channelRef = newChannelRef(identity.connectionId);
      const request = {
        calendarId,
        channelRef,
        secret: await channelSecret(record.key, channelRef),
        notificationUrl: new URL(provider.webhookPath, this.deps.env.WEBHOOK_BASE_URL).toString(),
        providerNowMs: Date.now() + record.skewMs,
      };
      if (stopped.aborted) return 'stopped';
      await this.#save((r) => ({ ...r, opening: channelRef, openingSince: Date.now(), openingSequence: 0 }));
      const channel = await this.#withToken(identity, correlationId, async (token) => {
        const answered = current
          ? await provider.renewChannel(token, current, request)
          : await provider.openChannel(token, request);
        // Paused or disconnected while the provider answered: stop it with the token that opened it
        // (after a disconnect the object has no other), and keep nothing.
        if (stopped.aborted) await provider.closeChannel(token, answered).catch(() => undefined);
        return answered;
      });
      if (stopped.aborted) return 'stopped';
      await this.#adopt(channel, current);
      await this.#count(current ? 'renewed' : 'opened');
      log('info', current ? 'push channel renewed' : 'push channel opened', {
        correlationId,
        connection_id: identity.connectionId,
        provider: identity.provider,
        expires_at: new Date(channel.expiresAtMs).toISOString(),
      });
      return current ? 'renewed' : 'opened';
    } catch (error) {
      if (stopped.aborted) return 'stopped';
      const code = error instanceof ProviderError ? error.code : 'unknown';
      if (current && code === 'not_found') {
        // The provider dropped it (Graph deletes expired or removed subscriptions): open a new one now.
        await this.#save((r) => ({ ...r, channel: null, opening: null }));
        this.deps.schedule.schedule('renew_channel', Date.now(), { correlationId });
        return 'gone_reopening';
      }
      const saved = await this.#save((r) => ({
        ...r,
        opening: null,
        consecutiveFailures: r.consecutiveFailures + 1,
      }));
      await this.#count('failures');
      const retryAfter = error instanceof ProviderError ? error.retryAfterSeconds : undefined;
      const delay = retryDelayMs(
        saved.consecutiveFailures,
        Math.random(),
        retryAfter,
        code === 'quota_exceeded',
      );
      this.deps.schedule.schedule('renew_channel', Date.now() + delay, { correlationId });
      log('warn', 'push channel failed', {
        correlationId,
        connection_id: identity.connectionId,
        provider: identity.provider,
        error_code: code,
        consecutive_failures: saved.consecutiveFailures,
        ...describeError(error),
      });
      return `failed_${code}`;
    }
  }

  /** Stores a new or renewed channel and schedules its renewal on the provider's clock. */
  async #adopt(channel: Channel, replaced: StoredChannel | null): Promise<void> {
    const localNow = Date.now();
    const skewMs = channel.providerNowMs - localNow;
    const remaining = channel.expiresAtMs - channel.providerNowMs;
    const keepOld = replaced && replaced.providerId !== channel.providerId;
    await this.#save((r) => ({
      ...r,
      channel: {
        ...channel,
        // Google's sync message (number 1) usually arrives before the watch call answers.
        lastSequence: Math.max(
          replaced && !keepOld ? replaced.lastSequence : 0,
          r.opening === channel.channelRef ? (r.openingSequence ?? 0) : 0,
        ),
      },
      opening: null,
      skewMs,
      consecutiveFailures: 0,
      // A replaced Google channel may still have notifications in flight: keep it until it expires.
      retired: [...r.retired, ...(keepOld ? [replaced] : [])].filter(
        (c) => c.expiresAtMs > channel.providerNowMs,
      ),
    }));
    this.deps.schedule.schedule('renew_channel', localNow + renewalDelayMs(remaining), {});
  }

  /** Pause and disconnect: stop every channel we hold (best effort; they expire anyway). */
  async stopAll(identity: ConnectionIdentity, correlationId: string): Promise<void> {
    this.#stopped.abort();
    this.#stopped = new AbortController();
    this.deps.schedule.removeKinds(['renew_channel']);
    const record = await this.deps.storage.read(PUSH_KEY);
    if (!record) return;
    const provider = providerFor(this.deps.env, identity.provider);
    for (const channel of [record.channel, ...record.retired]) {
      if (channel) await this.#close(identity, provider, channel, correlationId);
    }
    await this.#save((r) => ({ ...r, channel: null, retired: [], opening: null, silentRuns: 0 }));
  }

  async #close(
    identity: ConnectionIdentity,
    provider: CalendarProvider,
    channel: Pick<Channel, 'providerId' | 'resourceId'>,
    correlationId: string,
  ): Promise<void> {
    try {
      await this.#withToken(identity, correlationId, (token) => provider.closeChannel(token, channel));
      await this.#count('stopped');
    } catch (error) {
      log('warn', 'push channel stop failed', {
        correlationId,
        connection_id: identity.connectionId,
        ...describeError(error),
      });
    }
  }

  /**
   * A notification for this object. Verified first (the ref must name this connection and the
   * secret must be this object's for that ref); then replays and stale channels are ignored.
   */
  async receive(
    identity: ConnectionIdentity,
    notice: PushNotice,
    active: boolean,
    correlationId: string,
  ): Promise<NoticeVerdict> {
    const record = await this.deps.storage.read(PUSH_KEY);
    const named = parseChannelRef(notice.channelRef);
    if (
      !record ||
      named?.connectionId !== identity.connectionId ||
      !(await verifyChannelSecret(record.key, notice.channelRef, notice.secret))
    ) {
      await this.#count('rejected');
      return { outcome: 'rejected', action: 'none' };
    }
    const current = record.channel?.channelRef === notice.channelRef ? record.channel : undefined;
    const retired = record.retired.find((c) => c.channelRef === notice.channelRef);
    const opening = record.opening === notice.channelRef;
    if (!active || (!current && !retired && !opening)) {
      // Ours, but not a channel we keep (paused, or a record lost): stop it so it stops calling.
      if (notice.kind !== 'sync' && !opening) {
        const provider = providerFor(this.deps.env, identity.provider);
        await this.#close(
          identity,
          provider,
          { providerId: notice.providerId, resourceId: notice.resourceId ?? notice.providerId },
          correlationId,
        );
      }
      await this.#count('ignored');
      return { outcome: 'ignored', action: 'none' };
    }
    const channel = current ?? retired;
    if (notice.sequence !== undefined) {
      const lastSequence = channel ? channel.lastSequence : (record.openingSequence ?? 0);
      if (notice.kind !== 'sync' && isReplayedSequence(lastSequence, notice.sequence)) {
        await this.#count('ignored');
        return { outcome: 'ignored', action: 'none' };
      }
      const sequence = notice.sequence;
      await this.#save((r) => ({
        ...r,
        channel:
          r.channel?.channelRef === notice.channelRef
            ? { ...r.channel, lastSequence: Math.max(r.channel.lastSequence, sequence) }
            : r.channel,
        retired: r.retired.map((c) =>
          c.channelRef === notice.channelRef ? { ...c, lastSequence: Math.max(c.lastSequence, sequence) } : c,
        ),
        ...(!channel && r.opening === notice.channelRef
          ? { openingSequence: Math.max(r.openingSequence ?? 0, sequence) }
          : {}),
      }));
    }
    if (notice.notificationId) {
      if (record.seen.includes(notice.notificationId)) {
        await this.#count('ignored');
        return { outcome: 'ignored', action: 'none' };
      }
      const id = notice.notificationId;
      await this.#save((r) => ({ ...r, seen: [...r.seen, id].slice(-SEEN_NOTIFICATIONS) }));
    }
    // The sync handshake proves the address works, not that changes arrive: only change-bearing kinds count.
    if (notice.kind !== 'sync')
      await this.#save((r) => ({ ...r, lastNotificationAt: Date.now(), silentRuns: 0 }));
    await this.#count('accepted');
    const action = NOTICE_ACTIONS[notice.kind];
    // The round this notice asks for must return the event, or it is read directly (sync/reread.ts).
    if (action === 'sync' && notice.eventId) await this.named.add(notice.eventId, Date.now());
    return { outcome: 'accepted', action };
  }

  /**
   * After a successful sync run: open the channel if there is none yet (first run, re-enable,
   * reconnect), and recreate one that stopped delivering (assessDelivery).
   */
  async afterRun(
    identity: ConnectionIdentity,
    run: { startedAt: number; full: boolean; changes: number },
    correlationId: string,
  ): Promise<void> {
    if (!this.enabled) return;
    const record = await this.record();
    const { watch, recreate } = assessDelivery(record, run);
    await this.#save((r) => ({ ...r, ...watch }));
    const pending = this.deps.schedule.pending('renew_channel').length > 0;
    if (recreate && record.channel) {
      log('warn', 'push channel went silent; recreating', {
        correlationId,
        connection_id: identity.connectionId,
        provider: identity.provider,
      });
      this.deps.schedule.schedule('renew_channel', Date.now(), { correlationId, recreate: true });
    } else if (!isOpeningInFlight(record.opening, record.openingSince, Date.now()) && !pending) {
      // No channel yet (first run, re-enabled), or one whose renewal was dropped while the connection
      // waited for a reconnect: open or renew it now.
      this.deps.schedule.schedule('renew_channel', Date.now(), { correlationId });
    }
  }

  async #calendarId(identity: ConnectionIdentity, correlationId: string): Promise<string | undefined> {
    const database = new Database(this.deps.env);
    try {
      const row = await database.asTenant(claimsOf(identity), (tx) =>
        findVisibleConnection(tx, identity.connectionId),
      );
      return row?.providerCalendarId;
    } catch (error) {
      log('warn', 'push calendar lookup failed', {
        correlationId,
        connection_id: identity.connectionId,
        ...describeError(error),
      });
      throw new ProviderError('temporary', 'calendar lookup failed');
    } finally {
      await database.close();
    }
  }

  /** One call with the connection's token; a rejected token is refreshed once and the call retried. */
  async #withToken<T>(
    identity: ConnectionIdentity,
    correlationId: string,
    call: (accessToken: string) => Promise<T>,
  ): Promise<T> {
    for (const force of [false, true]) {
      const token = await this.deps.accessToken(identity, correlationId, force);
      if (!token.ok)
        throw new ProviderError(
          token.code === 'invalid_grant' ? 'invalid_grant' : 'temporary',
          token.message,
        );
      try {
        return await call(token.accessToken);
      } catch (error) {
        if (force || !(error instanceof ProviderError) || error.code !== 'unauthorized') throw error;
      }
    }
    throw new ProviderError('unauthorized', 'access token rejected');
  }
}
