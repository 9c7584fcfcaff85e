/**
 * Opening and renewing the connection's channel (the renew_channel row): open one when there is none,
 * renew the current one when its row comes due, drop it first for a recreate (removed, or silent).
 * Failures retry with the sync engine's backoff; a channel the provider dropped is reopened at once.
 * Everything stops writing once `stopped` fires (pause, disconnect: channels.ts stopAll).
 */
import { describeError, log } from '../../worker/log.ts';
import { ProviderError } from '../../worker/providers/errors.ts';
import { providerFor } from '../../worker/providers/index.ts';
import type { Channel } from '../../worker/providers/types.ts';
import type { ConnectionIdentity } from '../identity.ts';
import { retryDelayMs } from '../timing.ts';
import { channelSecret, newChannelRef } from './channel-ref.ts';
import { renewalDelayMs } from './plan.ts';
import type { ProviderCalls, PushDeps } from './provider-calls.ts';
import type { PushStore, StoredChannel } from './record.ts';

export class ChannelOpener {
  constructor(
    private readonly deps: PushDeps,
    private readonly store: PushStore,
    private readonly calls: ProviderCalls,
  ) {}

  /** Returns the row's outcome: opened, renewed, gone, gone_reopening, stopped or failed_<code>. */
  async maintain(
    identity: ConnectionIdentity,
    correlationId: string,
    recreate: boolean,
    stopped: AbortSignal,
  ): Promise<string> {
    const { env, schedule } = this.deps;
    const provider = providerFor(env, identity.provider);
    const record = await this.store.record();
    if (recreate && record.channel) {
      await this.calls.close(identity, provider, record.channel, correlationId);
      if (stopped.aborted) return 'stopped';
      await this.store.save((r) => ({ ...r, channel: null }));
      await this.store.count('recreated');
    }
    const current = recreate ? null : record.channel;
    try {
      const calendarId = await this.calls.calendarId(identity, correlationId);
      if (calendarId === undefined) return 'gone';
      const channelRef = newChannelRef(identity.connectionId);
      const request = {
        calendarId,
        channelRef,
        secret: await channelSecret(record.key, channelRef),
        notificationUrl: new URL(provider.webhookPath, env.WEBHOOK_BASE_URL).toString(),
        providerNowMs: Date.now() + record.skewMs,
      };
      if (stopped.aborted) return 'stopped';
      await this.store.save((r) => ({
        ...r,
        opening: channelRef,
        openingSince: Date.now(),
        openingSequence: 0,
      }));
      const channel = await this.calls.withToken(identity, correlationId, async (token) => {
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
      await this.store.count(current ? 'renewed' : 'opened');
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
        await this.store.save((r) => ({ ...r, channel: null, opening: null }));
        schedule.schedule('renew_channel', Date.now(), { correlationId });
        return 'gone_reopening';
      }
      const saved = await this.store.save((r) => ({
        ...r,
        opening: null,
        consecutiveFailures: r.consecutiveFailures + 1,
      }));
      await this.store.count('failures');
      const retryAfter = error instanceof ProviderError ? error.retryAfterSeconds : undefined;
      const delay = retryDelayMs(
        saved.consecutiveFailures,
        Math.random(),
        retryAfter,
        code === 'quota_exceeded',
      );
      schedule.schedule('renew_channel', Date.now() + delay, { correlationId });
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
    await this.store.save((r) => ({
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
}
