/** Property tests of the emulator's page cutter: nothing lost or repeated, groups never split. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { takePage } from '../../emulator/paging.ts';
import { EmulatorState } from '../../emulator/state.ts';

describe('takePage', () => {
  it('pages concatenate to the input, end between groups, and respect the size unless one group is larger', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.integer(), { minLength: 1, maxLength: 6 }), { maxLength: 40 }),
        fc.integer({ min: 1, max: 10 }),
        fc.double({ min: 0, max: 0.9, noNaN: true }),
        fc.integer({ min: 1, max: 1_000_000 }),
        (groups, size, shortPageProbability, seed) => {
          const state = new EmulatorState({ seed, shortPageProbability });
          const seen: unknown[] = [];
          let offset: number | undefined = 0;
          for (let guard = 0; offset !== undefined; guard++) {
            expect(guard).toBeLessThan(10_000);
            const page = takePage(state, groups, offset, size);
            const end = page.next ?? groups.length;
            // The page is exactly the groups [offset, end): no group is split.
            expect(page.items).toEqual(groups.slice(offset, end).flat());
            if (end - offset > 1) expect(page.items.length).toBeLessThanOrEqual(size);
            seen.push(...page.items);
            offset = page.next;
          }
          expect(seen).toEqual(groups.flat());
        },
      ),
    );
  });

  it('with no short-page probability, every page but the last is as full as the groups allow', () => {
    const state = new EmulatorState({ seed: 1 });
    const groups = Array.from({ length: 10 }, (_, i) => [i]);
    expect(takePage(state, groups, 0, 4)).toEqual({ items: [0, 1, 2, 3], next: 4 });
    expect(takePage(state, groups, 8, 4)).toEqual({ items: [8, 9] });
    expect(takePage(state, [[1, 2, 3, 4, 5], [6]], 0, 2)).toEqual({ items: [1, 2, 3, 4, 5], next: 1 });
  });
});
