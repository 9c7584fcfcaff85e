/**
 * The one place that chooses an adapter by provider name: a registry whose keys are the provider
 * names (`Provider`, `PROVIDERS` derive from it). Adding a provider is its folder plus one line here
 * (and the database's list of names, db/schema.ts, with its migration). Everything else holds a
 * `CalendarProvider`.
 */
import { googleProvider } from './google/index.ts';
import { microsoftProvider } from './microsoft/index.ts';
import type { CalendarProvider, ProviderConfig } from './types.ts';

export type { CalendarProvider, ProviderConfig } from './types.ts';

/** A provider's adapter, built from configuration. */
export type AdapterFactory = (config: ProviderConfig) => CalendarProvider;

/** The adapters CE ships: the provider names are this object's keys. */
export const ADAPTERS = {
  google: googleProvider,
  microsoft: microsoftProvider,
} as const satisfies Record<string, AdapterFactory>;

/**
 * A registry over `adapters`: their names and the lookup by name. The shipped one is built from
 * `ADAPTERS` below; the third-provider test builds one with a fake added, through this same code.
 */
export function adapterRegistry<const R extends Record<string, AdapterFactory>>(adapters: R) {
  type Name = keyof R & string;
  return {
    names: Object.keys(adapters) as [Name, ...Name[]],
    providerFor(config: ProviderConfig, provider: Name): CalendarProvider {
      const factory = Object.hasOwn(adapters, provider) ? adapters[provider] : undefined;
      if (!factory) throw new Error(`unknown provider ${String(provider)}`);
      return factory(config);
    },
  };
}

const registry = adapterRegistry(ADAPTERS);

/** The name of a provider CE connects. */
export type Provider = keyof typeof ADAPTERS;

/** Every provider name, in registry order. */
export const PROVIDERS = registry.names;

export const providerFor: (config: ProviderConfig, provider: Provider) => CalendarProvider =
  registry.providerFor;
