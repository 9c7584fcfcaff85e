/**
 * Helpers for the meeting tests: the meeting API through the real worker, the provider's own copy of
 * an event read over its wire API (the emulator, with the connection's token), and the rows CE holds.
 */
import { env } from 'cloudflare:workers';
import { sql } from 'drizzle-orm';
import { GOOGLE_APP_TAG_PROPERTY } from '../../worker/providers/google/app-tag.ts';
import { GRAPH_APP_TAG_PROPERTY_ID } from '../../worker/providers/microsoft/app-tag.ts';
import { emulatorControl } from './connect-helpers.ts';
import { ALICE, call, ORG_A, ownerQuery, tokenFor } from './helpers.ts';
import type { ProviderName } from './sync-model.ts';

export const SCHEDULER = ['ce.calendar.schedule', 'ce.calendar.view', 'ce.calendar.connect'];

export const schedulerToken = (sub = ALICE, org = ORG_A, permissions = SCHEDULER) =>
  tokenFor({ sub, org_id: org, permissions });

export const unique = (label: string) => `${label}-${crypto.randomUUID().slice(0, 8)}@example.test`;

/** A future instant on a whole minute, `minutes` from now. */
export const inMinutes = (minutes: number) =>
  new Date(Math.ceil((Date.now() + minutes * 60_000) / 60_000) * 60_000).toISOString();

export interface MeetingJson {
  id: string;
  connection_id: string;
  provider_event_id: string | null;
  title: string;
  start: string;
  end: string;
  duration_minutes: number;
  status: 'scheduled' | 'cancelled';
  sync_status: 'pending' | 'synced' | 'error';
  reminder_at: string | null;
  conference_url: string | null;
  attendee_count: number;
  attendee_responses: Record<'accepted' | 'declined' | 'tentative' | 'needs_action', number>;
}

export async function postMeeting(token: string, body: unknown, key?: string) {
  const response = await call('/v1/calendar/meetings', {
    method: 'POST',
    token,
    json: body,
    ...(key ? { headers: { 'idempotency-key': key } } : {}),
  });
  return { status: response.status, body: (await response.json()) as MeetingJson & { error?: unknown } };
}

export async function patchMeeting(token: string, id: string, body: unknown) {
  const response = await call(`/v1/calendar/meetings/${id}`, { method: 'PATCH', token, json: body });
  return { status: response.status, body: (await response.json()) as MeetingJson & { error?: unknown } };
}

export async function deleteMeeting(token: string, id: string) {
  const response = await call(`/v1/calendar/meetings/${id}`, { method: 'DELETE', token });
  return { status: response.status, body: (await response.json()) as MeetingJson & { error?: unknown } };
}

const googleApi = () => `${env.GOOGLE_API_BASE_URL}/calendar/v3/calendars/primary/events`;
const graphApi = () => `${env.MICROSOFT_GRAPH_BASE_URL}/v1.0/me/calendar/events`;
const graphExpand = `$expand=${encodeURIComponent(`singleValueExtendedProperties($filter=id eq '${GRAPH_APP_TAG_PROPERTY_ID}')`)}`;

