/**
 * Cutting a result into pages the way the providers do: pages end between groups (Graph never
 * splits a series across delta pages), and with `shortPageProbability` a page may be short or even
 * empty while still pointing at the next one.
 */
import type { EmulatorState } from './state.ts';

export interface Page {
  items: unknown[];
  /** Group offset of the next page, or undefined on the last page. */
  next?: number;
}

export function takePage(state: EmulatorState, groups: unknown[][], offset: number, size: number): Page {
  const target = state.pageSize(size);
  const items: unknown[] = [];
  let index = offset;
  while (index < groups.length) {
    const group = groups[index] ?? [];
    if (items.length + group.length > target && (items.length > 0 || target === 0)) break;
    items.push(...group);
    index += 1;
  }
  return index < groups.length ? { items, next: index } : { items };
}

/** Each item its own group (lists without series grouping). */
export const singletons = (items: unknown[]): unknown[][] => items.map((item) => [item]);
