/**
 * The production tree keeps the layering written in docs/architecture/layers.json: every file in one
 * part, imports between parts only along allowed arrows, no forbidden arrow (db imports nothing above
 * it, the emulator shares no code, …), no import circle, and the provider switch only in
 * worker/providers/index.ts. The second block plants one violation of each kind in a copy of the
 * graph (in memory, never in the tree) and shows the guard reports it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { buildGraph, checkLayers, type ImportGraph, type LayerRules, readRules } from './layer-rules.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const rules = readRules(root);
const graph = buildGraph(root, rules);
/** A file's text; a file planted in memory has none. */
const realText = (file: string) =>
  existsSync(join(root, file)) ? readFileSync(join(root, file), 'utf8') : '';

describe('import direction (docs/architecture/layers.json)', () => {
  it('reads the tree (the walk itself works)', () => {
    expect(graph.get('worker/app.ts')).toContain('worker/routes/connections.ts');
    expect(graph.has('durable-objects/calendar-connection.ts')).toBe(true);
    expect(graph.has('emulator/server.ts')).toBe(true);
  });

  it('the tree keeps every rule', () => {
    expect(checkLayers(rules, graph, realText)).toEqual([]);
  });
});

/** The real graph with `extra` imports added (files created when new). */
function planted(extra: Array<[string, string]>): ImportGraph {
  const copy: ImportGraph = new Map([...graph].map(([file, targets]) => [file, [...targets]]));
  for (const [from, to] of extra) {
    copy.set(from, [...(copy.get(from) ?? []), to]);
    if (!copy.has(to)) copy.set(to, []);
  }
  return copy;
}

const check = (g: ImportGraph, textOf = realText, r: LayerRules = rules) => checkLayers(r, g, textOf);

describe('the guard fails on a planted violation of each kind', () => {
  it('a file in no part', () => {
    expect(check(planted([['worker/app.ts', 'worker/newlayer/thing.ts']]))).toContain(
      'part: worker/newlayer/thing.ts is in no part',
    );
  });

  it('an arrow between parts that is not allowed', () => {
    expect(check(planted([['worker/sync/busy.ts', 'worker/availability/intervals.ts']]))).toContain(
      'arrow: sync → availability is not allowed (worker/sync/busy.ts → worker/availability/intervals.ts)',
    );
  });

  it('db importing from above', () => {
    const found = check(planted([['db/tenant.ts', 'worker/log.ts']]));
    expect(found).toContain('forbidden: db imports nothing above it (db/tenant.ts → worker/log.ts)');
    expect(found).toContain('arrow: db → kernel is not allowed (db/tenant.ts → worker/log.ts)');
  });

  it('the emulator sharing code with the app, either way', () => {
    expect(check(planted([['emulator/server.ts', 'worker/log.ts']]))).toContain(
      'forbidden: the emulator shares no code with the app (emulator/server.ts → worker/log.ts)',
    );
    expect(check(planted([['worker/log.ts', 'emulator/random.ts']]))).toContain(
      'forbidden: the app imports nothing from the emulator (worker/log.ts → emulator/random.ts)',
    );
  });

  it('a lower layer importing routes, and the object importing the worker Env', () => {
    expect(check(planted([['worker/services/tokens.ts', 'worker/routes/connections.ts']]))).toContain(
      'forbidden: routes are the top: nothing below imports them (worker/services/tokens.ts → worker/routes/connections.ts)',
    );
    expect(check(planted([['durable-objects/timing.ts', 'worker/env.ts']]))).toContain(
      "forbidden: the objects, providers and vault never see the worker's Env (durable-objects/timing.ts → worker/env.ts)",
    );
  });

  it('an import circle (inside one part, where no arrow rule looks)', () => {
    const found = check(
      planted([
        ['worker/sync/planted-a.ts', 'worker/sync/planted-b.ts'],
        ['worker/sync/planted-b.ts', 'worker/sync/planted-a.ts'],
      ]),
    );
    expect(found).toEqual(['cycle: worker/sync/planted-a.ts → worker/sync/planted-b.ts']);
  });

  it('a switch on the provider name outside worker/providers/index.ts', () => {
    const textOf = (file: string) =>
      file === 'worker/services/tokens.ts'
        ? `${realText(file)}\nif (provider === 'google') {}\n`
        : realText(file);
    const found = check(graph, textOf);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(
      /^only-in: one switch on the provider name \(worker\/services\/tokens\.ts:\d+\)$/,
    );
  });

  it('a rule that names a part that does not exist, or a glob that matches nothing', () => {
    const broken: LayerRules = {
      ...rules,
      parts: { ...rules.parts, ghosts: ['worker/ghosts/**'] },
      allowed: { ...rules.allowed, routes: [...(rules.allowed.routes ?? []), 'nowhere'] },
    };
    const found = check(graph, realText, broken);
    expect(found).toContain('rules: part ghosts: worker/ghosts/** matches no file');
    expect(found).toContain('rules: allowed names unknown part nowhere');
  });

  it('a provider-specific import outside its adapter (the one registry excepted)', () => {
    const found = check(
      planted([
        ['worker/services/webhooks.ts', 'worker/providers/google/push.ts'],
        ['durable-objects/push/channels.ts', 'worker/providers/microsoft/push.ts'],
        ['worker/providers/microsoft/push.ts', 'worker/providers/google/push.ts'],
      ]),
    ).filter((line) => line.startsWith('forbidden:'));
    expect(found.sort()).toEqual([
      'forbidden: provider-specific code stays in its adapter (durable-objects/push/channels.ts → worker/providers/microsoft/push.ts)',
      'forbidden: provider-specific code stays in its adapter (worker/providers/microsoft/push.ts → worker/providers/google/push.ts)',
      'forbidden: provider-specific code stays in its adapter (worker/services/webhooks.ts → worker/providers/google/push.ts)',
    ]);
    // The registry and an adapter's own files may import it.
    expect(check(planted([['worker/providers/index.ts', 'worker/providers/google/push.ts']]))).toEqual([]);
    expect(check(planted([['worker/providers/google/index.ts', 'worker/providers/google/push.ts']]))).toEqual(
      [],
    );
  });
});
