/**
 * One list of providers per side of the database boundary: the worker's is its adapter registry
 * (worker/providers/index.ts), the database's is db/schema.ts (its CHECK constraints). db/ imports
 * nothing above it and the adapters import no db/, so neither can import the other's; this test
 * keeps them equal instead.
 */
import { describe, expect, expectTypeOf, it } from 'vitest';
import { PROVIDER_NAMES, type ProviderName } from '../../db/schema.ts';
import { PROVIDERS, type Provider, providerFor } from '../../worker/providers/index.ts';

describe('the provider list', () => {
  it('the database names exactly the providers the registry has adapters for', () => {
    expect([...PROVIDER_NAMES].sort()).toEqual([...PROVIDERS].sort());
    expectTypeOf<ProviderName>().toEqualTypeOf<Provider>();
  });

  it('each adapter answers to its own name and has its own webhook path', () => {
    const adapters = PROVIDERS.map((name) => providerFor({}, name));
    expect(adapters.map((adapter) => adapter.name)).toEqual(PROVIDERS);
    expect(new Set(adapters.map((adapter) => adapter.webhookPath)).size).toBe(PROVIDERS.length);
  });

  it('an unknown name is refused, not looked up on the prototype', () => {
    expect(() => providerFor({}, 'constructor' as Provider)).toThrow('unknown provider');
  });
});
