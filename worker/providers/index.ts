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

const ADAPTERS = {
  google: googleProvider,
  microsoft: microsoftProvider,
} as const satisfies Record<string, AdapterFactory>;

/** The name of a provider CE connects. */
export type Provider = keyof typeof ADAPTERS;

/** Every provider name, in registry order. */
export const PROVIDERS = Object.keys(ADAPTERS) as [Provider, ...Provider[]];

export function providerFor(config: ProviderConfig, provider: Provider): CalendarProvider {
  const factory: AdapterFactory | undefined = Object.hasOwn(ADAPTERS, provider)
    ? ADAPTERS[provider]
    : undefined;
  if (!factory) throw new Error(`unknown provider ${String(provider)}`);
  return factory(config);
}
