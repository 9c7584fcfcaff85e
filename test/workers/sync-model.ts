/**
 * Shared by the sync tests (issue 13): connect an emulator account through the real OAuth flow, drive
 * the connection object's runs deterministically, read the mirror, and compare it with the provider.
 * The operation generator is provider-neutral (`syncOperations`); each provider brings a
 * `ProviderModel` that applies operations through the emulator's control API and reads the provider's
 * own view (full list, expansion). The Google model is here; a Microsoft model plugs into the same
 * `ProviderModel` shape.
 */
import { runDurableObjectAlarm } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { sql } from 'drizzle-orm';
import fc from 'fast-check';
import { connectThroughWorker, emulatorControl, registerPlatformClients } from './connect-helpers.ts';
import { ALICE, ORG_A, ownerQuery, tokenFor } from './helpers.ts';
import { handled, makeDue as makeDueKinds } from './object-seam.ts';

export type ProviderName = 'google' | 'microsoft';

export const objectOf = (connectionId: string) =>
  env.CALENDAR_CONNECTION.get(env.CALENDAR_CONNECTION.idFromName(connectionId));
export type Stub = ReturnType<typeof objectOf>;

export const DAY_MS = 86_400_000;

export async function createZonedAccount(provider: ProviderName, email: string, zone: string): Promise<void> {
  await emulatorControl('/accounts', { provider, email, name: email.split('@')[0], time_zone: zone });
}

/** Connects `email` (an emulator account) for ALICE in ORG_A and runs nothing yet. */
export async function connect(
  provider: ProviderName,
  email: string,
  zone = 'Europe/Berlin',
): Promise<{ id: string; stub: Stub }> {
  await registerPlatformClients();
  await createZonedAccount(provider, email, zone);
  await connectThroughWorker(
    await tokenFor({ sub: ALICE, org_id: ORG_A, permissions: ['ce.calendar.connect', 'ce.calendar.view'] }),
    provider,
    email,
  );
  const [row] = await ownerQuery<{ id: string }>(
    sql`select id from ce_calendar_connections where account_email = ${email}`,
  );
  if (!row) throw new Error('not connected');
  return { id: row.id, stub: objectOf(row.id) };
}

/** Makes every pending poll and retry due now (what waiting for them would do), alarm armed. */
export const makeDue = (stub: Stub) => makeDueKinds(stub, ['poll', 'retry']);

/** Queues a run now (a poll row due now), as "sync now" does after its debounce. */
export const queueRun = (stub: Stub) => makeDueKinds(stub, ['poll'], { queue: 'poll' });

/**
 * Runs the object until a run that started after this call ends 'ok' (retries made due at once, so
 * Retry-After is honoured by the schedule, not by waiting). A run already in flight (the object's own
 * alarm) makes ours coalesce; then we go again. Returns the outcomes seen.
 */
export async function settle(stub: Stub, maxRuns = 12, deadlineMs = 120_000): Promise<string[]> {
  const outcomes: string[] = [];
  const deadline = Date.now() + deadlineMs;
  await queueRun(stub);
  let runs = 0;
  while (runs < maxRuns && Date.now() < deadline) {
    const startedAt = Date.now();
    await makeDue(stub);
    const ran = await runDurableObjectAlarm(stub);
    if (!ran) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      continue;
    }
    const fresh = (await handled(stub)).filter((h) => h.at >= startedAt);
    outcomes.push(...fresh.map((h) => h.outcome));
    if (fresh.some((h) => (h.kind === 'poll' || h.kind === 'retry') && h.outcome === 'ok')) return outcomes;
    if (!fresh.some((h) => h.outcome === 'coalesced')) runs += 1;
    else await new Promise((resolve) => setTimeout(resolve, 100));
    await queueRun(stub);
  }
  throw new Error(`sync did not settle: ${outcomes.join(', ')}`);
}

export interface MirrorRow {
  provider_event_id: string;
  title: string | null;
  status: string;
  series_role: string;
  all_day: boolean;
  start: string;
  end: string;
  sync_direction: string;
  activity_id: string | null;
}

