/**
 * Test set-up for free/busy, availability and events: emulator accounts connected through the
 * worker (real OAuth, vault, Durable Object), and their calendars written into the mirror with the
 * sync engine's own pieces — the provider's full list read with the connection object's token,
 * `mapGoogleEvent` → `planPage` → one multi-row upsert → `deriveSeriesBusy` per series, under the
 * owner's claims (RLS), as test/node/sync-storage.test.ts does. Used until the engine's Durable
 * Object sync can be driven from tests; nothing of ours is mocked.
 */
import { env } from 'cloudflare:workers';
import { and, eq, inArray, or, sql } from 'drizzle-orm';
import { inboundConflictSet } from '../../db/queries/events.ts';
import { ceCalendarBusyOccurrences, ceCalendarConnections, ceCalendarEvents } from '../../db/schema.ts';
import { Database } from '../../db/tenant.ts';
import { getFreshCalendarAccessToken } from '../../worker/services/tokens.ts';
import { deriveSeriesBusy } from '../../worker/sync/busy.ts';
import { type GoogleEventJson, mapGoogleEvent } from '../../worker/sync/google-event.ts';
import { horizonAt } from '../../worker/sync/horizon.ts';
import { planPage } from '../../worker/sync/page-plan.ts';
import { busyRow, eventRow } from '../../worker/sync/rows.ts';
import type { MirrorEvent } from '../../worker/sync/types.ts';
import { connectThroughWorker, emulatorControl, registerPlatformClients } from './connect-helpers.ts';
import { call, ownerQuery, tokenFor } from './helpers.ts';

export interface ConnectedUser {
  orgId: string;
  userId: string;
  email: string;
  connectionId: string;
  timeZone: string;
}

/** A fresh Google emulator account in `timeZone`, connected by `userId` through the worker. */
export async function connectGoogleUser(
  orgId: string,
  userId: string,
  timeZone: string,
): Promise<ConnectedUser> {
  await registerPlatformClients();
  const email = `fb-${crypto.randomUUID().slice(0, 8)}@demo.example`;
  await emulatorControl('/accounts', {
    provider: 'google',
    email,
    name: email.split('@')[0],
    time_zone: timeZone,
  });
  const token = await tokenFor({
    sub: userId,
    org_id: orgId,
    permissions: ['ce.calendar.connect', 'ce.calendar.view'],
  });
  const landed = await connectThroughWorker(token, 'google', email);
  if (landed.searchParams.get('calendar_error')) throw new Error(`connect failed: ${landed.search}`);
  const [row] = await ownerQuery<{ id: string }>(
    sql`select id from ce_calendar_connections where user_id = ${userId} and account_email = ${email}`,
  );
  if (!row) throw new Error('no connection row');
  // The engine's own Durable Object sync is live now; pause it so these fixtures own the mirror and
  // a push-triggered run cannot interleave with the writes below (the engine's tests cover it).
  const paused = await call(`/v1/calendar/connections/${row.id}`, {
    method: 'PATCH',
    token,
    json: { sync_enabled: false },
  });
  if (paused.status !== 200) throw new Error(`pause failed: ${paused.status}`);
  return { orgId, userId, email, connectionId: row.id, timeZone };
}

/** Creates an event "as the user would" on the emulator; returns its provider JSON. */
export async function createGoogleEvent(user: ConnectedUser, event: Record<string, unknown>) {
  return emulatorControl<{ id: string } & Record<string, unknown>>(`/accounts/google/${user.email}/events`, {
    event,
  });
}

export async function accessTokenOf(user: ConnectedUser): Promise<string> {
  return getFreshCalendarAccessToken(env, {
    id: user.connectionId,
    organizationId: user.orgId,
    userId: user.userId,
    provider: 'google',
  });
}

/** GET on Calendar v3 with the connection's token (all pages). */
export async function googleList(
  user: ConnectedUser,
  params: Record<string, string>,
): Promise<{ items: GoogleEventJson[]; timeZone: string }> {
  const accessToken = await accessTokenOf(user);
  const items: GoogleEventJson[] = [];
  let timeZone = 'UTC';
  let pageToken: string | undefined;
  do {
    const url = new URL(`${env.GOOGLE_API_BASE_URL}/calendar/v3/calendars/primary/events`);
    for (const [key, value] of Object.entries({ maxResults: '2500', ...params }))
      url.searchParams.set(key, value);
    if (pageToken) url.searchParams.set('pageToken', pageToken);
    const response = await fetch(url, { headers: { authorization: `Bearer ${accessToken}` } });
    if (!response.ok) throw new Error(`events.list ${response.status}`);
    const body = (await response.json()) as {
      items?: GoogleEventJson[];
      timeZone?: string;
      nextPageToken?: string;
    };
    items.push(...(body.items ?? []));
    timeZone = body.timeZone ?? timeZone;
    pageToken = body.nextPageToken;
  } while (pageToken);
  return { items, timeZone };
}

