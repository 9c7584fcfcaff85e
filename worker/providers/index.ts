/**
 * The one place that chooses an adapter by provider name (an exhaustive switch: adding a provider
 * fails to compile until it has an adapter). Everything else holds a `CalendarProvider`.
 */
import { googleProvider } from './google/index.ts';
import { microsoftProvider } from './microsoft/index.ts';
import type { CalendarProvider, Provider, ProviderConfig } from './types.ts';

export type { CalendarProvider, Provider, ProviderConfig } from './types.ts';

export const PROVIDERS = ['google', 'microsoft'] as const satisfies readonly Provider[];

export function providerFor(config: ProviderConfig, provider: Provider): CalendarProvider {
  switch (provider) {
    case 'google':
      return googleProvider(config);
    case 'microsoft':
      return microsoftProvider(config);
    default: {
      const unknown: never = provider;
      throw new Error(`unknown provider ${String(unknown)}`);
    }
  }
}