export async function mirrorRows(connectionId: string): Promise<MirrorRow[]> {
  return ownerQuery<MirrorRow>(sql`
    select provider_event_id, title, status, series_role, all_day, sync_direction, activity_id,
           case when all_day then start_date else to_char(start_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') end as start,
           case when all_day then end_date else to_char(end_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') end as "end"
      from ce_calendar_events where connection_id = ${connectionId} order by provider_event_id`);
}

/**
 * Busy occurrences as `start|end|kind` (instants in UTC ISO without ms, or dates; kind is
 * busy|tentative|out_of_office|focus_time), so convergence also checks what kind of busy each one is.
 */
export async function mirrorBusy(connectionId: string): Promise<string[]> {
  const rows = await ownerQuery<{ s: string; e: string; k: string }>(sql`
    select case when all_day then start_date::text else to_char(start_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') end as s,
           case when all_day then end_date::text else to_char(end_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') end as e,
           busy_kind as k
      from ce_calendar_busy_occurrences where connection_id = ${connectionId}`);
  return rows.map((r) => `${r.s}|${r.e}|${r.k}`).sort();
}

/** Keeps `start|end[|kind]` entries whose start lies in [from, to) (dates count from their UTC midnight). */
export function inWindow(entries: readonly string[], from: number, to: number): string[] {
  return entries
    .filter((entry) => {
      const start = entry.split('|')[0] ?? '';
      const ms = Date.parse(start.length === 10 ? `${start}T00:00:00Z` : start);
      return ms >= from && ms < to;
    })
    .sort();
}

// ---------------------------------------------------------------------------------------------
// Operations (provider-neutral)
// ---------------------------------------------------------------------------------------------

export type EventKindChoice = 'default' | 'outOfOffice' | 'focusTime' | 'workingLocation';

export type SyncOperation =
  | {
      op: 'createSingle';
      day: number;
      hour: number;
      minutes: number;
      zone: string;
      kind: EventKindChoice;
      transparent: boolean;
    }
  | { op: 'createAllDay'; day: number; days: number }
  | {
      op: 'createSeries';
      day: number;
      hour: number;
      zone: string;
      freq: 'DAILY' | 'WEEKLY';
      count: number;
      allDay: boolean;
    }
  | { op: 'invite'; day: number; hour: number }
  | { op: 'respond'; ref: number; response: 'accepted' | 'declined' | 'tentative' }
  | { op: 'update'; ref: number; shiftMinutes: number }
  | { op: 'delete'; ref: number }
  | { op: 'moveInstance'; ref: number; index: number; shiftMinutes: number }
  | { op: 'cancelInstance'; ref: number; index: number }
  | { op: 'split'; ref: number; index: number }
  | { op: 'seriesTime'; ref: number; shiftMinutes: number }
  | { op: 'sync' }
  | { op: 'poke' }
  | { op: 'fault'; kind: 'http_429' | 'http_503' | 'timeout' | 'cursor_expired' };

const ZONES = ['Europe/Berlin', 'America/New_York', 'Asia/Kolkata', 'UTC'];

/**
 * Random operation sequences. Days are offsets from today; the range reaches the March 2027 DST
 * changes (New York 14 March, Berlin 28 March) from late 2026, so series cross them.
 */
