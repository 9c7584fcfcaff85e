/**
 * A known path asked with a method it does not have answers 405 with `Allow` (RFC 9110 §15.5.6),
 * before authentication: which methods a path has is public (the OpenAPI document lists them), and
 * a 401 or 404 would send a client looking for the wrong problem. Unknown paths fall through to
 * auth and the 404. The table is built once from the app's own routes, so it cannot drift.
 */

import { createMiddleware } from 'hono/factory';
import { TrieRouter } from 'hono/router/trie-router';
import type { RouterRoute } from 'hono/types';
import type { AppEnv } from '../env.ts';
import { AppError } from '../errors.ts';

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

/** Which methods each route path answers: a router whose only handlers are the method names. */
function methodTable(routes: RouterRoute[]): TrieRouter<string> {
  const router = new TrieRouter<string>();
  const seen = new Set<string>();
  for (const { method, path } of routes) {
    // app.use() middleware is registered as ALL: it says nothing about which methods a path has.
    if (method === 'ALL' || seen.has(`${method} ${path}`)) continue;
    seen.add(`${method} ${path}`);
    router.add(method, path, method);
    if (method === 'GET') router.add('HEAD', path, 'HEAD');
  }
  return router;
}

function allowedMethods(router: TrieRouter<string>, path: string): string[] {
  return METHODS.filter((method) => router.match(method, path)[0].length > 0);
}

/** `routes` is read on the first request, when every route module has been mounted. */
export function methodNotAllowed(routes: () => RouterRoute[]) {
  let table: TrieRouter<string> | undefined;
  return createMiddleware<AppEnv>(async (c, next) => {
    // A CORS preflight was answered before this; any other OPTIONS is asked like another method.
    table ??= methodTable(routes());
    const allowed = allowedMethods(table, c.req.path);
    if (allowed.length === 0 || allowed.includes(c.req.method)) return next();
    c.header('Allow', allowed.join(', '));
    throw new AppError(
      'method_not_allowed',
      `${c.req.method} is not allowed on ${c.req.path}; allowed: ${allowed.join(', ')}`,
    );
  });
}