/** The emulator's own freeBusy for the account's primary calendar (oracle). */
export async function googleFreeBusyOracle(user: ConnectedUser, startMs: number, endMs: number) {
  const response = await fetch(`${env.GOOGLE_API_BASE_URL}/calendar/v3/freeBusy`, {
    method: 'POST',
    headers: { authorization: `Bearer ${await accessTokenOf(user)}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      timeMin: new Date(startMs).toISOString(),
      timeMax: new Date(endMs).toISOString(),
      timeZone: 'UTC',
      items: [{ id: 'primary' }],
    }),
  });
  const body = (await response.json()) as {
    calendars: Record<string, { busy: Array<{ start: string; end: string }> }>;
  };
  return (body.calendars.primary?.busy ?? []).map((b) => ({
    start: new Date(Date.parse(b.start)).toISOString(),
    end: new Date(Date.parse(b.end)).toISOString(),
  }));
}

/**
 * A full sync round of the account into the mirror: the provider's full list mapped and planned as
 * one page, written under the owner's claims, busy re-derived for every series; the connection gets
 * the calendar's zone and `last_sync_at`.
 */
export async function syncIntoMirror(user: ConnectedUser): Promise<void> {
  const { items, timeZone } = await googleList(user, {});
  await writeMirror(user, planPage(items.map((item) => mapGoogleEvent(item, timeZone))), timeZone);
}

/** Writes a planned full round for `user` (the engine's statements, in 500-row chunks). */
export async function writeMirror(
  user: Pick<ConnectedUser, 'orgId' | 'userId' | 'connectionId'>,
  plan: ReturnType<typeof planPage>,
  timeZone: string,
): Promise<void> {
  const tenancy = { organizationId: user.orgId, connectionId: user.connectionId };
  const claims = { sub: user.userId, org_id: user.orgId, roles: [], permissions: ['ce.calendar.connect'] };
  const database = new Database(env);
  try {
    await database.asTenant(claims, async (tx) => {
      const inConnection = eq(ceCalendarEvents.connectionId, user.connectionId);
      // A full round: whatever the list no longer has goes, as the engine's full resync does.
      const seen = plan.upserts.map((e) => e.providerEventId);
      await tx.delete(ceCalendarEvents).where(
        seen.length
          ? and(
              inConnection,
              sql`${ceCalendarEvents.providerEventId} <> all(${sql`array[${sql.join(
                seen.map((id) => sql`${id}`),
                sql`, `,
              )}]::text[]`})`,
            )
          : inConnection,
      );
      if (plan.deletions.length) {
        await tx
          .delete(ceCalendarEvents)
          .where(
            and(
              inConnection,
              or(
                inArray(ceCalendarEvents.providerEventId, plan.deletions),
                inArray(ceCalendarEvents.seriesKey, plan.deletions),
              ),
            ),
          );
      }
      await tx
        .delete(ceCalendarBusyOccurrences)
        .where(eq(ceCalendarBusyOccurrences.connectionId, user.connectionId));
      const idOf = new Map<string, string>();
      for (let i = 0; i < plan.upserts.length; i += 500) {
        const written = await tx
          .insert(ceCalendarEvents)
          .values(plan.upserts.slice(i, i + 500).map((event) => eventRow(event, tenancy)))
          .onConflictDoUpdate({
            target: [ceCalendarEvents.connectionId, ceCalendarEvents.providerEventId],
            set: inboundConflictSet(),
          })
          .returning({ id: ceCalendarEvents.id, providerEventId: ceCalendarEvents.providerEventId });
        for (const w of written) idOf.set(w.providerEventId, w.id);
      }
      const bySeries = new Map<string, MirrorEvent[]>();
      for (const event of plan.upserts)
        bySeries.set(event.seriesKey, [...(bySeries.get(event.seriesKey) ?? []), event]);
      const horizon = horizonAt(Date.now());
      const busy = [...bySeries.values()].flatMap((rows) =>
        deriveSeriesBusy('expand_master_rule', rows, horizon).map((occurrence) =>
          busyRow(occurrence, {
            ...tenancy,
            userId: user.userId,
            eventId: idOf.get(occurrence.sourceProviderEventId)!,
          }),
        ),
      );
      for (let i = 0; i < busy.length; i += 500)
        await tx.insert(ceCalendarBusyOccurrences).values(busy.slice(i, i + 500));
      await tx
        .update(ceCalendarConnections)
        .set({ calendarTimeZone: timeZone, lastSyncAt: new Date() })
        .where(eq(ceCalendarConnections.id, user.connectionId));
    });
  } finally {
    await database.close();
  }
}

/** The series' instance ids as the provider names them (to move or cancel the n-th one). */
export async function instancesOf(user: ConnectedUser, eventId: string, from: string, to: string) {
  return emulatorControl<Array<{ id: string; start: string; original_start: string }>>(
    `/accounts/google/${user.email}/events/${eventId}/instances?from=${from}&to=${to}`,
  );
}

export async function patchEvent(user: ConnectedUser, eventId: string, event: Record<string, unknown>) {
  return emulatorControl(`/accounts/google/${user.email}/events/${eventId}`, { event }, 'PATCH');
}

export async function deleteEvent(user: ConnectedUser, eventId: string) {
  return emulatorControl(`/accounts/google/${user.email}/events/${eventId}`, undefined, 'DELETE');
}
