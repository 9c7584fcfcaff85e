/**
 * Graph change notifications (providers.md §11): a subscription on the calendar's events with
 * `created,updated,deleted`, a lifecycle URL (it cannot be added later) and a `clientState` that
 * carries our channel ref and secret. Renewal PATCHes `expirationDateTime` within the maximum.
 * `parseGraphNotifications` reads a webhook body (change or lifecycle items) without trusting it yet;
 * `readGraphWebhook` adds the subscription handshake. They arrive at `GRAPH_WEBHOOK_PATH`.
 */
import { z } from 'zod';
import { ProviderError } from '../errors.ts';
import { providerNow } from '../http.ts';
import { jsonWrite } from '../json-write.ts';
import type { Channel, ChannelRequest, NotificationRead, PushNotice, WebhookRequest } from '../types.ts';
import { microsoftError } from './errors.ts';

export const GRAPH_WEBHOOK_PATH = '/v1/calendar/webhooks/microsoft';

/** Live Graph refuses more than 10,070 minutes; 70 minutes of margin absorb clock skew. */
export const GRAPH_SUBSCRIPTION_MINUTES = 10_000;

/** Graph subscription resource of a calendar's events ('primary' is the mailbox's default calendar). */
export const subscriptionResource = (calendarId: string) =>
  calendarId === 'primary' ? 'me/events' : `me/calendars/${encodeURIComponent(calendarId)}/events`;

/** clientState = `{channelRef}.{secret}` (≤ 128 characters; refs and secrets hold no dots after the id). */
export const clientStateOf = (request: Pick<ChannelRequest, 'channelRef' | 'secret'>) =>
  `${request.channelRef}.${request.secret}`;

function splitClientState(clientState: string): { channelRef: string; secret: string } | undefined {
  const cut = clientState.lastIndexOf('.');
  if (cut <= 0) return undefined;
  return { channelRef: clientState.slice(0, cut), secret: clientState.slice(cut + 1) };
}

interface SubscriptionBody {
  id?: string;
  expirationDateTime?: string;
}

function toChannel(channelRef: string, body: SubscriptionBody, response: Response): Channel {
  const expiresAtMs = Date.parse(body.expirationDateTime ?? '');
  if (!body.id || !Number.isFinite(expiresAtMs))
    throw new ProviderError('unknown', 'subscription answered without id or expirationDateTime');
  return {
    channelRef,
    providerId: body.id,
    resourceId: body.id,
    expiresAtMs,
    providerNowMs: providerNow(response),
  };
}

const expiry = (providerNowMs: number) =>
  new Date(providerNowMs + GRAPH_SUBSCRIPTION_MINUTES * 60_000).toISOString();

export function graphPush(graph: string) {
  /**
   * Sends a create or renewal with an expiry computed from our estimate of Graph's clock; when Graph
   * says it is too far out (our estimate ran ahead), once more from the clock in its answer.
   */
  async function withExpiry(
    estimate: number,
    attempt: (expirationDateTime: string) => Promise<Response>,
  ): Promise<Response> {
    const first = await attempt(expiry(estimate));
    if (first.status !== 400) return first;
    const text = await first.text();
    if (!text.includes('ExtensionError')) return new Response(text, { status: 400, headers: first.headers });
    return attempt(expiry(providerNow(first) - 60_000));
  }

  async function openChannel(accessToken: string, request: ChannelRequest): Promise<Channel> {
    const response = await withExpiry(request.providerNowMs, (expirationDateTime) =>
      jsonWrite(
        'POST',
        `${graph}/subscriptions`,
        accessToken,
        {
          changeType: 'created,updated,deleted',
          notificationUrl: request.notificationUrl,
          lifecycleNotificationUrl: request.notificationUrl,
          resource: subscriptionResource(request.calendarId),
          expirationDateTime,
          clientState: clientStateOf(request),
        },
        'subscriptions.create',
      ),
    );
    if (!response.ok) throw await microsoftError(response);
    return toChannel(request.channelRef, (await response.json()) as SubscriptionBody, response);
  }

  async function renewChannel(
    accessToken: string,
    current: Channel,
    request: ChannelRequest,
  ): Promise<Channel> {
    const url = `${graph}/subscriptions/${encodeURIComponent(current.providerId)}`;
    const response = await withExpiry(request.providerNowMs, (expirationDateTime) =>
      jsonWrite('PATCH', url, accessToken, { expirationDateTime }, 'subscriptions.update'),
    );
    if (!response.ok) throw await microsoftError(response);
    // The clientState (and so the ref and secret) stays the subscription's own.
    return toChannel(current.channelRef, (await response.json()) as SubscriptionBody, response);
  }

  async function closeChannel(accessToken: string, channel: Pick<Channel, 'providerId'>): Promise<void> {
    const response = await jsonWrite(
      'DELETE',
      `${graph}/subscriptions/${encodeURIComponent(channel.providerId)}`,
      accessToken,
      undefined,
      'subscriptions.delete',
    );
    if (response.ok || response.status === 404) {
      await response.body?.cancel();
      return;
    }
    throw await microsoftError(response);
  }

  return {
    openChannel,
    renewChannel,
    closeChannel,
    webhookPath: GRAPH_WEBHOOK_PATH,
    parseNotification: readGraphWebhook,
  };
}

