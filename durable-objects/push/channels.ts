/**
 * The push half of a connection object (issue 16), as the object sees it: its lifecycle. The object
 * calls in from its RPC methods and schedule handlers; the work is done by one module per job:
 *
 * - open.ts: open, renew and recreate the channel (the renew_channel row), with the sync backoff;
 * - receive.ts: verify a notification, ignore replays and stale channels, name the action;
 * - record.ts: the push record and counters in the object's storage;
 * - provider-calls.ts: channel calls with the connection's token, stops, the calendar lookup;
 * - plan.ts (pure timing), channel-ref.ts (channel identity), named-events.ts (events to re-read).
 *
 * Here: whether push is on, stopping every channel on pause and disconnect, and what a finished
 * sync run means for the channel (open one if there is none, recreate one that went silent).
 */
import { log } from '../../worker/log.ts';
import { providerFor } from '../../worker/providers/index.ts';
import type { PushNotice } from '../../worker/providers/types.ts';
import type { ConnectionIdentity } from '../identity.ts';
import { NamedEvents } from './named-events.ts';
import { ChannelOpener } from './open.ts';
import { assessDelivery, isOpeningInFlight } from './plan.ts';
import { ProviderCalls, type PushDeps } from './provider-calls.ts';
import { NoticeReceiver, type NoticeVerdict } from './receive.ts';
import { PushStore } from './record.ts';

export type { PushDeps } from './provider-calls.ts';
export type { NoticeAction, NoticeVerdict } from './receive.ts';

export class PushChannels {
  /**
   * Aborted (and replaced) by `stopAll` on pause and disconnect. Channel work that was awaiting the
   * provider or the database then writes nothing more: after a disconnect the object's storage was
   * cleared, and a late write would bring back a record (and a renewal row) for a connection that is gone.
   */
  #stopped = new AbortController();

  /** Events the verified notifications named, for the sync round's re-read (named-events.ts). */
  readonly named: NamedEvents;
  readonly #store: PushStore;
  readonly #calls: ProviderCalls;
  readonly #opener: ChannelOpener;
  readonly #receiver: NoticeReceiver;

  constructor(private readonly deps: PushDeps) {
    this.named = new NamedEvents(deps.storage);
    this.#store = new PushStore(deps.storage);
    this.#calls = new ProviderCalls(deps, this.#store);
    this.#opener = new ChannelOpener(deps, this.#store, this.#calls);
    this.#receiver = new NoticeReceiver(deps, this.#store, this.#calls, this.named);
  }

  /** Push is on when the deployment names the public origin providers deliver to. */
  get enabled(): boolean {
    return Boolean(this.deps.env.WEBHOOK_BASE_URL);
  }

  /**
   * The renew_channel row: open a channel when there is none, otherwise renew it (the row's due time
   * was the decision). `recreate` drops the current channel first (removed, or silent).
   */
  async maintain(identity: ConnectionIdentity, correlationId: string, recreate = false): Promise<string> {
    if (!this.enabled) return 'push_off';
    return this.#opener.maintain(identity, correlationId, recreate, this.#stopped.signal);
  }

  /** A notification for this object (receive.ts); `active`: the connection syncs. */
  receive(
    identity: ConnectionIdentity,
    notice: PushNotice,
    active: boolean,
    correlationId: string,
  ): Promise<NoticeVerdict> {
    return this.#receiver.receive(identity, notice, active, correlationId);
  }

  /** Pause and disconnect: stop every channel we hold (best effort; they expire anyway). */
  async stopAll(identity: ConnectionIdentity, correlationId: string): Promise<void> {
    this.#stopped.abort();
    this.#stopped = new AbortController();
    this.deps.schedule.removeKinds(['renew_channel']);
    const record = await this.#store.read();
    if (!record) return;
    const provider = providerFor(this.deps.env, identity.provider);
    for (const channel of [record.channel, ...record.retired]) {
      if (channel) await this.#calls.close(identity, provider, channel, correlationId);
    }
    await this.#store.save((r) => ({ ...r, channel: null, retired: [], opening: null, silentRuns: 0 }));
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
    const record = await this.#store.record();
    const { watch, recreate } = assessDelivery(record, run);
    await this.#store.save((r) => ({ ...r, ...watch }));
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
}
