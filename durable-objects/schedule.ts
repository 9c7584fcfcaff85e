/**
 * The connection object's one schedule: a table in its SQLite-backed storage. Every kind of future
 * work (poll, retry, channel renewal, reminder, …) is a row with a due time; the object's single
 * alarm always points at the earliest row (`earliestDueAt`), so a later poll never hides an earlier
 * retry or reminder. Rows survive restarts with their due times (jitter included).
 *
 * A row stays in the table while its handler runs ("claimed", in this instance's memory only): a
 * process that dies mid-handler leaves it there, due, and the next start runs it again (issue 23:
 * objects whose poll row was removed before the handler never synced again). A claimed row is
 * invisible to `due`, `pending` and singleton merging, so what a handler or a concurrent request
 * schedules is a new row, and the claimed one goes when its handler finished (`finish`). Meanwhile
 * it holds the alarm at most `CLAIM_WATCHDOG_MS` away, so a dead process is woken up again.
 */
import { SCHEDULE_KINDS, type ScheduleKind } from './schedule-kinds.ts';

export { SCHEDULE_KINDS, type ScheduleKind } from './schedule-kinds.ts';

/** Kinds with at most one pending row: re-scheduling moves it instead of adding another. */
const SINGLETON: ReadonlySet<ScheduleKind> = new Set(['poll', 'retry', 'renew_channel', 'meeting_outbox']);

/** While a row is handled, the alarm points at most this far ahead (a watchdog, pushed on while alive). */
export const CLAIM_WATCHDOG_MS = 60_000;

const isKind = (kind: string): kind is ScheduleKind => SCHEDULE_KINDS.some((known) => known === kind);

const payloadOf = (text: string): Record<string, unknown> => {
  const value: unknown = JSON.parse(text);
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? { ...value } : {};
};

export interface ScheduleRow {
  id: number;
  kind: ScheduleKind;
  /** Epoch milliseconds. */
  dueAt: number;
  payload: Record<string, unknown>;
}

type RawRow = { id: number; kind: string; due_at: number; payload: string } & Record<string, SqlStorageValue>;

/** A row of a kind this code does not know (written by a newer version) is skipped, not handled. */
const toRows = (raws: RawRow[]): ScheduleRow[] =>
  raws.flatMap((raw) =>
    isKind(raw.kind)
      ? [{ id: raw.id, kind: raw.kind, dueAt: raw.due_at, payload: payloadOf(raw.payload) }]
      : [],
  );

export class Schedule {
  /**
   * Whether the table exists: unknown until asked. It is created by the first row scheduled, never
   * by a read, so an object no connection was ever attached to (a forged webhook names any id it
   * likes) writes nothing to its storage.
   */
  #created: boolean | undefined;
  /** Rows whose handler is running in this instance (lost with it, which is the point). */
  readonly #claimed = new Set<number>();

  constructor(private readonly sql: SqlStorage) {}

  /** `deleteAll()` dropped the table: the next row scheduled creates it again. */
  dropped(): void {
    this.#created = false;
    this.#claimed.clear();
  }

  #exists(): boolean {
    if (this.#created === undefined) {
      this.#created =
        this.sql.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schedule'").toArray()
          .length > 0;
      if (this.#created) this.#collapseSingletons();
    }
    return this.#created;
  }

