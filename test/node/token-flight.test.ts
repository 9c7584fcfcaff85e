/**
 * Single flight of token loads (durable-objects/token-flight.ts): a forced refresh — the provider just
 * refused the caller's token — never joins a normal load in flight, which may answer with that very
 * token (issue 21).
 */
import { describe, expect, it } from 'vitest';
import { TokenFlight } from '../../durable-objects/token-flight.ts';

/** A load the test finishes by hand, recording whether it was forced. */
function loads() {
  const started: Array<{ force: boolean; finish(token: string): void }> = [];
  const start = (force: boolean) =>
    new Promise<string>((resolve) => {
      started.push({ force, finish: resolve });
    });
  return { started, start };
}

describe('TokenFlight', () => {
  it('callers at once share one load', async () => {
    const flight = new TokenFlight<string>();
    const { started, start } = loads();
    const a = flight.run(false, start);
    const b = flight.run(false, start);
    expect(started).toHaveLength(1);
    started[0]?.finish('T1');
    expect(await Promise.all([a, b])).toEqual(['T1', 'T1']);
  });

  it('a forced refresh during a normal load waits for it, then refreshes: never the rejected token', async () => {
    const flight = new TokenFlight<string>();
    const { started, start } = loads();
    const normal = flight.run(false, start); // hands out the stored token…
    const forced = flight.run(true, start); // …which the provider just refused
    expect(started).toHaveLength(1);
    started[0]?.finish('REJECTED');
    expect(await normal).toBe('REJECTED');
    await expect.poll(() => started.length).toBe(2);
    expect(started[1]?.force).toBe(true);
    started[1]?.finish('FRESH');
    expect(await forced).toBe('FRESH');
  });

  it('callers during a forced refresh join it; forced callers at once share one refresh', async () => {
    const flight = new TokenFlight<string>();
    const { started, start } = loads();
    const forcedA = flight.run(true, start);
    const forcedB = flight.run(true, start);
    const normal = flight.run(false, start);
    expect(started).toHaveLength(1);
    started[0]?.finish('FRESH');
    expect(await Promise.all([forcedA, forcedB, normal])).toEqual(['FRESH', 'FRESH', 'FRESH']);
  });

  it('several forced callers waiting behind a normal load start one refresh between them', async () => {
    const flight = new TokenFlight<string>();
    const { started, start } = loads();
    void flight.run(false, start);
    const forced = [flight.run(true, start), flight.run(true, start), flight.run(true, start)];
    started[0]?.finish('REJECTED');
    await expect.poll(() => started.length).toBe(2);
    started[1]?.finish('FRESH');
    expect(await Promise.all(forced)).toEqual(['FRESH', 'FRESH', 'FRESH']);
    expect(started).toHaveLength(2);
  });

  it('a finished load is not reused: the next call loads again', async () => {
    const flight = new TokenFlight<string>();
    const { started, start } = loads();
    const first = flight.run(false, start);
    started[0]?.finish('T1');
    await first;
    const second = flight.run(false, start);
    expect(started).toHaveLength(2);
    started[1]?.finish('T2');
    expect(await second).toBe('T2');
  });
});
