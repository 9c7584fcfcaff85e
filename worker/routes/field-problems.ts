/**
 * Zod issues as the 400's field list (SPEC §4): one problem per field, every field named, unknown
 * keys of strict objects included. Free of Workers types so Node tests use it too.
 */
import type { z } from '@hono/zod-openapi';
import type { FieldProblem } from '../errors.ts';

/**
 * An unknown key is named back only when it looks like a field name: keys are caller text, and one
 * holding an address or a token must not come back in an error body (the parent is named instead).
 */
const NAMEABLE_KEY = /^[A-Za-z_][A-Za-z0-9_-]{0,63}$/;

/**
 * A field path as the rest of the API writes it: `attendees[2].email`, `working_hours.mon[1].end`
 * (the control-character check and the tests use the same spelling).
 */
export function fieldPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((at, key) => {
    if (typeof key === 'number') return `${at}[${key}]`;
    return at ? `${at}.${String(key)}` : String(key);
  }, '');
}

/** Where a problem with no path sits, so `field` is never empty. */
const ROOT_FIELD: Record<string, string> = { json: 'body', query: 'query', param: 'path', header: 'headers' };

/**
 * One problem per wrong field. An unknown key of a strict object is named as the field itself
 * (`{"titel": …}` → field `titel`), so a client sees which key to drop without parsing the message.
 */
export function fieldProblems(error: z.ZodError, target = 'json'): FieldProblem[] {
  const root = ROOT_FIELD[target] ?? 'body';
  const problems = error.issues.flatMap((issue) => {
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) =>
        NAMEABLE_KEY.test(key)
          ? { field: fieldPath([...issue.path, key]), message: 'is not a field of this request' }
          : {
              field: fieldPath(issue.path) || root,
              message: 'has a key that is not a field of this request',
            },
      );
    }
    return [{ field: fieldPath(issue.path) || root, message: issue.message }];
  });
  // The first problem of each field: a later rule on the same value (a refinement after a pattern)
  // would only restate it.
  return problems.filter((problem, index) => problems.findIndex((p) => p.field === problem.field) === index);
}