export function syncOperations(maxLength = 18): fc.Arbitrary<SyncOperation[]> {
  const day = fc.integer({ min: -5, max: 130 });
  const hour = fc.integer({ min: 6, max: 20 });
  const ref = fc.nat({ max: 50 });
  const shift = fc.constantFrom(-90, -30, 30, 60, 24 * 60);
  const op: fc.Arbitrary<SyncOperation> = fc.oneof(
    {
      weight: 3,
      arbitrary: fc.record({
        op: fc.constant('createSingle' as const),
        day,
        hour,
        minutes: fc.constantFrom(30, 60, 90),
        zone: fc.constantFrom(...ZONES),
        kind: fc.constantFrom<EventKindChoice>(
          'default',
          'default',
          'outOfOffice',
          'focusTime',
          'workingLocation',
        ),
        transparent: fc.boolean(),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        op: fc.constant('createAllDay' as const),
        day,
        days: fc.integer({ min: 1, max: 3 }),
      }),
    },
    {
      weight: 3,
      arbitrary: fc.record({
        op: fc.constant('createSeries' as const),
        day,
        hour,
        zone: fc.constantFrom(...ZONES),
        freq: fc.constantFrom('DAILY' as const, 'WEEKLY' as const),
        count: fc.integer({ min: 2, max: 12 }),
        allDay: fc.boolean(),
      }),
    },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('invite' as const), day, hour }) },
    {
      weight: 1,
      arbitrary: fc.record({
        op: fc.constant('respond' as const),
        ref,
        response: fc.constantFrom('accepted' as const, 'declined' as const, 'tentative' as const),
      }),
    },
    { weight: 2, arbitrary: fc.record({ op: fc.constant('update' as const), ref, shiftMinutes: shift }) },
    { weight: 2, arbitrary: fc.record({ op: fc.constant('delete' as const), ref }) },
    {
      weight: 2,
      arbitrary: fc.record({
        op: fc.constant('moveInstance' as const),
        ref,
        index: fc.nat({ max: 8 }),
        shiftMinutes: shift,
      }),
    },
    {
      weight: 2,
      arbitrary: fc.record({ op: fc.constant('cancelInstance' as const), ref, index: fc.nat({ max: 8 }) }),
    },
    {
      weight: 1,
      arbitrary: fc.record({ op: fc.constant('split' as const), ref, index: fc.integer({ min: 1, max: 6 }) }),
    },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('seriesTime' as const), ref, shiftMinutes: shift }) },
    { weight: 3, arbitrary: fc.constant({ op: 'sync' as const }) },
    { weight: 1, arbitrary: fc.constant({ op: 'poke' as const }) },
    {
      weight: 2,
      arbitrary: fc.record({
        op: fc.constant('fault' as const),
        kind: fc.constantFrom(
          'http_429' as const,
          'http_503' as const,
          'timeout' as const,
          'cursor_expired' as const,
        ),
      }),
    },
  );
  return fc.array(op, { minLength: 3, maxLength });
}

/** What a provider model must offer the convergence test. */
export interface ProviderModel {
  readonly provider: ProviderName;
  /** Applies one provider-side operation (no-op when the referenced event cannot take it). */
  apply(operation: SyncOperation): Promise<void>;
  /** Injects a fault for the next listing call(s). */
  fault(kind: Extract<SyncOperation, { op: 'fault' }>['kind']): Promise<void>;
  /** The provider's own full listing, in the mirror's row shape (id, title, status, start, end). */
  expectedRows(): Promise<Array<Pick<MirrorRow, 'provider_event_id' | 'title' | 'status' | 'start' | 'end'>>>;
  /** The provider's own expansion of busy time as `start|end|kind`, starts in [from, to). */
  expectedBusy(from: number, to: number): Promise<string[]>;
}

// ---------------------------------------------------------------------------------------------
// Google
// ---------------------------------------------------------------------------------------------

interface GoogleItem {
  id: string;
  status?: string;
  summary?: string;
  start?: { date?: string; dateTime?: string; timeZone?: string };
  end?: { date?: string; dateTime?: string; timeZone?: string };
  transparency?: string;
  eventType?: string;
  recurrence?: string[];
  recurringEventId?: string;
  originalStartTime?: { date?: string; dateTime?: string };
  attendees?: Array<{ email?: string; self?: boolean; organizer?: boolean; responseStatus?: string }>;
  organizer?: { self?: boolean };
}

const isoSeconds = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
const dateOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** Wall time `hour`:00 on day offset `day` in `zone`, as an RFC 3339 string with that zone's offset. */
function wallTime(day: number, hour: number, zone: string): string {
  const base = new Date(Math.floor(Date.now() / DAY_MS) * DAY_MS + day * DAY_MS);
  const local = `${base.toISOString().slice(0, 10)}T${String(hour).padStart(2, '0')}:00:00`;
  const guess = Date.parse(`${local}Z`);
  const offset = zoneOffsetMs(guess, zone);
  return isoSeconds(guess - offset);
}

