/**
 * The Microsoft side of the sync tests (issue 13): a `ProviderModel` that applies the shared
 * provider-neutral operations to the emulator's Graph (control API and Graph itself), and reads
 * Graph's own view of the calendar — `calendarView` over the engine's horizon, which lists every
 * occurrence and exception in full and no masters — as the expectation for the mirror.
 */
import { env } from 'cloudflare:workers';
import { horizonAt } from '../../worker/sync/horizon.ts';
import { emulatorControl } from './connect-helpers.ts';
import { DAY_MS, inWindow, type MirrorRow, type ProviderModel, type SyncOperation } from './sync-model.ts';

interface GraphTime {
  dateTime: string;
  timeZone: string;
}
export interface GraphViewItem {
  id: string;
  subject?: string;
  type?: string;
  isAllDay?: boolean;
  isCancelled?: boolean;
  showAs?: string;
  isOrganizer?: boolean;
  responseStatus?: { response?: string };
  start: GraphTime;
  end: GraphTime;
}

interface Ref {
  id: string;
  series: boolean;
  invitation: boolean;
  zone: string;
  allDay: boolean;
}

const graphApi = () => `${env.MICROSOFT_GRAPH_BASE_URL}/v1.0`;
const pad = (n: number) => String(n).padStart(2, '0');
const dateOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const today = () => Math.floor(Date.now() / DAY_MS) * DAY_MS;

/** Wall time `hour`:00 of day offset `day` (Graph's form: no offset, the zone beside it). */
const wall = (day: number, hour: number) => `${dateOf(today() + day * DAY_MS)}T${pad(hour)}:00:00`;

/** A Graph wall time moved by `minutes` (wall arithmetic, as a user dragging the event does). */
function shiftWall(dateTime: string, minutes: number): string {
  const ms = Date.parse(`${dateTime.slice(0, 19)}Z`) + minutes * 60_000;
  return new Date(ms).toISOString().slice(0, 19);
}

const WEEKDAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];

/** `start|end` of a calendarView item in the mirror's notation (instants in UTC, or dates). */
function viewSpan(item: GraphViewItem): { start: string; end: string } {
  if (item.isAllDay) return { start: item.start.dateTime.slice(0, 10), end: item.end.dateTime.slice(0, 10) };
  const iso = (t: GraphTime) => `${t.dateTime.slice(0, 19)}Z`;
  return { start: iso(item.start), end: iso(item.end) };
}

/**
 * The kind of busy time per docs/decisions.md, from Graph's own fields (what getSchedule would call
 * busy, with oof as out-of-office and tentative or unanswered invitations as tentative); null: free.
 */
function viewBusyKind(item: GraphViewItem): string | null {
  if (item.isCancelled) return null;
  const organizer = item.isOrganizer ?? item.responseStatus?.response === 'organizer';
  const response = organizer ? undefined : item.responseStatus?.response;
  if (response === 'declined') return null;
  if (item.showAs === 'oof') return 'out_of_office';
  if (item.showAs === 'free' || item.showAs === 'workingElsewhere') return null;
  if (item.showAs === 'tentative') return 'tentative';
  if (response === 'none' || response === 'notResponded' || response === 'tentativelyAccepted')
    return 'tentative';
  return 'busy';
}

export class MicrosoftModel implements ProviderModel {
  readonly provider = 'microsoft' as const;
  readonly refs: Ref[] = [];
  #seq = 0;

  constructor(
    readonly email: string,
    readonly organizerEmail: string,
    readonly accessToken: () => Promise<string>,
  ) {}

