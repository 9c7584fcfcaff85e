/**
 * Change notifications, fired after every event change: Google push channels (empty POST with the
 * X-Goog-* headers) and Graph subscriptions (JSON with clientState). Deliveries are fire-and-forget
 * and recorded so tests can assert on them.
 */

import { toGraphId } from './microsoft/ids.ts';
import { type Account, accountKey, type Calendar, type StoredEvent } from './model.ts';
import type { EmulatorState, GoogleChannel, GraphSubscription } from './state.ts';

export type ChangeType = 'created' | 'updated' | 'deleted';

async function deliver(
  state: EmulatorState,
  kind: 'google_push' | 'graph_notification' | 'graph_lifecycle',
  url: string,
  init: RequestInit,
) {
  let status: number | 'error' = 'error';
  try {
    const res = await fetch(url, { ...init, signal: AbortSignal.timeout(10_000) });
    status = res.status;
    await res.body?.cancel();
  } catch {
    status = 'error';
  }
  state.deliveries.push({ kind, url, status, at: state.clock.now() });
}

export function sendGooglePush(
  state: EmulatorState,
  channel: GoogleChannel,
  resourceState: 'sync' | 'exists',
): void {
  channel.messageNumber += resourceState === 'sync' ? 0 : state.random.int(1, 5);
  const headers: Record<string, string> = {
    'x-goog-channel-id': channel.id,
    'x-goog-channel-expiration': new Date(channel.expiration).toUTCString(),
    'x-goog-message-number': String(resourceState === 'sync' ? 1 : channel.messageNumber),
    'x-goog-resource-id': channel.resourceId,
    'x-goog-resource-state': resourceState,
    'x-goog-resource-uri': `https://www.googleapis.com/calendar/v3/calendars/${encodeURIComponent(channel.calendarIdAsGiven)}/events?alt=json`,
    'user-agent': 'APIs-Google; (+https://developers.google.com/webmasters/APIs-Google.html)',
    'content-length': '0',
  };
  if (channel.token) headers['x-goog-channel-token'] = channel.token;
  state.track(deliver(state, 'google_push', channel.address, { method: 'POST', headers }));
}

export function sendGraphNotification(
  state: EmulatorState,
  subscription: GraphSubscription,
  account: Account,
  event: StoredEvent,
  change: ChangeType,
): void {
  const resource = `Users/${account.id}/Events/${toGraphId(event.id)}`;
  const body = {
    value: [
      {
        id: state.token('', 16),
        subscriptionId: subscription.id,
        subscriptionExpirationDateTime: new Date(subscription.expirationDateTime).toISOString(),
        ...(subscription.clientState !== undefined ? { clientState: subscription.clientState } : {}),
        changeType: change,
        resource,
        tenantId: '72f988bf-86f1-41af-91ab-2d7cd011db47',
        resourceData: {
          '@odata.type': '#Microsoft.Graph.Event',
          '@odata.id': resource,
          '@odata.etag': `W/"${event.version}"`,
          id: toGraphId(event.id),
        },
      },
    ],
  };
  state.track(
    deliver(state, 'graph_notification', subscription.notificationUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify(body),
    }),
  );
}

export function sendGraphLifecycle(
  state: EmulatorState,
  subscription: GraphSubscription,
  lifecycleEvent: 'reauthorizationRequired' | 'subscriptionRemoved' | 'missed',
): boolean {
  const url = subscription.lifecycleNotificationUrl;
  if (!url) return false;
  const body = {
    value: [
      {
        subscriptionId: subscription.id,
        subscriptionExpirationDateTime: new Date(subscription.expirationDateTime).toISOString(),
        tenantId: '72f988bf-86f1-41af-91ab-2d7cd011db47',
        ...(subscription.clientState !== undefined ? { clientState: subscription.clientState } : {}),
        lifecycleEvent,
      },
    ],
  };
  state.track(
    deliver(state, 'graph_lifecycle', url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    }),
  );
  return true;
}

/** Call after every change of `event` in `calendar` of `account`. */
export function notifyChange(
  state: EmulatorState,
  account: Account,
  calendar: Calendar,
  event: StoredEvent,
  change: ChangeType,
): void {
  const key = accountKey(account.provider, account.email);
  const now = state.clock.now();
  if (account.provider === 'google') {
    for (const channel of state.channels.values()) {
      if (
        channel.stopped ||
        channel.expiration <= now ||
        channel.accountKey !== key ||
        channel.calendarId !== calendar.id
      )
        continue;
      sendGooglePush(state, channel, 'exists');
    }
    return;
  }
  for (const subscription of state.subscriptions.values()) {
    if (subscription.accountKey !== key || subscription.expirationDateTime <= now) continue;
    if (!subscription.changeType.split(',').includes(change)) continue;
    sendGraphNotification(state, subscription, account, event, change);
  }
}
