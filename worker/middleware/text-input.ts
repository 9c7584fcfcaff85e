/**
 * Rejects control characters anywhere in a JSON request body or a query parameter with a 400 naming
 * the field, before any route sees it. Postgres refuses NUL in text (SQLSTATE 22021), and other C0 characters have no place
 * in calendar titles, ids or emails; tab, line feed and carriage return stay allowed for multi-line
 * text such as descriptions. The parsed body is cached by Hono, so validators reuse it.
 */
import { createMiddleware } from 'hono/factory';
import type { AppEnv } from '../env.ts';
import { validationFailed } from '../errors.ts';

// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point.
const CONTROL_CHARACTER = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;
const MAX_DEPTH = 32;
const METHODS_WITH_BODY = new Set(['POST', 'PUT', 'PATCH']);

/** Path of the first string (or key) holding a control character, e.g. `attendees[2].email`. */
export function findControlCharacter(value: unknown, path = '', depth = 0): string | undefined {
  if (typeof value === 'string') return CONTROL_CHARACTER.test(value) ? path || 'body' : undefined;
  if (value === null || typeof value !== 'object' || depth > MAX_DEPTH) return undefined;
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) {
      const found = findControlCharacter(item, `${path}[${index}]`, depth + 1);
      if (found) return found;
    }
    return undefined;
  }
  for (const [key, item] of Object.entries(value)) {
    // A key with control characters is named by its parent: echoing it would reflect the input.
    if (CONTROL_CHARACTER.test(key)) return path || 'body';
    const found = findControlCharacter(item, path ? `${path}.${key}` : key, depth + 1);
    if (found) return found;
  }
  return undefined;
}

export const rejectControlCharacters = createMiddleware<AppEnv>(async (c, next) => {
  // Query parameters first (e.g. `?q=%00` on a search): the same rule, named by the parameter.
  const queryField = findControlCharacter(c.req.queries());
  if (queryField)
    throw validationFailed([
      { field: queryField.replace(/\[\d+\]$/, ''), message: 'must not contain control characters' },
    ]);
  const isJson = /^application\/(.+\+)?json\b/i.test(c.req.header('content-type') ?? '');
  if (!METHODS_WITH_BODY.has(c.req.method) || !isJson) return next();
  let body: unknown;
  try {
    body = await c.req.json();
  } catch {
    return next(); // the route's validator reports invalid JSON in the usual way
  }
  const field = findControlCharacter(body);
  if (field) throw validationFailed([{ field, message: 'must not contain control characters' }]);
  return next();
});
