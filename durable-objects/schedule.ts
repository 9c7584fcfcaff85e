/**
 * The connection object's one schedule: a table in its SQLite-backed storage. Every kind of future
 * work (poll, retry, channel renewal, reminder, …) is a row with a due time; the object's single
 * alarm always points at the earliest row (`earliestDueAt`), so a later poll never hides an earlier
 * retry or reminder. Rows survive restarts with their due times (jitter included).
 */
export const SCHEDULE_KINDS = ['poll', 'retry', 'renew_channel', 'reminder', 'meeting_outbox'] as const;
export type ScheduleKind = (typeof SCHEDULE_KINDS)[number];

/** Kinds with at most one pending row: re-scheduling moves it instead of adding another. */
const SINGLETON: ReadonlySet<ScheduleKind> = new Set(['poll', 'retry', 'renew_channel', 'meeting_outbox']);

export interface ScheduleRow {
  id: number;
  kind: ScheduleKind;
  /** Epoch milliseconds. */
  dueAt: number;
  payload: Record<string, unknown>;
}

type RawRow = { id: number; kind: string; due_at: number; payload: string } & Record<string, SqlStorageValue>;

const toRow = (raw: RawRow): ScheduleRow => ({
  id: raw.id,
  kind: raw.kind as ScheduleKind,
  dueAt: raw.due_at,
  payload: JSON.parse(raw.payload) as Record<string, unknown>,
});

export class Schedule {
  /**
   * Whether the table exists: unknown until asked. It is created by the first row scheduled, never
   * by a read, so an object no connection was ever attached to (a forged webhook names any id it
   * likes) writes nothing to its storage.
   */
  #created: boolean | undefined;

  constructor(private readonly sql: SqlStorage) {}

  /** `deleteAll()` dropped the table: the next row scheduled creates it again. */
  dropped(): void {
    this.#created = false;
  }

  #exists(): boolean {
    this.#created ??=
      this.sql.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schedule'").toArray()
        .length > 0;
    return this.#created;
  }

  /** Idempotent; called before every write, so reads never create the table. */
  #create(): void {
    if (this.#created) return;
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
    if (!raw) throw new Error('schedule insert returned no row');
    return toRow(raw);
  }

  pending(kind?: ScheduleKind): ScheduleRow[] {
    if (!this.#exists()) return [];
    const cursor = kind
      ? this.sql.exec<RawRow>('SELECT * FROM schedule WHERE kind = ? ORDER BY due_at, id', kind)
      : this.sql.exec<RawRow>('SELECT * FROM schedule ORDER BY due_at, id');
    return cursor.toArray().map(toRow);
  }

  /** Rows due at `now`, earliest first (ties in insertion order). */
  due(now: number): ScheduleRow[] {
    if (!this.#exists()) return [];
    return this.sql
      .exec<RawRow>('SELECT * FROM schedule WHERE due_at <= ? ORDER BY due_at, id', now)
      .toArray()
      .map(toRow);
  }

  remove(id: number): void {
    if (!this.#exists()) return;
    this.sql.exec('DELETE FROM schedule WHERE id = ?', id);
  }

  removeKinds(kinds: readonly ScheduleKind[]): void {
    if (!this.#exists()) return;
    for (const kind of kinds) this.sql.exec('DELETE FROM schedule WHERE kind = ?', kind);
  }

  earliestDueAt(): number | null {
    if (!this.#exists()) return null;
    const [row] = this.sql.exec<{ due: number | null }>('SELECT min(due_at) AS due FROM schedule').toArray();
    return row?.due ?? null;
  }
}
