/**
 * The OpenAPI document stays usable by CE web: it passes Redocly's recommended rules with no error
 * and no warning, every operation has a unique operationId, and a client generated from it with
 * openapi-typescript typechecks with a small CE-web-style usage.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createConfig, lintFromString } from '@redocly/openapi-core';
import openapiTS, { astToString, type OpenAPI3 } from 'openapi-typescript';
import ts from 'typescript';
import { beforeAll, describe, expect, it } from 'vitest';

let documentText: string;
let document: OpenAPI3;

/** The worker's Hono app, loaded at run time only: its Workers-only types are not this project's to check. */
type DocumentServer = {
  request(path: string, init: RequestInit, env: Record<string, string>): Promise<Response>;
};
const WORKER_APP = '../../worker/app.ts';

beforeAll(async () => {
  const { app } = (await import(/* @vite-ignore */ WORKER_APP)) as { app: DocumentServer };
  // The document is generated from the route schemas; no binding is read while serving it.
  const res = await app.request('/v1/openapi.json', {}, { DATABASE_URL: 'postgres://unused' });
  expect(res.status).toBe(200);
  documentText = await res.text();
  document = JSON.parse(documentText) as OpenAPI3;
});

const operations = () =>
  Object.entries(document.paths ?? {}).flatMap(([path, item]) =>
    Object.entries(item as Record<string, { operationId?: string; security?: unknown[] }>)
      .filter(([method]) => ['get', 'put', 'post', 'patch', 'delete'].includes(method))
      .map(([method, operation]) => ({ path, method, operation })),
  );

describe('OpenAPI document', () => {
  it('is clean under Redocly recommended rules (no errors, no warnings)', async () => {
    const config = await createConfig({ extends: ['recommended'] });
    const problems = await lintFromString({ source: documentText, absoluteRef: 'openapi.json', config });
    const described = problems.map(
      (p) => `${p.severity} ${p.ruleId}: ${p.message} ${p.location[0]?.pointer ?? ''}`,
    );
    expect(described).toEqual([]);
  });

  it('names every operation uniquely and states the security of each', () => {
    const ids = operations().map(({ operation }) => operation.operationId);
    expect(ids.every((id) => typeof id === 'string' && /^[a-z][A-Za-z0-9]+$/.test(id))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    // Every operation states its security: bearer, or an explicit [] for public ones (webhooks).
    for (const { path, method, operation } of operations())
      expect(Array.isArray(operation.security), `${method} ${path}`).toBe(true);
    // Infrastructure endpoints are served but not part of the client API.
    expect(Object.keys(document.paths ?? {})).not.toContain('/healthz');
    expect(Object.keys(document.paths ?? {})).not.toContain('/functions/v1/calendar-oauth-callback');
  });

  it('generates a typed client that typechecks as CE web would use it', async () => {
    const generated = astToString(await openapiTS(document));
    const dir = mkdtempSync(join(tmpdir(), 'ce-openapi-'));
    try {
      writeFileSync(join(dir, 'api.ts'), generated);
      writeFileSync(
        join(dir, 'usage.ts'),
        [
          "import type { operations, paths } from './api';",
          "type Settings = paths['/v1/calendar/settings']['get']['responses'][200]['content']['application/json'];",
          'export const minutes = (s: Settings): number => s.calendar_default_meeting_duration_minutes;',
          "type Cards = operations['listConnections']['responses'][200]['content']['application/json'];",
          'export const ids = (c: Cards): string[] => c.connections.map((card) => card.id);',
        ].join('\n'),
      );
      const program = ts.createProgram([join(dir, 'usage.ts')], {
        strict: true,
        noEmit: true,
        target: ts.ScriptTarget.ES2022,
        module: ts.ModuleKind.ESNext,
        moduleResolution: ts.ModuleResolutionKind.Bundler,
        lib: ['lib.es2022.d.ts'],
        types: [],
        skipLibCheck: true,
      });
      const diagnostics = ts
        .getPreEmitDiagnostics(program)
        .map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
      expect(diagnostics).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
