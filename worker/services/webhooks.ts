/**
 * Provider webhooks (issue 16, SPEC §4): turn a notification into RPCs to the connection objects it
 * names. Nothing is looked up and nothing is trusted here: the channel ref names the object
 * (durable-objects/push/channel-ref.ts), the object verifies the secret and decides. The caller
 * learns nothing either way: every well-formed request gets the same answer.
 */
import { parseChannelRef } from '../../durable-objects/push/channel-ref.ts';
import type { Env } from '../env.ts';
import { describeError, log } from '../log.ts';
import { parseGoogleNotification } from '../providers/google/push.ts';
import { parseGraphNotifications } from '../providers/microsoft/push.ts';
import type { PushNotice } from '../providers/types.ts';
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

/** A Google push: 'malformed' when it is not one (missing or unknown X-Goog-* headers). */
export async function receiveGooglePush(
  env: Pick<Env, 'CALENDAR_CONNECTION'>,
  headers: Headers,
  correlationId: string,
  waitUntil: (promise: Promise<unknown>) => void,
): Promise<'handled' | 'malformed'> {
  const notice = parseGoogleNotification(headers);
  if (!notice) return 'malformed';
  await withinDeadline(deliver(env, [notice], correlationId), waitUntil);
  return 'handled';
}

/** A Graph notification batch (changes and lifecycle events, possibly for several connections). */
export async function receiveGraphNotifications(
  env: Pick<Env, 'CALENDAR_CONNECTION'>,
  body: unknown,
  correlationId: string,
  waitUntil: (promise: Promise<unknown>) => void,
): Promise<'handled' | 'malformed'> {
  const notices = parseGraphNotifications(body);
  if (!notices) return 'malformed';
  await withinDeadline(deliver(env, notices, correlationId), waitUntil);
  return 'handled';
}
