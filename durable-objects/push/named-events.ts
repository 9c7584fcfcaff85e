/**
 * Event ids that verified push notifications named (Graph `resourceData.id`), kept in the object's
 * storage until a sync round that started after the notification has either returned the event or
 * read it directly (durable-objects/sync/reread.ts). Bounded: under a burst the oldest names go
 * first (the rounds return nearly all of them anyway).
 */
import type { ObjectStorage, StorageKey } from '../storage.ts';
import type { NamedEventQueue } from '../sync/reread.ts';

export const NAMED_EVENTS_KEY = 'pushNamedEvents' as const satisfies StorageKey;
/** Names kept at most. */
export const MAX_NAMED_EVENTS = 500;

interface NamedEvent {
  id: string;
  /** When the latest notification naming it arrived (epoch ms). */
  at: number;
}

export class NamedEvents implements NamedEventQueue {
  constructor(private readonly storage: ObjectStorage) {}

  async #all(): Promise<NamedEvent[]> {
    return (await this.storage.read(NAMED_EVENTS_KEY)) ?? [];
  }

  /** A notification named `id` at `at`: only a round started later can tell whether it was reported. */
  async add(id: string, at: number): Promise<void> {
    const kept = (await this.#all()).filter((e) => e.id !== id);
    await this.storage.write(NAMED_EVENTS_KEY, [...kept, { id, at }].slice(-MAX_NAMED_EVENTS));
  }

  async namedBefore(ms: number, limit: number): Promise<string[]> {
    return (await this.#all())
      .filter((e) => e.at <= ms)
      .slice(0, limit)
      .map((e) => e.id);
  }

  async settle(ids: readonly string[], ms: number): Promise<void> {
    const done = new Set(ids);
    const all = await this.#all();
    const left = all.filter((e) => !(done.has(e.id) && e.at <= ms));
    if (left.length === all.length) return;
    if (left.length) await this.storage.write(NAMED_EVENTS_KEY, left);
    else await this.storage.remove(NAMED_EVENTS_KEY);
  }
}