function zoneOffsetMs(ms: number, zone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: zone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(new Date(ms));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  const asUtc = Date.UTC(
    get('year'),
    get('month') - 1,
    get('day'),
    get('hour'),
    get('minute'),
    get('second'),
  );
  return asUtc - Math.floor(ms / 1000) * 1000;
}

function itemStart(item: GoogleItem): string {
  return item.start?.date ?? isoSeconds(Date.parse(item.start?.dateTime ?? ''));
}
function itemEnd(item: GoogleItem): string {
  return item.end?.date ?? isoSeconds(Date.parse(item.end?.dateTime ?? ''));
}

/**
 * The kind of busy time per the rules in docs/decisions.md ("Sync engine", busy rows), read from
 * Google's own fields; null when the item does not block time.
 */
function googleItemBusyKind(item: GoogleItem): string | null {
  if (item.status === 'cancelled') return null;
  const self = item.attendees?.find((a) => a.self);
  const organizer = item.organizer ? item.organizer.self === true : self ? self.organizer === true : true;
  const response = organizer ? undefined : self?.responseStatus;
  if (response === 'declined') return null;
  if (item.eventType === 'outOfOffice') return 'out_of_office';
  if (item.eventType === 'workingLocation') return null;
  if (item.transparency === 'transparent') return null;
  if (item.status === 'tentative') return 'tentative';
  if (response === 'tentative' || response === 'needsAction') return 'tentative';
  if (item.eventType === 'focusTime') return 'focus_time';
  return 'busy';
}

export class GoogleModel implements ProviderModel {
  readonly provider = 'google' as const;
  /** Events this model created: masters, singles and invitation copies (ids on `email`'s calendar). */
  readonly refs: Array<{ id: string; series: boolean; invitation: boolean; organizerId?: string }> = [];
  #seq = 0;

  constructor(
    readonly email: string,
    readonly organizerEmail: string,
    readonly accessToken: () => Promise<string>,
  ) {}

