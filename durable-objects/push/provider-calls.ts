/**
 * What the push parts ask of the outside world: channel calls made with the connection's token
 * (refreshed once on a rejection), the stop of one channel, and the provider calendar id a channel
 * watches (read from Postgres under the connection's own claims).
 */
import { findVisibleConnection } from '../../db/queries/connections.ts';
import { describeError, log } from '../../worker/log.ts';
import { ProviderError } from '../../worker/providers/errors.ts';
import type { CalendarProvider, Channel } from '../../worker/providers/types.ts';
import { type ConnectionIdentity, claimsOf, type ObjectEnv } from '../identity.ts';
import type { Schedule } from '../schedule.ts';
import type { ObjectStorage } from '../storage.ts';
import { withAccessToken } from '../token-call.ts';
import type { AccessTokenResult } from '../token-refresher.ts';
import { usingDatabase } from '../with-database.ts';
import type { PushStore } from './record.ts';

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

export class ProviderCalls {
  constructor(
    private readonly deps: PushDeps,
    private readonly store: PushStore,
  ) {}

  /** One call with the connection's token; a token that cannot be had is a retry, or a reconnect. */
  withToken<T>(
    identity: ConnectionIdentity,
    correlationId: string,
    call: (accessToken: string) => Promise<T>,
  ): Promise<T> {
    return withAccessToken(
      (force) => this.deps.accessToken(identity, correlationId, force),
      (failure) =>
        new ProviderError(failure.code === 'invalid_grant' ? 'invalid_grant' : 'temporary', failure.message),
      call,
    );
  }

  /** Stops one channel (best effort: it expires anyway); counted as `stopped` when the provider took it. */
  async close(
    identity: ConnectionIdentity,
    provider: CalendarProvider,
    channel: Pick<Channel, 'providerId' | 'resourceId'>,
    correlationId: string,
  ): Promise<void> {
    try {
      await this.withToken(identity, correlationId, (token) => provider.closeChannel(token, channel));
      await this.store.count('stopped');
    } catch (error) {
      log('warn', 'push channel stop failed', {
        correlationId,
        connection_id: identity.connectionId,
        ...describeError(error),
      });
    }
  }

  /** The provider calendar the connection syncs; undefined when the connection is gone. */
  async calendarId(identity: ConnectionIdentity, correlationId: string): Promise<string | undefined> {
    try {
      const row = await usingDatabase(this.deps.env, (db) =>
        db.asTenant(claimsOf(identity), (tx) => findVisibleConnection(tx, identity.connectionId)),
      );
      return row?.providerCalendarId;
    } catch (error) {
      log('warn', 'push calendar lookup failed', {
        correlationId,
        connection_id: identity.connectionId,
        ...describeError(error),
      });
      throw new ProviderError('temporary', 'calendar lookup failed');
    }
  }
}
