/**
 * Google push (providers.md §5): `events.watch` opens a web_hook channel whose id and token we choose
 * (our channel ref and secret); `channels.stop` ends one. Channels never auto-renew and cannot be
 * extended, so renewal opens a replacement first and stops the old channel after it (they overlap;
 * the object accepts both until the old one is gone). Notifications are empty POSTs whose meaning is
 * in the X-Goog-* headers; `parseGoogleNotification` reads them without trusting anything yet.
 * They arrive at `GOOGLE_WEBHOOK_PATH`.
 */
import { z } from 'zod';
import { ProviderError } from '../errors.ts';
import { providerNow } from '../http.ts';
import { readProviderJson } from '../json-read.ts';
import { jsonWrite } from '../json-write.ts';
import type { Channel, ChannelRequest, NotificationRead, PushNotice, WebhookRequest } from '../types.ts';
import { googleError } from './errors.ts';

/** What we ask for: Google's documented default TTL (the maximum is unpublished; the answer says). */
export const GOOGLE_CHANNEL_TTL_SECONDS = 7 * 24 * 3600;

/** The events.watch answer: the channel's resource id and expiry (epoch ms as a string). */
const WatchAnswer = z.looseObject({
  id: z.string().optional(),
  resourceId: z.string().min(1),
  expiration: z.union([z.string(), z.number()]),
});

export const GOOGLE_WEBHOOK_PATH = '/v1/calendar/webhooks/google';

export function googlePush(calendarApi: string) {
  async function openChannel(accessToken: string, request: ChannelRequest): Promise<Channel> {
    const url = `${calendarApi}/calendars/${encodeURIComponent(request.calendarId)}/events/watch`;
    const response = await jsonWrite(
      'POST',
      url,
      accessToken,
      {
        id: request.channelRef,
        type: 'web_hook',
        address: request.notificationUrl,
        token: request.secret,
        params: { ttl: String(GOOGLE_CHANNEL_TTL_SECONDS) },
      },
      'events.watch',
    );
    if (!response.ok) throw await googleError(response);
    const body = await readProviderJson(response, WatchAnswer, 'events.watch');
    const expiresAtMs = Number(body.expiration);
    if (!Number.isFinite(expiresAtMs))
      throw new ProviderError('unknown', 'events.watch answered without a valid expiration');
    return {
      channelRef: request.channelRef,
      providerId: body.id ?? request.channelRef,
      resourceId: body.resourceId,
      expiresAtMs,
      providerNowMs: providerNow(response),
    };
  }

  async function closeChannel(
    accessToken: string,
    channel: Pick<Channel, 'providerId' | 'resourceId'>,
  ): Promise<void> {
    const response = await jsonWrite(
      'POST',
      `${calendarApi}/channels/stop`,
      accessToken,
      { id: channel.providerId, resourceId: channel.resourceId },
      'channels.stop',
    );
    if (response.ok || response.status === 404) {
      await response.body?.cancel();
      return; // 404: already stopped or expired — the goal is reached
    }
    throw await googleError(response);
  }

  async function renewChannel(
    accessToken: string,
    current: Channel,
    request: ChannelRequest,
  ): Promise<Channel> {
    const replacement = await openChannel(accessToken, request);
    // The old channel would expire by itself; stopping it only saves duplicate notifications.
    await closeChannel(accessToken, current).catch(() => undefined);
    return replacement;
  }

  return {
    openChannel,
    renewChannel,
    closeChannel,
    webhookPath: GOOGLE_WEBHOOK_PATH,
    parseNotification: async (request: WebhookRequest) => readGooglePush(request.headers),
  };
}

// A Map, not an object literal: a header value such as `constructor` must not find an inherited key.
const RESOURCE_STATES: ReadonlyMap<string, PushNotice['kind']> = new Map([
  ['sync', 'sync'],
  ['exists', 'changed'],
  ['not_exists', 'changed'],
]);

/**
 * The notice in a Google push's headers, or undefined when it is not one (a missing header, an
 * unknown state, a channel id that is not our format is left to the caller's ref parser).
 */
export function parseGoogleNotification(headers: Headers): PushNotice | undefined {
  const channelId = headers.get('x-goog-channel-id');
  const state = headers.get('x-goog-resource-state');
  const kind = state ? RESOURCE_STATES.get(state) : undefined;
  if (!channelId || !kind || channelId.length > 64) return undefined;
  // Google numbers every message from 1: a missing, zero or non-numeric number becomes 0, which
  // the object treats as a replay (a captured push stripped of its number must not start a sync).
  const number = Number(headers.get('x-goog-message-number') ?? '');
  const sequence = Number.isSafeInteger(number) && number > 0 ? number : 0;
  const resourceId = headers.get('x-goog-resource-id');
  return {
    channelRef: channelId,
    providerId: channelId,
    secret: (headers.get('x-goog-channel-token') ?? '').slice(0, 256),
    kind,
    sequence,
    ...(resourceId && resourceId.length <= 256 ? { resourceId } : {}),
  };
}

/** A Google push request: its one notice, or the header that made it unreadable. */
export function readGooglePush(headers: Headers): NotificationRead {
  const notice = parseGoogleNotification(headers);
  if (notice) return { kind: 'notices', notices: [notice] };
  const channelId = headers.get('x-goog-channel-id');
  if (!channelId) return { kind: 'malformed', field: 'x-goog-channel-id', message: 'is required' };
  if (channelId.length > 64)
    return { kind: 'malformed', field: 'x-goog-channel-id', message: 'is longer than 64 characters' };
  return { kind: 'malformed', field: 'x-goog-resource-state', message: 'is not a Google push notification' };
}