  #path(email = this.email) {
    return `/accounts/google/${email}`;
  }

  #ref(n: number, predicate: (r: GoogleModel['refs'][number]) => boolean = () => true) {
    const list = this.refs.filter(predicate);
    return list.length ? list[n % list.length] : undefined;
  }

  async #instances(id: string): Promise<Array<{ id: string; start: string; original_start: string }>> {
    return emulatorControl<Array<{ id: string; start: string; original_start: string }>>(
      `${this.#path()}/events/${id}/instances`,
    ).catch(() => []);
  }

  async #control<T>(path: string, body?: unknown, method?: string): Promise<T | undefined> {
    try {
      return await emulatorControl<T>(path, body, method);
    } catch {
      return undefined; // an operation the emulator refuses (e.g. split at an instance that moved) is a no-op
    }
  }

  async apply(o: SyncOperation): Promise<void> {
    this.#seq += 1;
    const title = `ev${this.#seq}`;
    switch (o.op) {
      case 'createSingle': {
        const start = wallTime(o.day, o.hour, o.zone);
        const end = isoSeconds(Date.parse(start) + o.minutes * 60_000);
        const event = {
          summary: title,
          start: { dateTime: start, timeZone: o.zone },
          end: { dateTime: end, timeZone: o.zone },
          ...(o.kind === 'default' ? {} : { eventType: o.kind }),
          ...(o.kind === 'workingLocation'
            ? { workingLocationProperties: { type: 'homeOffice', homeOffice: {} } }
            : {}),
          ...(o.transparent && o.kind !== 'outOfOffice' ? { transparency: 'transparent' } : {}),
        };
        const created = await this.#control<{ id: string }>(`${this.#path()}/events`, { event });
        if (created) this.refs.push({ id: created.id, series: false, invitation: false });
        return;
      }
      case 'createAllDay': {
        const start = dateOf(Date.now() + o.day * DAY_MS);
        const end = dateOf(Date.parse(start) + o.days * DAY_MS);
        const created = await this.#control<{ id: string }>(`${this.#path()}/events`, {
          event: { summary: title, start: { date: start }, end: { date: end } },
        });
        if (created) this.refs.push({ id: created.id, series: false, invitation: false });
        return;
      }
      case 'createSeries': {
        const rule = `RRULE:FREQ=${o.freq};COUNT=${o.count}`;
        const event = o.allDay
          ? {
              summary: title,
              start: { date: dateOf(Date.now() + o.day * DAY_MS) },
              end: { date: dateOf(Date.now() + (o.day + 1) * DAY_MS) },
              recurrence: [rule],
            }
          : {
              summary: title,
              start: { dateTime: wallTime(o.day, o.hour, o.zone), timeZone: o.zone },
              end: {
                dateTime: isoSeconds(Date.parse(wallTime(o.day, o.hour, o.zone)) + 3_600_000),
                timeZone: o.zone,
              },
              recurrence: [rule],
            };
        const created = await this.#control<{ id: string }>(`${this.#path()}/events`, { event });
        if (created) this.refs.push({ id: created.id, series: true, invitation: false });
        return;
      }
      case 'invite': {
        const start = wallTime(o.day, o.hour, 'UTC');
        const created = await this.#control<{ id: string }>(`${this.#path(this.organizerEmail)}/events`, {
          event: {
            summary: `${title} invite`,
            start: { dateTime: start },
            end: { dateTime: isoSeconds(Date.parse(start) + 3_600_000) },
            attendees: [
              { email: this.organizerEmail, organizer: true, responseStatus: 'accepted' },
              { email: this.email },
            ],
          },
        });
        if (!created) return;
        const copies =
          (await this.#control<Array<{ id: string; summary?: string }>>(`${this.#path()}/invitations`)) ?? [];
        const copy = copies.find((c) => c.summary === `${title} invite`);
        if (copy) this.refs.push({ id: copy.id, series: false, invitation: true, organizerId: created.id });
        return;
      }
      case 'respond': {
        const target = this.#ref(o.ref, (r) => r.invitation);
        if (target)
          await this.#control(`${this.#path()}/events/${target.id}/respond`, { response: o.response });
        return;
      }
      case 'update': {
        const target = this.#ref(o.ref, (r) => !r.invitation);
        if (!target) return;
        const current = await this.#get(target.id);
        if (!current?.start || target.series) {
          await this.#control(
            `${this.#path()}/events/${target.id}`,
            { event: { summary: `${title} renamed` } },
            'PATCH',
          );
          return;
        }
        await this.#control(
          `${this.#path()}/events/${target.id}`,
          { event: { summary: `${title} renamed`, ...shifted(current, o.shiftMinutes) } },
          'PATCH',
        );
        return;
      }
      case 'delete': {
        const target = this.#ref(o.ref, (r) => !r.invitation);
        if (!target) return;
        await this.#control(`${this.#path()}/events/${target.id}`, undefined, 'DELETE');
        this.refs.splice(this.refs.indexOf(target), 1);
        return;
      }
      case 'moveInstance':
      case 'cancelInstance': {
        const target = this.#ref(o.ref, (r) => r.series);
        if (!target) return;
        const instance = (await this.#instances(target.id))[o.index];
        if (!instance) return;
        if (o.op === 'cancelInstance') {
          await this.#control(`${this.#path()}/events/${instance.id}`, undefined, 'DELETE');
          return;
        }
        const current = await this.#get(instance.id);
        if (current?.start) {
          await this.#control(
            `${this.#path()}/events/${instance.id}`,
            { event: { summary: `${title} moved`, ...shifted(current, o.shiftMinutes) } },
            'PATCH',
          );
        }
        return;
      }
      case 'split': {
        const target = this.#ref(o.ref, (r) => r.series);
        if (!target) return;
        const instance = (await this.#instances(target.id))[o.index];
        if (!instance) return;
        const halves = await this.#control<{ following: { id: string } }>(
          `${this.#path()}/events/${target.id}/split`,
          {
            start: instance.original_start,
            event: { summary: `${title} following` },
          },
        );
        if (halves) this.refs.push({ id: halves.following.id, series: true, invitation: false });
        return;
      }
      case 'seriesTime': {
        const target = this.#ref(o.ref, (r) => r.series);
        if (!target) return;
        const current = await this.#get(target.id);
        if (current?.start?.dateTime)
          await this.#control(
            `${this.#path()}/events/${target.id}`,
            { event: shifted(current, o.shiftMinutes) },
            'PATCH',
          );
        return;
      }
      default:
        return;
    }
  }

  async #get(id: string): Promise<GoogleItem | undefined> {
    const res = await fetch(
      `${env.GOOGLE_API_BASE_URL}/calendar/v3/calendars/primary/events/${encodeURIComponent(id)}`,
      { headers: { authorization: `Bearer ${await this.accessToken()}` } },
    );
    return res.ok ? ((await res.json()) as GoogleItem) : undefined;
  }

  async fault(kind: Extract<SyncOperation, { op: 'fault' }>['kind']): Promise<void> {
    if (kind === 'cursor_expired') {
      await emulatorControl(`${this.#path()}/invalidate-sync-tokens`, {});
      return;
    }
    await emulatorControl('/faults', {
      provider: 'google',
      account: this.email,
      endpoint: 'events.list',
      kind,
      times: 1,
      ...(kind === 'http_429' ? { retry_after: 2 } : {}),
      ...(kind === 'timeout' ? { delay_ms: 20 } : {}),
    });
  }

  async #list(params: Record<string, string>): Promise<GoogleItem[]> {
    const items: GoogleItem[] = [];
    let pageToken: string | undefined;
    do {
      const url = new URL(`${env.GOOGLE_API_BASE_URL}/calendar/v3/calendars/primary/events`);
      for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
      url.searchParams.set('maxResults', '2500');
      if (pageToken) url.searchParams.set('pageToken', pageToken);
      const res = await fetch(url, { headers: { authorization: `Bearer ${await this.accessToken()}` } });
      if (!res.ok) throw new Error(`events.list ${res.status}`);
      const body = (await res.json()) as { items?: GoogleItem[]; nextPageToken?: string };
      items.push(...(body.items ?? []));
      pageToken = body.nextPageToken;
    } while (pageToken);
    return items;
  }

  async expectedRows() {
    const items = await this.#list({ singleEvents: 'false' });
    return items
      .map((item) => {
        if (item.status === 'cancelled') {
          const original = item.originalStartTime;
          const start = original?.date ?? isoSeconds(Date.parse(original?.dateTime ?? ''));
          return {
            provider_event_id: item.id,
            title: null,
            status: 'cancelled',
            start,
            end: original?.date ? dateOf(Date.parse(original.date) + DAY_MS) : start,
          };
        }
        return {
          provider_event_id: item.id,
          title: item.summary ?? null,
          status: item.status ?? 'confirmed',
          start: itemStart(item),
          end: itemEnd(item),
        };
      })
      .sort((a, b) => a.provider_event_id.localeCompare(b.provider_event_id));
  }

  async expectedBusy(from: number, to: number): Promise<string[]> {
    const items = await this.#list({
      singleEvents: 'true',
      timeMin: new Date(from - 3 * DAY_MS).toISOString(),
      timeMax: new Date(to + 3 * DAY_MS).toISOString(),
    });
    return inWindow(
      items.flatMap((item) => {
        const kind = googleItemBusyKind(item);
        return kind ? [`${itemStart(item)}|${itemEnd(item)}|${kind}`] : [];
      }),
      from,
      to,
    );
  }
}

function shifted(item: GoogleItem, minutes: number): Pick<GoogleItem, 'start' | 'end'> {
  const move = (t: GoogleItem['start']) => {
    if (!t) return t;
    if (t.date) return { date: dateOf(Date.parse(t.date) + Math.round(minutes / 1440) * DAY_MS) };
    return {
      dateTime: isoSeconds(Date.parse(t.dateTime ?? '') + minutes * 60_000),
      ...(t.timeZone ? { timeZone: t.timeZone } : {}),
    };
  };
  return { start: move(item.start), end: move(item.end) };
}

/** A fresh access token for the connection (from the object, as the engine gets it). */
export function tokenOf(stub: Stub): () => Promise<string> {
  return async () => {
    const result = await stub.getAccessToken(crypto.randomUUID());
    if (!result.ok) throw new Error(`no token: ${result.code}`);
    return result.accessToken;
  };
}
