/**
 * Test set-up for free/busy, availability and events: emulator accounts connected through the
 * worker (real OAuth, vault, Durable Object), their calendars filled "as the user would", and the
 * mirror filled either by a real sync run of the connection's Durable Object (`syncThroughObject`:
 * the object's alarm, as test/workers/sync-google.test.ts drives it) or, for tests that must own the
 * mirror while the object is paused, with the sync engine's own pieces (`syncIntoMirror`: the
 * provider's full list read with the object's token, `mapGoogleEvent` → `planPage` → one multi-row
 * upsert → `deriveSeriesBusy` per series, under the owner's claims). Oracles come from the
 * emulator's own expansion (Google freeBusy, Graph calendarView). Nothing of ours is mocked.
 */
import { env } from 'cloudflare:workers';
import { and, eq, inArray, or, sql } from 'drizzle-orm';
import { inboundConflictSet } from '../../db/queries/events.ts';
import { ceCalendarBusyOccurrences, ceCalendarConnections, ceCalendarEvents } from '../../db/schema.ts';
import { Database } from '../../db/tenant.ts';
import { allDayToInterval, mergeIntervals } from '../../worker/availability/index.ts';
import { googleSeriesExpansion } from '../../worker/providers/google/recurrence.ts';
import { type GoogleEventJson, mapGoogleEvent } from '../../worker/providers/google/to-event.ts';
import { getFreshCalendarAccessToken } from '../../worker/services/tokens.ts';
import { deriveSeriesBusy } from '../../worker/sync/busy.ts';
import { horizonAt } from '../../worker/sync/horizon.ts';
import { planPage } from '../../worker/sync/page-plan.ts';
import { busyRow, eventRow } from '../../worker/sync/rows.ts';
import type { MirrorEvent } from '../../worker/sync/types.ts';
import { connectThroughWorker, emulatorControl, registerPlatformClients } from './connect-helpers.ts';
import { call, ownerQuery, tokenFor } from './helpers.ts';
import { objectOf, settle } from './sync-model.ts';

export type ProviderName = 'google' | 'microsoft';

export interface ConnectedUser {
  orgId: string;
  userId: string;
  email: string;
  connectionId: string;
  timeZone: string;
  provider: ProviderName;
}

/** An emulator account as the control API names it (connected or not). */
export type EmulatorAccount = Pick<ConnectedUser, 'provider' | 'email'>;

/** An emulator account that is never connected (an organizer who invites the connected users). */
export async function emulatorAccount(provider: ProviderName, timeZone: string): Promise<EmulatorAccount> {
  const email = `org-${crypto.randomUUID().slice(0, 8)}@demo.example`;
  await emulatorControl('/accounts', { provider, email, name: email.split('@')[0], time_zone: timeZone });
  return { provider, email };
}

/** The window most of these tests read: four weeks around the 2027 New York and Berlin DST changes. */
export const MARCH_2027 = { time_min: '2027-03-08T00:00:00Z', time_max: '2027-04-05T00:00:00Z' };

/** A fresh random id per name: `const id = newIds('org', 'ny')` → `id.org`, `id.ny`. */
export function newIds<Name extends string>(...names: Name[]): Record<Name, string> {
  return Object.fromEntries(names.map((name) => [name, crypto.randomUUID()])) as Record<Name, string>;
}

/** Bearer tokens of one organization: `bearerIn(org)(sub, permissions, roles?)`. */
export const bearerIn =
  (orgId: string) =>
  (sub: string, permissions: string[], roles: string[] = []): Promise<string> =>
    tokenFor({ sub, org_id: orgId, permissions, roles });

/** POSTs `body` as JSON with `bearer`; the status and the raw text (for leak checks on the JSON). */
export async function postJson(
  path: string,
  bearer: string | Promise<string>,
  body: unknown,
): Promise<{ status: number; text: string }> {
  const res = await call(path, { method: 'POST', token: await bearer, json: body });
  return { status: res.status, text: await res.text() };
}

/**
 * A fresh emulator account of `provider` in `timeZone`, connected by `userId` through the worker.
 * `pauseSync` (default) pauses the engine's own Durable Object sync so the caller owns the mirror
 * (`syncIntoMirror`) and a push-triggered run cannot interleave with its writes; without it the
 * object syncs and `syncThroughObject` drives its runs.
 */
export async function connectUser(
  provider: ProviderName,
  orgId: string,
  userId: string,
  timeZone: string,
  { pauseSync = true }: { pauseSync?: boolean } = {},
): Promise<ConnectedUser> {
  await registerPlatformClients();
  const email = `fb-${crypto.randomUUID().slice(0, 8)}@demo.example`;
  await emulatorControl('/accounts', { provider, email, name: email.split('@')[0], time_zone: timeZone });
  const token = await tokenFor({
    sub: userId,
    org_id: orgId,
    permissions: ['ce.calendar.connect', 'ce.calendar.view'],
  });
  const landed = await connectThroughWorker(token, provider, email);
  if (landed.searchParams.get('calendar_error')) throw new Error(`connect failed: ${landed.search}`);
  const [row] = await ownerQuery<{ id: string }>(
    sql`select id from ce_calendar_connections where user_id = ${userId} and account_email = ${email}`,
  );
  if (!row) throw new Error('no connection row');
  if (pauseSync) {
    const paused = await call(`/v1/calendar/connections/${row.id}`, {
      method: 'PATCH',
      token,
      json: { sync_enabled: false },
    });
    if (paused.status !== 200) throw new Error(`pause failed: ${paused.status}`);
  }
  return { orgId, userId, email, connectionId: row.id, timeZone, provider };
}

