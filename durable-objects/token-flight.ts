/**
 * Single flight for token loads: however many callers ask at once, one load runs and they all get
 * its answer. A forced load (the provider just refused the token the caller holds) never joins a
 * normal one: a normal load may answer with the very token that was refused (it hands out the stored
 * access token while that looks fresh). It waits for the normal load to settle and then runs its own;
 * a normal call that arrives while a forced load runs joins that one (its token is new).
 */
export class TokenFlight<T> {
  #current: { promise: Promise<T>; forced: boolean } | undefined;

  /** `start(force)` begins a load; it must not reject (the refresher turns errors into results). */
  run(force: boolean, start: (force: boolean) => Promise<T>): Promise<T> {
    const current = this.#current;
    if (current && (current.forced || !force)) return current.promise;
    if (current) return current.promise.then(() => this.run(force, start));
    const flight = {
      forced: force,
      promise: start(force).finally(() => {
        if (this.#current === flight) this.#current = undefined;
      }),
    };
    this.#current = flight;
    return flight.promise;
  }
}