// A Map, not an object literal: a lifecycleEvent such as `constructor` must not find an inherited key.
const LIFECYCLE: ReadonlyMap<string, PushNotice['kind']> = new Map([
  ['reauthorizationRequired', 'reauthorization_required'],
  ['subscriptionRemoved', 'removed'],
  ['missed', 'missed'],
]);

const GraphItem = z.object({
  id: z.string().max(512).optional(),
  subscriptionId: z.string().min(1).max(128),
  clientState: z.string().max(128).optional(),
  changeType: z.string().max(64).optional(),
  lifecycleEvent: z.string().max(64).optional(),
  // The event the change is about; a malformed one never drops the notification (it only loses the id).
  resourceData: z
    .object({ id: z.string().min(1).max(512) })
    .optional()
    .catch(undefined),
});

export const GraphNotificationBody = z.object({ value: z.array(z.unknown()).max(1000) });

/**
 * The notices in a Graph webhook body. Items that are not notifications or carry no clientState of
 * our shape are dropped one by one (a batch is not refused for one bad item).
 */
export function parseGraphNotifications(body: unknown): PushNotice[] | undefined {
  const parsed = GraphNotificationBody.safeParse(body);
  if (!parsed.success) return undefined;
  const notices: PushNotice[] = [];
  for (const raw of parsed.data.value) {
    const item = GraphItem.safeParse(raw);
    if (!item.success || !item.data.clientState) continue;
    const state = splitClientState(item.data.clientState);
    if (!state) continue;
    const kind = item.data.lifecycleEvent ? LIFECYCLE.get(item.data.lifecycleEvent) : 'changed';
    if (!kind) continue;
    notices.push({
      ...state,
      providerId: item.data.subscriptionId,
      resourceId: item.data.subscriptionId,
      kind,
      ...(item.data.id ? { notificationId: item.data.id } : {}),
      ...(kind === 'changed' && item.data.resourceData?.id ? { eventId: item.data.resourceData.id } : {}),
    });
  }
  return notices;
}

/**
 * A Graph webhook request: the subscription handshake (`validationToken` in the query; its length is
 * bounded by the route's schema), else the JSON batch's notices.
 */
export async function readGraphWebhook(request: WebhookRequest): Promise<NotificationRead> {
  const validationToken = request.query.get('validationToken');
  if (validationToken !== null) return { kind: 'handshake', token: validationToken };
  let body: unknown;
  try {
    body = await request.json();
  } catch {
    return { kind: 'malformed', field: 'body', message: 'must be a JSON notification batch' };
  }
  const notices = parseGraphNotifications(body);
  return notices
    ? { kind: 'notices', notices }
    : { kind: 'malformed', field: 'value', message: 'must be a list of notifications' };
}
