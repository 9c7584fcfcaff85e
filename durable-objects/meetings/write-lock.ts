/**
 * The connection object's single-writer lock for the calendar (issue 15). An object runs one call at
 * a time only between awaits; a sync round and a meeting write would otherwise interleave at every
 * provider or database call. Work queued here runs strictly one after another, in arrival order, so
 * ten concurrent creates with one Idempotency-Key see each other's rows, and a sync never writes
 * between a meeting's provider call and its confirmation.
 */
export class WriteLock {
  #tail: Promise<unknown> = Promise.resolve();

  run<T>(work: () => Promise<T>): Promise<T> {
    const result = this.#tail.then(work, work);
    // The queue continues whether `work` succeeded or not.
    this.#tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }
}