/** A Google account whose mirror the caller fills with `syncIntoMirror` (the object's sync paused). */
export const connectGoogleUser = (orgId: string, userId: string, timeZone: string) =>
  connectUser('google', orgId, userId, timeZone);

/** Runs the connection's Durable Object sync (its alarm) until a run has finished cleanly. */
export async function syncThroughObject(user: ConnectedUser): Promise<void> {
  await settle(objectOf(user.connectionId));
}

/** Creates an event "as the user would" on the emulator (Google or Graph JSON); returns it. */
export async function createEvent(user: EmulatorAccount, event: Record<string, unknown>) {
  return emulatorControl<{ id: string } & Record<string, unknown>>(
    `/accounts/${user.provider}/${user.email}/events`,
    { event },
  );
}

/** The Google spelling the older tests use. */
export const createGoogleEvent = createEvent;

export async function accessTokenOf(user: ConnectedUser): Promise<string> {
  return getFreshCalendarAccessToken(env, {
    id: user.connectionId,
    organizationId: user.orgId,
    userId: user.userId,
    provider: user.provider,
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
        deriveSeriesBusy(googleSeriesExpansion, rows, horizon).map((occurrence) =>
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
export async function instancesOf(user: EmulatorAccount, eventId: string, from: string, to: string) {
  return emulatorControl<Array<{ id: string; start: string; original_start: string }>>(
    `/accounts/${user.provider}/${user.email}/events/${eventId}/instances?from=${from}&to=${to}`,
  );
}

export async function patchEvent(user: EmulatorAccount, eventId: string, event: Record<string, unknown>) {
  return emulatorControl(`/accounts/${user.provider}/${user.email}/events/${eventId}`, { event }, 'PATCH');
}

export async function deleteEvent(user: EmulatorAccount, eventId: string) {
  return emulatorControl(`/accounts/${user.provider}/${user.email}/events/${eventId}`, undefined, 'DELETE');
}

/** The account answers an invitation copy it received (`accepted|declined|tentative|needsAction`). */
export async function respond(user: EmulatorAccount, eventId: string, response: string) {
  return emulatorControl(`/accounts/${user.provider}/${user.email}/events/${eventId}/respond`, { response });
}

/** The invitation copies the account received (Graph gives the copy its own id). */
export async function invitationsOf(user: EmulatorAccount) {
  return emulatorControl<Array<{ id: string; subject?: string; summary?: string }>>(
    `/accounts/${user.provider}/${user.email}/invitations`,
  );
}

/**
 * Oracle for a Microsoft calendar: the emulator's own `calendarView` expansion, busy where `showAs`
 * blocks (busy, tentative, oof) and the occurrence is not cancelled; all-day events (floating
 * midnights on Graph) cover the owner's local days; merged and clipped to the window, as ISO.
 */
export async function microsoftCalendarViewBusy(
  user: ConnectedUser,
  window: { time_min: string; time_max: string },
): Promise<Array<{ start: string; end: string }>> {
  const accessToken = await accessTokenOf(user);
  const blocks: Array<{ start: number; end: number }> = [];
  let url: string | undefined =
    `${env.MICROSOFT_GRAPH_BASE_URL}/v1.0/me/calendarView?startDateTime=${window.time_min}&endDateTime=${window.time_max}`;
  while (url) {
    const res = await fetch(url, {
      headers: { authorization: `Bearer ${accessToken}`, prefer: 'outlook.timezone="UTC"' },
    });
    const body = (await res.json()) as {
      value: Array<{
        showAs?: string;
        isCancelled?: boolean;
        isAllDay?: boolean;
        start: { dateTime: string };
        end: { dateTime: string };
      }>;
      '@odata.nextLink'?: string;
    };
    for (const e of body.value) {
      if (e.isCancelled || !['busy', 'tentative', 'oof'].includes(e.showAs ?? 'busy')) continue;
      blocks.push(
        e.isAllDay
          ? allDayToInterval(
              { startDate: e.start.dateTime.slice(0, 10), endDate: e.end.dateTime.slice(0, 10) },
              user.timeZone,
            )
          : {
              start: Date.parse(`${e.start.dateTime.slice(0, 23)}Z`),
              end: Date.parse(`${e.end.dateTime.slice(0, 23)}Z`),
            },
      );
    }
    url = body['@odata.nextLink'];
  }
  const start = Date.parse(window.time_min);
  const end = Date.parse(window.time_max);
  return mergeIntervals(
    blocks.map((b) => ({ start: Math.max(b.start, start), end: Math.min(b.end, end) })),
  ).map((b) => ({ start: new Date(b.start).toISOString(), end: new Date(b.end).toISOString() }));
}
