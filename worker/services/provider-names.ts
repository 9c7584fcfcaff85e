/** The provider names routes validate and document (routes reach the adapters' registry only through here). */
export { PROVIDERS, type Provider } from '../providers/index.ts';