  #path(email = this.email) {
    return `/accounts/microsoft/${email}`;
  }

  #ref(n: number, predicate: (r: Ref) => boolean = () => true): Ref | undefined {
    const list = this.refs.filter(predicate);
    return list.length ? list[n % list.length] : undefined;
  }

  async #control<T>(path: string, body?: unknown, method?: string): Promise<T | undefined> {
    try {
      return await emulatorControl<T>(path, body, method);
    } catch {
      return undefined; // an operation the emulator refuses is a no-op
    }
  }

  async #instances(id: string): Promise<Array<{ id: string; start: string; original_start: string }>> {
    const { startMs, endMs } = horizonAt(Date.now());
    const query = `from=${new Date(startMs).toISOString()}&to=${new Date(endMs).toISOString()}`;
    return (
      (await this.#control<Array<{ id: string; start: string; original_start: string }>>(
        `${this.#path()}/events/${encodeURIComponent(id)}/instances?${query}`,
      )) ?? []
    );
  }

  /** The event as Graph shows it in `zone` (wall times in that zone). */
  async #get(id: string, zone: string): Promise<GraphViewItem | undefined> {
    const res = await fetch(`${graphApi()}/me/events/${encodeURIComponent(id)}`, {
      headers: { authorization: `Bearer ${await this.accessToken()}`, prefer: `outlook.timezone="${zone}"` },
    });
    return res.ok ? ((await res.json()) as GraphViewItem) : undefined;
  }

  async #shiftTimes(id: string, ref: Ref, minutes: number) {
    const current = await this.#get(id, ref.allDay ? 'UTC' : ref.zone);
    if (!current) return undefined;
    const by = ref.allDay ? Math.round(minutes / 1440) * 1440 : minutes;
    if (by === 0) return {};
    const zone = ref.allDay ? 'UTC' : ref.zone;
    return {
      start: { dateTime: shiftWall(current.start.dateTime, by), timeZone: zone },
      end: { dateTime: shiftWall(current.end.dateTime, by), timeZone: zone },
    };
  }

  async #create(event: Record<string, unknown>, email = this.email) {
    return this.#control<{ id: string }>(`${this.#path(email)}/events`, { event });
  }

  async apply(o: SyncOperation): Promise<void> {
    this.#seq += 1;
    const subject = `ev${this.#seq}`;
    switch (o.op) {
      case 'createSingle': {
        const start = wall(o.day, o.hour);
        const showAs =
          o.kind === 'outOfOffice'
            ? 'oof'
            : o.kind === 'workingLocation'
              ? 'workingElsewhere'
              : o.transparent
                ? 'free'
                : 'busy';
        const created = await this.#create({
          subject,
          showAs,
          start: { dateTime: start, timeZone: o.zone },
          end: { dateTime: shiftWall(start, o.minutes), timeZone: o.zone },
        });
        if (created)
          this.refs.push({ id: created.id, series: false, invitation: false, zone: o.zone, allDay: false });
        return;
      }
      case 'createAllDay': {
        const startDay = dateOf(today() + o.day * DAY_MS);
        const created = await this.#create({
          subject,
          isAllDay: true,
          start: { dateTime: `${startDay}T00:00:00`, timeZone: 'UTC' },
          end: { dateTime: `${dateOf(today() + (o.day + o.days) * DAY_MS)}T00:00:00`, timeZone: 'UTC' },
        });
        if (created)
          this.refs.push({ id: created.id, series: false, invitation: false, zone: 'UTC', allDay: true });
        return;
      }
      case 'createSeries': {
        const startDay = dateOf(today() + o.day * DAY_MS);
        const zone = o.allDay ? 'UTC' : o.zone;
        const start = o.allDay ? `${startDay}T00:00:00` : wall(o.day, o.hour);
        const end = o.allDay ? `${dateOf(today() + (o.day + 1) * DAY_MS)}T00:00:00` : shiftWall(start, 60);
        const weekday = WEEKDAYS[new Date(`${startDay}T00:00:00Z`).getUTCDay()];
        const created = await this.#create({
          subject,
          ...(o.allDay ? { isAllDay: true } : {}),
          start: { dateTime: start, timeZone: zone },
          end: { dateTime: end, timeZone: zone },
          recurrence: {
            pattern:
              o.freq === 'DAILY'
                ? { type: 'daily', interval: 1 }
                : { type: 'weekly', interval: 1, daysOfWeek: [weekday] },
            range: { type: 'numbered', startDate: startDay, numberOfOccurrences: o.count },
          },
        });
        if (created)
          this.refs.push({ id: created.id, series: true, invitation: false, zone, allDay: o.allDay });
        return;
      }
      case 'invite': {
        const start = wall(o.day, o.hour);
        const created = await this.#create(
          {
            subject: `${subject} invite`,
            start: { dateTime: start, timeZone: 'UTC' },
            end: { dateTime: shiftWall(start, 60), timeZone: 'UTC' },
            attendees: [{ emailAddress: { address: this.email }, type: 'required' }],
          },
          this.organizerEmail,
        );
        if (!created) return;
        const copies =
          (await this.#control<Array<{ id: string; subject?: string; summary?: string }>>(
            `${this.#path()}/invitations`,
          )) ?? [];
        const copy = copies.find((c) => (c.subject ?? c.summary) === `${subject} invite`);
        if (copy)
          this.refs.push({ id: copy.id, series: false, invitation: true, zone: 'UTC', allDay: false });
        return;
      }
      case 'respond': {
        const target = this.#ref(o.ref, (r) => r.invitation);
        if (target)
          await this.#control(`${this.#path()}/events/${encodeURIComponent(target.id)}/respond`, {
            response: o.response,
          });
        return;
      }
      case 'update': {
        const target = this.#ref(o.ref, (r) => !r.invitation);
        if (!target) return;
        const times = target.series ? {} : await this.#shiftTimes(target.id, target, o.shiftMinutes);
        await this.#control(
          `${this.#path()}/events/${encodeURIComponent(target.id)}`,
          { event: { subject: `${subject} renamed`, ...times } },
          'PATCH',
        );
        return;
      }
      case 'delete': {
        const target = this.#ref(o.ref, (r) => !r.invitation);
        if (!target) return;
        await this.#control(`${this.#path()}/events/${encodeURIComponent(target.id)}`, undefined, 'DELETE');
        this.refs.splice(this.refs.indexOf(target), 1);
        return;
      }
      case 'moveInstance':
      case 'cancelInstance': {
        const target = this.#ref(o.ref, (r) => r.series);
        if (!target) return;
        const instance = (await this.#instances(target.id))[o.index];
        if (!instance) return;
        const path = `${this.#path()}/events/${encodeURIComponent(instance.id)}`;
        if (o.op === 'cancelInstance') {
          await this.#control(path, undefined, 'DELETE');
          return;
        }
        const times = await this.#shiftTimes(instance.id, target, o.shiftMinutes);
        if (times) await this.#control(path, { event: { subject: `${subject} moved`, ...times } }, 'PATCH');
        return;
      }
      case 'split': {
        const target = this.#ref(o.ref, (r) => r.series);
        if (!target) return;
        const instance = (await this.#instances(target.id))[o.index];
        if (!instance) return;
        const halves = await this.#control<{ following: { id: string } }>(
          `${this.#path()}/events/${encodeURIComponent(target.id)}/split`,
          { start: instance.original_start, event: { subject: `${subject} following` } },
        );
        if (halves) this.refs.push({ ...target, id: halves.following.id });
        return;
      }
      case 'seriesTime': {
        const target = this.#ref(o.ref, (r) => r.series && !r.allDay);
        if (!target) return;
        const times = await this.#shiftTimes(target.id, target, o.shiftMinutes);
        if (times)
          await this.#control(
            `${this.#path()}/events/${encodeURIComponent(target.id)}`,
            { event: times },
            'PATCH',
          );
        return;
      }
      default:
        return;
    }
  }

  async fault(kind: Extract<SyncOperation, { op: 'fault' }>['kind']): Promise<void> {
    if (kind === 'cursor_expired') {
      await emulatorControl(`${this.#path()}/invalidate-sync-tokens`, {});
      return;
    }
    await emulatorControl('/faults', {
      provider: 'microsoft',
      account: this.email,
      endpoint: 'delta',
      kind,
      times: 1,
      ...(kind === 'http_429' ? { retry_after: 2 } : {}),
      ...(kind === 'timeout' ? { delay_ms: 20 } : {}),
    });
  }

  /** Whether Graph still has this series master (a mirror master without one is an extra row). */
  async masterExists(id: string): Promise<boolean> {
    const item = await this.#get(id, 'UTC');
    return item?.type === 'seriesMaster';
  }

  /** Graph's own expansion over the engine's horizon (every page). */
  async view(): Promise<GraphViewItem[]> {
    const { startMs, endMs } = horizonAt(Date.now());
    const items: GraphViewItem[] = [];
    let next: string | undefined =
      `${graphApi()}/me/calendarView?startDateTime=${new Date(startMs).toISOString()}&endDateTime=${new Date(endMs).toISOString()}&$top=500`;
    while (next) {
      const res: Response = await fetch(next, {
        headers: { authorization: `Bearer ${await this.accessToken()}`, prefer: 'outlook.timezone="UTC"' },
      });
      if (!res.ok) throw new Error(`calendarView ${res.status}`);
      const body = (await res.json()) as { value: GraphViewItem[]; '@odata.nextLink'?: string };
      items.push(...body.value);
      next = body['@odata.nextLink'];
    }
    return items;
  }

  /** The mirror's rows other than masters (Graph lists no masters in calendarView). */
  async expectedRows(): Promise<
    Array<Pick<MirrorRow, 'provider_event_id' | 'title' | 'status' | 'start' | 'end'>>
  > {
    return (await this.view())
      .map((item) => ({
        provider_event_id: item.id,
        title: item.subject ?? null,
        status: item.isCancelled ? 'cancelled' : item.showAs === 'tentative' ? 'tentative' : 'confirmed',
        ...viewSpan(item),
      }))
      .sort((a, b) => a.provider_event_id.localeCompare(b.provider_event_id));
  }

  async expectedBusy(from: number, to: number): Promise<string[]> {
    const busy = (await this.view()).flatMap((item) => {
      const kind = viewBusyKind(item);
      if (!kind) return [];
      const span = viewSpan(item);
      return [`${span.start}|${span.end}|${kind}`];
    });
    return inWindow(busy, from, to);
  }
}
