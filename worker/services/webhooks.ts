/**
 * Provider webhooks (issue 16, SPEC §4): the provider's adapter reads the request, each notice
 * becomes an RPC to the connection object it names. Nothing is looked up and nothing is trusted here: the channel ref names the object
 * (durable-objects/push/channel-ref.ts), the object verifies the secret and decides. The caller
 * learns nothing either way: every well-formed request gets the same answer.
 */
import { parseChannelRef } from '../../durable-objects/push/channel-ref.ts';
import type { Env } from '../env.ts';
import { validationFailed } from '../errors.ts';
import { describeError, log } from '../log.ts';
import {
  type CalendarProvider,
  type Provider,
  type ProviderConfig,
  providerFor,
} from '../providers/index.ts';
import type { PushNotice, WebhookRequest } from '../providers/types.ts';

export type { WebhookRequest } from '../providers/types.ts';

import { connectionObject } from './connection-object.ts';

/** Graph wants an answer within 3 s (providers.md §11); whatever is still running then finishes in the background. */
export const ANSWER_WITHIN_MS = 2_500;

async function deliver(env: Pick<Env, 'CALENDAR_CONNECTION'>, notices: PushNotice[], correlationId: string) {
  const byConnection = new Map<string, PushNotice[]>();
  for (const notice of notices) {
    const named = parseChannelRef(notice.channelRef);
    if (!named) continue; // not one of our channels: nothing to reach
    byConnection.set(named.connectionId, [...(byConnection.get(named.connectionId) ?? []), notice]);
  }
  await Promise.all(
    [...byConnection].map(async ([connectionId, forConnection]) => {
      const stub = connectionObject(env, connectionId);
      try {
        // In order: a lifecycle event and a change for the same subscription keep their sequence.
        for (const notice of forConnection) await stub.pushNotification(notice, correlationId);
      } catch (error) {
        log('warn', 'webhook delivery to connection object failed', {
          correlationId,
          ...describeError(error),
        });
      }
    }),
  );
}

/** Resolves when `work` is done or the answer deadline passed (the rest goes on under waitUntil). */
async function withinDeadline(
  work: Promise<void>,
  waitUntil: (promise: Promise<unknown>) => void,
): Promise<void> {
  waitUntil(work);
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([work, new Promise((resolve) => (timer = setTimeout(resolve, ANSWER_WITHIN_MS)))]);
  clearTimeout(timer);
}

/** What the route answers: the provider's handshake echo, or the same acknowledgement for everything else. */
export type WebhookAnswer = { kind: 'handshake'; token: string } | { kind: 'acknowledged' };

/**
 * A provider's webhook request: its adapter reads it (`parseNotification`), the notices go to the
 * connection objects they name. A request that is no notification of this provider is a 400 naming
 * the field; nothing of it is echoed.
 */
export async function receiveNotification(
  env: Pick<Env, 'CALENDAR_CONNECTION'> & ProviderConfig,
  provider: Provider,
  request: WebhookRequest,
  correlationId: string,
  waitUntil: (promise: Promise<unknown>) => void,
): Promise<WebhookAnswer> {
  return receiveThrough(env, providerFor(env, provider), request, correlationId, waitUntil);
}

/** `receiveNotification` once the adapter is known (any `CalendarProvider`: the fake one in a test). */
export async function receiveThrough(
  env: Pick<Env, 'CALENDAR_CONNECTION'>,
  adapter: CalendarProvider,
  request: WebhookRequest,
  correlationId: string,
  waitUntil: (promise: Promise<unknown>) => void,
): Promise<WebhookAnswer> {
  const read = await adapter.parseNotification(request);
  switch (read.kind) {
    case 'malformed':
      throw validationFailed([{ field: read.field, message: read.message }]);
    case 'handshake':
      return { kind: 'handshake', token: read.token };
    case 'notices':
      await withinDeadline(deliver(env, read.notices, correlationId), waitUntil);
      return { kind: 'acknowledged' };
  }
}
