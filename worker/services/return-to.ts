/**
 * Same-origin validation of `return_to` (no open redirect): a path on this origin, or an absolute
 * URL whose origin is exactly this one. Protocol-relative (`//evil`), backslash tricks, other
 * schemes (`javascript:`) and control characters are rejected.
 */
export const DEFAULT_RETURN_TO = '/admin';

export function normalizeReturnTo(value: string | undefined, appOrigin: string): string | undefined {
  if (value === undefined || value === '') return DEFAULT_RETURN_TO;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point.
  if (value.length > 2048 || /[\u0000-\u001f\u007f\\]/.test(value)) return undefined;
  if (value.startsWith('/') && !value.startsWith('//')) {
    const url = new URL(value, appOrigin);
    return url.origin === appOrigin ? `${url.pathname}${url.search}${url.hash}` : undefined;
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return undefined;
  }
  if (url.origin !== appOrigin || !['http:', 'https:'].includes(url.protocol)) return undefined;
  return `${url.pathname}${url.search}${url.hash}`;
}

/** `path` on `appOrigin` with extra query parameters. */
export function returnUrl(appOrigin: string, path: string, params: Record<string, string>): string {
  const url = new URL(path, appOrigin);
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  return url.toString();
}