  /**
   * First touch in this instance: a process that died mid-handler can leave a singleton kind twice
   * (the claimed row and the successor scheduled meanwhile). Keep the earliest of each kind, as
   * `'earliest'` would have; handlers are safe to repeat, so running it once more is harmless.
   */
  #collapseSingletons(): void {
    const kinds = [...SINGLETON];
    this.sql.exec(
      `DELETE FROM schedule WHERE kind IN (${kinds.map(() => '?').join(', ')}) AND EXISTS (
         SELECT 1 FROM schedule AS earlier WHERE earlier.kind = schedule.kind
           AND (earlier.due_at < schedule.due_at OR (earlier.due_at = schedule.due_at AND earlier.id < schedule.id)))`,
      ...kinds,
    );
  }

  /** Idempotent; called before every write, so reads never create the table. */
  #create(): void {
    if (this.#exists()) return;
    this.sql.exec(`CREATE TABLE IF NOT EXISTS schedule (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      kind TEXT NOT NULL,
      due_at INTEGER NOT NULL,
      payload TEXT NOT NULL DEFAULT '{}'
    )`);
    this.sql.exec('CREATE INDEX IF NOT EXISTS schedule_due ON schedule (due_at, id)');
    this.#created = true;
  }

  /**
   * Adds a row; for a singleton kind, `when: 'earliest'` keeps whichever of the pending and the new
   * due time comes first (a "sync now" pulls a poll forward, never pushes it back), `'replace'` moves it.
   */
  schedule(
    kind: ScheduleKind,
    dueAt: number,
    payload: Record<string, unknown> = {},
    when: 'earliest' | 'replace' = 'replace',
  ): ScheduleRow {
    this.#create();
    if (SINGLETON.has(kind)) {
      const [pending] = this.pending(kind);
      if (pending) {
        if (when === 'earliest' && pending.dueAt <= dueAt) return pending;
        this.sql.exec(
          'UPDATE schedule SET due_at = ?, payload = ? WHERE id = ?',
          dueAt,
          JSON.stringify(payload),
          pending.id,
        );
        return { ...pending, dueAt, payload };
      }
    }
    const [raw] = this.sql
      .exec<RawRow>(
        'INSERT INTO schedule (kind, due_at, payload) VALUES (?, ?, ?) RETURNING id, kind, due_at, payload',
        kind,
        dueAt,
        JSON.stringify(payload),
      )
      .toArray();
    const [row] = toRows(raw ? [raw] : []);
    if (!row) throw new Error('schedule insert returned no row');
    return row;
  }

  /** Future work, earliest first; rows being handled are not pending any more. */
  pending(kind?: ScheduleKind): ScheduleRow[] {
    return this.#rows(kind).filter((row) => !this.#claimed.has(row.id));
  }

  /** Rows due at `now`, earliest first (ties in insertion order), not being handled already. */
  due(now: number): ScheduleRow[] {
    return this.pending().filter((row) => row.dueAt <= now);
  }

  /**
   * The handler of `row` starts: the row stays in the table until `finish` (or a restart). False when
   * the row is no longer due by `horizon` — removed, moved later, or taken by another alarm run since
   * the list was read — and then nobody runs it now.
   */
  claim(row: ScheduleRow, horizon: number): boolean {
    if (this.#claimed.has(row.id) || !this.#exists()) return false;
    const [current] = this.sql
      .exec<{ due_at: number }>('SELECT due_at FROM schedule WHERE id = ?', row.id)
      .toArray();
    if (!current || current.due_at > horizon) return false;
    this.#claimed.add(row.id);
    return true;
  }

  /** The handler finished: its row goes; what comes next was scheduled by the handler itself. */
  finish(row: ScheduleRow): void {
    this.#claimed.delete(row.id);
    this.remove(row.id);
  }

  /**
   * The handler failed: the work is kept, due again at `dueAt`, unless the handler already scheduled
   * a successor of a singleton kind (that row is the next run).
   */
  retryLater(row: ScheduleRow, dueAt: number): void {
    this.#claimed.delete(row.id);
    const successor = this.pending(row.kind).some((other) => other.id !== row.id);
    if (SINGLETON.has(row.kind) && successor) this.remove(row.id);
    else if (this.#exists()) this.sql.exec('UPDATE schedule SET due_at = ? WHERE id = ?', dueAt, row.id);
  }

  #rows(kind?: ScheduleKind): ScheduleRow[] {
    if (!this.#exists()) return [];
    const cursor = kind
      ? this.sql.exec<RawRow>('SELECT * FROM schedule WHERE kind = ? ORDER BY due_at, id', kind)
      : this.sql.exec<RawRow>('SELECT * FROM schedule ORDER BY due_at, id');
    return toRows(cursor.toArray());
  }

  remove(id: number): void {
    if (!this.#exists()) return;
    this.sql.exec('DELETE FROM schedule WHERE id = ?', id);
  }

  removeKinds(kinds: readonly ScheduleKind[]): void {
    if (!this.#exists()) return;
    for (const kind of kinds) this.sql.exec('DELETE FROM schedule WHERE kind = ?', kind);
  }

  /** When the alarm should fire: the earliest pending row, or the watchdog of a row being handled. */
  earliestDueAt(now: number): number | null {
    const rows = this.#rows();
    const [next] = rows.filter((row) => !this.#claimed.has(row.id));
    const watchdog = rows.some((row) => this.#claimed.has(row.id)) ? now + CLAIM_WATCHDOG_MS : null;
    if (next === undefined) return watchdog;
    return watchdog === null ? next.dueAt : Math.min(next.dueAt, watchdog);
  }

  /** Test seam: every row becomes due `ms` earlier (what waiting `ms` would do). */
  shift(ms: number): void {
    if (this.#exists()) this.sql.exec('UPDATE schedule SET due_at = due_at - ?', ms);
  }

  /** Test seam: pending rows of these kinds become due at `at` at the latest. */
  dueBy(kinds: readonly ScheduleKind[], at: number): void {
    if (!this.#exists()) return;
    for (const kind of kinds)
      this.sql.exec('UPDATE schedule SET due_at = min(due_at, ?) WHERE kind = ?', at, kind);
  }
}

/** The correlationId a row was scheduled with (a request's), or a fresh one for periodic work. */
export function correlationOf(row: ScheduleRow): string {
  const id = row.payload.correlationId;
  return typeof id === 'string' ? id : crypto.randomUUID();
}
