/**
 * Graph occurrence and exception ids are opaque strings (providers.md §8: never parse them). Inside,
 * the emulator keys instances as `<masterId>_<original start>`; outside, Graph clients only ever see a
 * hash-derived id that is resolved back through this lookup. Stored Graph ids contain no `_`, so only
 * instance keys are translated. The hash makes the id stable across renders and emulator restarts.
 */
import { createHash } from 'node:crypto';

const internalByGraphId = new Map<string, string>();

/** The id a Graph client sees for an internal event or instance key. */
export function toGraphId(internalId: string): string {
  if (!internalId.includes('_')) return internalId;
  const digest = createHash('sha256').update(internalId).digest('base64').replace(/[+/=]/g, '');
  const id = `AAMkAGI1AFEAABGB${digest}AAA=`;
  internalByGraphId.set(id, internalId);
  return id;
}

/** The internal key behind an id a Graph client sent (unchanged when it is not an instance id). */
export function fromGraphId(id: string): string {
  return internalByGraphId.get(id) ?? id;
}
