/**
 * Same-origin validation of `return_to` (no open redirect). Two independent guards, because one
 * slip in either must not be enough:
 * 1. `normalizeReturnTo` accepts a path on this origin or an absolute http(s) URL whose origin is
 *    exactly this one, and validates the *normalized* result: dot-segments can turn `/..//evil` or
 *    `/%2e%2e//evil` into the path `//evil`, which a browser reads as another host.
 * 2. `returnUrl` builds the final redirect from our origin and only copies path, query and fragment
 *    onto it, so whatever string reaches it, the Location's origin is ours.
 */
export const DEFAULT_RETURN_TO = '/admin';

const MAX_RETURN_TO_LENGTH = 2048;
// biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point.
const FORBIDDEN_CHARACTERS = /[\u0000-\u001f\u007f\\]/;

/**
 * A rooted path that no URL parser can read as a host: starts with one slash, not two. A backslash
 * counts as a slash: WHATWG URL parsing reads `/\` as `//` for http(s).
 */
function isRootedPath(path: string): boolean {
  return path.startsWith('/') && !/^\/[/\\]/.test(path);
}

export function normalizeReturnTo(value: string | undefined, appOrigin: string): string | undefined {
  if (value === undefined || value === '') return DEFAULT_RETURN_TO;
  if (value.length > MAX_RETURN_TO_LENGTH || FORBIDDEN_CHARACTERS.test(value)) return undefined;
  if (!isRootedPath(value) && !/^https?:\/\//i.test(value)) return undefined;
  let url: URL;
  try {
    url = new URL(value, appOrigin);
  } catch {
    return undefined;
  }
  if (url.origin !== appOrigin) return undefined;
  const path = `${url.pathname}${url.search}${url.hash}`;
  return isRootedPath(path) ? path : undefined;
}

/** `path` on `appOrigin` with extra query parameters; the result's origin is always `appOrigin`. */
export function returnUrl(appOrigin: string, path: string, params: Record<string, string>): string {
  const origin = new URL(appOrigin).origin;
  const target = new URL(isRootedPath(path) ? path : DEFAULT_RETURN_TO, origin);
  const url = new URL(origin);
  // Collapsing leading slashes keeps the path from ever serializing as `//host`.
  url.pathname = target.pathname.replace(/^\/+/, '/');
  url.search = target.search;
  url.hash = target.hash;
  for (const [key, value] of Object.entries(params)) url.searchParams.set(key, value);
  return url.origin === origin ? url.toString() : new URL(DEFAULT_RETURN_TO, origin).toString();
}
