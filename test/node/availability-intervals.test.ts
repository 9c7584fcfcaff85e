/** Interval algebra: named cases, and every function against a point-by-point oracle. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  clipIntervals,
  intersectIntervals,
  mergeIntervals,
  padIntervals,
  subtractIntervals,
} from '../../worker/availability/index.ts';
import { covers, isNormalForm, type Span } from './availability-oracle.ts';

const GRID = 120;
/** Intervals on a small integer grid, including empty and inverted ones. */
const spans = fc.array(
  fc.record({ start: fc.integer({ min: 0, max: GRID }), end: fc.integer({ min: 0, max: GRID }) }),
  { maxLength: 12 },
);
const points = Array.from({ length: GRID + 4 }, (_, index) => index - 2);

function expectPointwise(result: Span[], expected: (point: number) => boolean) {
  expect(isNormalForm(result)).toBe(true);
  // One comparison per case: the failure shows the points where result and oracle differ.
  const differing = points.filter((point) => covers(result, point) !== expected(point));
  expect(differing).toEqual([]);
}

describe('mergeIntervals', () => {
  it('joins overlapping and adjacent intervals, drops empty and inverted ones', () => {
    expect(
      mergeIntervals([
        { start: 10, end: 20 },
        { start: 20, end: 30 },
        { start: 25, end: 27 },
        { start: 40, end: 40 },
        { start: 50, end: 45 },
        { start: 0, end: 5 },
        { start: Number.NaN, end: 3 },
      ]),
    ).toEqual([
      { start: 0, end: 5 },
      { start: 10, end: 30 },
    ]);
  });

  it('accepts Dates and numbers alike', () => {
    const at = (iso: string) => new Date(iso);
    expect(
      mergeIntervals([
        { start: at('2026-03-02T10:00:00Z'), end: at('2026-03-02T11:00:00Z') },
        { start: Date.parse('2026-03-02T11:00:00Z'), end: at('2026-03-02T11:30:00Z') },
      ]),
    ).toEqual([{ start: Date.parse('2026-03-02T10:00:00Z'), end: Date.parse('2026-03-02T11:30:00Z') }]);
  });

  it('matches the point oracle', () => {
    fc.assert(
      fc.property(spans, (input) => {
        expectPointwise(mergeIntervals(input), (point) => covers(input, point));
      }),
      { numRuns: 300 },
    );
  });
});

describe('clip, pad, intersect, subtract', () => {
  it('pads busy blocks by the buffer and ignores zero-length ones', () => {
    expect(
      padIntervals(
        [
          { start: 100, end: 110 },
          { start: 118, end: 130 },
          { start: 200, end: 200 },
        ],
        5,
      ),
    ).toEqual([{ start: 95, end: 135 }]);
  });

  it('subtracts busy from a range (free time)', () => {
    expect(
      subtractIntervals(
        [{ start: 0, end: 100 }],
        [
          { start: 10, end: 20 },
          { start: 15, end: 30 },
          { start: 90, end: 120 },
        ],
      ),
    ).toEqual([
      { start: 0, end: 10 },
      { start: 30, end: 90 },
    ]);
  });

  it('match the point oracle', () => {
    fc.assert(
      fc.property(
        spans,
        spans,
        fc.record({ start: fc.integer({ min: 0, max: GRID }), end: fc.integer({ min: 0, max: GRID }) }),
        fc.integer({ min: 0, max: 10 }),
        (a, b, range, padding) => {
          expectPointwise(clipIntervals(a, range), (p) => covers(a, p) && range.start <= p && p < range.end);
          expectPointwise(intersectIntervals(a, b), (p) => covers(a, p) && covers(b, p));
          expectPointwise(subtractIntervals(a, b), (p) => covers(a, p) && !covers(b, p));
          const nonEmpty = a.filter((span) => span.end > span.start);
          expectPointwise(padIntervals(a, padding), (p) =>
            nonEmpty.some((span) => span.start - padding <= p && p < span.end + padding),
          );
        },
      ),
      { numRuns: 300 },
    );
  });
});