/** The organizer's copy as the provider serves it: status, CE's tag, attendee addresses, start. */
export async function providerCopy(
  provider: ProviderName,
  accessToken: string,
  eventId: string,
): Promise<{
  status: number;
  tag: string | null;
  transactionId?: string | null;
  attendees: string[];
  startMs: number | null;
  cancelled: boolean;
}> {
  const url =
    provider === 'google'
      ? `${googleApi()}/${encodeURIComponent(eventId)}`
      : `${graphApi()}/${encodeURIComponent(eventId)}?${graphExpand}`;
  const response = await fetch(url, { headers: { authorization: `Bearer ${accessToken}` } });
  if (!response.ok) {
    await response.body?.cancel();
    return { status: response.status, tag: null, attendees: [], startMs: null, cancelled: true };
  }
  const body = (await response.json()) as Record<string, unknown>;
  if (provider === 'google') {
    const props = (body.extendedProperties as { private?: Record<string, string> } | undefined)?.private;
    const start = (body.start as { dateTime?: string } | undefined)?.dateTime;
    return {
      status: response.status,
      tag: props?.[GOOGLE_APP_TAG_PROPERTY] ?? null,
      attendees: ((body.attendees as Array<{ email: string }> | undefined) ?? []).map((a) => a.email),
      startMs: start ? Date.parse(start) : null,
      cancelled: body.status === 'cancelled',
    };
  }
  const props = body.singleValueExtendedProperties as Array<{ id: string; value: string }> | undefined;
  const start = body.start as { dateTime: string; timeZone: string };
  return {
    status: response.status,
    tag: props?.[0]?.value ?? null,
    transactionId: body.transactionId as string | null,
    attendees: ((body.attendees as Array<{ emailAddress: { address: string } }>) ?? []).map(
      (a) => a.emailAddress.address,
    ),
    // Rendered in UTC without an offset (no Prefer header).
    startMs: Date.parse(`${start.dateTime.slice(0, 19)}Z`),
    cancelled: Boolean(body.isCancelled),
  };
}

/** How many events on the organizer's calendar carry CE's tag `tag` (the provider's own filter). */
export async function taggedCount(provider: ProviderName, accessToken: string, tag: string): Promise<number> {
  const url =
    provider === 'google'
      ? `${googleApi()}?privateExtendedProperty=${encodeURIComponent(`${GOOGLE_APP_TAG_PROPERTY}=${tag}`)}`
      : `${env.MICROSOFT_GRAPH_BASE_URL}/v1.0/me/events?$filter=${encodeURIComponent(
          `singleValueExtendedProperties/Any(ep: ep/id eq '${GRAPH_APP_TAG_PROPERTY_ID}' and ep/value eq '${tag}')`,
        )}`;
  const response = await fetch(url, { headers: { authorization: `Bearer ${accessToken}` } });
  if (!response.ok) throw new Error(`tagged list: ${response.status}`);
  const body = (await response.json()) as { items?: unknown[]; value?: unknown[] };
  return (body.items ?? body.value ?? []).length;
}

/** Invitation copies an emulator account holds (their ids, starts, cancelled flags). */
export async function invitationsOf(
  provider: ProviderName,
  email: string,
): Promise<
  Array<{ id: string; status?: string; isCancelled?: boolean; summary?: string; subject?: string }>
> {
  return emulatorControl(`/accounts/${provider}/${email}/invitations`);
}

export async function mirrorRowsOf(connectionId: string, activityId: string) {
  return ownerQuery<{
    provider_event_id: string;
    sync_direction: string;
    sync_status: string;
    activity_id: string | null;
    start_at: Date;
    outbox_operation: string | null;
  }>(sql`select provider_event_id, sync_direction, sync_status, activity_id, start_at, outbox_operation
         from ce_calendar_events where connection_id = ${connectionId}
           and (activity_id = ${activityId} or app_tag = ${activityId})`);
}

export async function activityOf(activityId: string) {
  const [row] = await ownerQuery<{
    status: string;
    starts_at: Date;
    ends_at: Date;
    subject: string;
    attendees: Array<{ email: string; responseStatus: string }>;
    version: number;
  }>(
    sql`select status, starts_at, ends_at, subject, attendees, version from ce_activities where id = ${activityId}`,
  );
  // Raw driver rows carry timestamps as text.
  return row && { ...row, starts_at: new Date(row.starts_at), ends_at: new Date(row.ends_at) };
}

export async function remindersOf(activityId: string) {
  const rows = await ownerQuery<{
    id: string;
    scheduled_for: Date;
    sent_at: Date | null;
    dedupe_key: string;
  }>(
    sql`select id, scheduled_for, sent_at, dedupe_key from pf_notifications
        where kind = 'meeting_reminder' and payload ->> 'activity_id' = ${activityId} order by created_at`,
  );
  // Raw driver rows carry timestamps as text.
  return rows.map((row) => ({
    ...row,
    scheduled_for: new Date(row.scheduled_for),
    sent_at: row.sent_at === null ? null : new Date(row.sent_at),
  }));
}
