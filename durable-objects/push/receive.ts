/**
 * A notification for this object, verified before anything happens: the ref must name this
 * connection and the secret must be this object's for that ref (channel-ref.ts). Then replays
 * (Google message numbers, Graph notification ids) and channels we no longer keep are ignored — one
 * of ours that still calls is stopped — and what is left asks the object for an action.
 */
import { providerFor } from '../../worker/providers/index.ts';
import type { PushNotice } from '../../worker/providers/types.ts';
import type { ConnectionIdentity } from '../identity.ts';
import { parseChannelRef, verifyChannelSecret } from './channel-ref.ts';
import type { NamedEvents } from './named-events.ts';
import { isReplayedSequence, SEEN_NOTIFICATIONS } from './plan.ts';
import type { ProviderCalls, PushDeps } from './provider-calls.ts';
import type { PushStore } from './record.ts';

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

const ignored = (): NoticeVerdict => ({ outcome: 'ignored', action: 'none' });

export class NoticeReceiver {
  constructor(
    private readonly deps: PushDeps,
    private readonly store: PushStore,
    private readonly calls: ProviderCalls,
    private readonly named: NamedEvents,
  ) {}

  /** `active`: the connection syncs (a paused one ignores notifications and stops the channel). */
  async receive(
    identity: ConnectionIdentity,
    notice: PushNotice,
    active: boolean,
    correlationId: string,
  ): Promise<NoticeVerdict> {
    const record = await this.store.read();
    const named = parseChannelRef(notice.channelRef);
    if (
      !record ||
      named?.connectionId !== identity.connectionId ||
      !(await verifyChannelSecret(record.key, notice.channelRef, notice.secret))
    ) {
      await this.store.count('rejected');
      return { outcome: 'rejected', action: 'none' };
    }
    const current = record.channel?.channelRef === notice.channelRef ? record.channel : undefined;
    const retired = record.retired.find((c) => c.channelRef === notice.channelRef);
    const opening = record.opening === notice.channelRef;
    if (!active || (!current && !retired && !opening)) {
      // Ours, but not a channel we keep (paused, or a record lost): stop it so it stops calling.
      if (notice.kind !== 'sync' && !opening) {
        const provider = providerFor(this.deps.env, identity.provider);
        await this.calls.close(
          identity,
          provider,
          { providerId: notice.providerId, resourceId: notice.resourceId ?? notice.providerId },
          correlationId,
        );
      }
      await this.store.count('ignored');
      return ignored();
    }
    const channel = current ?? retired;
    if (notice.sequence !== undefined) {
      const lastSequence = channel ? channel.lastSequence : (record.openingSequence ?? 0);
      if (notice.kind !== 'sync' && isReplayedSequence(lastSequence, notice.sequence)) {
        await this.store.count('ignored');
        return ignored();
      }
      const sequence = notice.sequence;
      await this.store.save((r) => ({
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
        await this.store.count('ignored');
        return ignored();
      }
      const id = notice.notificationId;
      await this.store.save((r) => ({ ...r, seen: [...r.seen, id].slice(-SEEN_NOTIFICATIONS) }));
    }
    // The sync handshake proves the address works, not that changes arrive: only change-bearing kinds count.
    if (notice.kind !== 'sync')
      await this.store.save((r) => ({ ...r, lastNotificationAt: Date.now(), silentRuns: 0 }));
    await this.store.count('accepted');
    const action = NOTICE_ACTIONS[notice.kind];
    // The round this notice asks for must return the event, or it is read directly (sync/reread.ts).
    if (action === 'sync' && notice.eventId) await this.named.add(notice.eventId, Date.now());
    return { outcome: 'accepted', action };
  }
}
