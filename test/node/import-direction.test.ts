/**
 * The production tree's imports run one way (issue 10): routes → services → (db, vault, providers,
 * objects); db knows no one above it; no import circle anywhere in worker/, durable-objects/, db/;
 * only worker/providers/index.ts branches on the provider's name; the emulator shares no code with
 * the worker. Walks the import statements (type-only ones too: a type cycle is still a circle).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const TREES = ['worker', 'durable-objects', 'db'];

function sourceFiles(dir: string): string[] {
  return readdirSync(join(root, dir)).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(join(root, path)).isDirectory()) return name === 'migrations' ? [] : sourceFiles(path);
    return /\.tsx?$/.test(name) && !name.endsWith('.d.ts') ? [path] : [];
  });
}

const IMPORT =
  /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

/** Repository-relative targets of a file's relative imports. */
function importsOf(file: string): string[] {
  const text = readFileSync(join(root, file), 'utf8');
  const targets: string[] = [];
  for (const match of text.matchAll(IMPORT)) {
    const spec = match[1] ?? match[2] ?? '';
    if (spec.startsWith('.')) targets.push(relative(root, resolve(root, dirname(file), spec)));
  }
  return targets;
}

const files = TREES.flatMap(sourceFiles);
const graph = new Map(files.map((f) => [f, importsOf(f)]));
const under = (file: string, ...dirs: string[]) => dirs.some((d) => file.startsWith(`${d}/`));

function violations(from: string[], forbidden: string[]): string[] {
  return [...graph].flatMap(([file, targets]) =>
    under(file, ...from) ? targets.filter((t) => under(t, ...forbidden)).map((t) => `${file} → ${t}`) : [],
  );
}

/** Every strongly connected component with more than one file (Tarjan). */
function cycles(): string[][] {
  let index = 0;
  const indices = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string) => {
    indices.set(v, index);
    low.set(v, index++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!indices.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v) ?? 0, low.get(w) ?? 0));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v) ?? 0, indices.get(w) ?? 0));
    }
    if (low.get(v) === indices.get(v)) {
      const component: string[] = [];
      let w: string | undefined;
      do {
        w = stack.pop();
        if (w) {
          onStack.delete(w);
          component.push(w);
        }
      } while (w && w !== v);
      if (component.length > 1 || (graph.get(v) ?? []).includes(v)) found.push(component.sort());
    }
  };
  for (const file of graph.keys()) if (!indices.has(file)) visit(file);
  return found;
}

describe('import direction', () => {
  it('finds the files it checks (the walk itself works)', () => {
    expect(files).toContain('worker/app.ts');
    expect(files).toContain('durable-objects/calendar-connection.ts');
    expect(graph.get('worker/app.ts')).toContain('worker/routes/connections.ts');
  });

  it('has no import circle in worker/, durable-objects/, db/', () => {
    expect(cycles()).toEqual([]);
  });

  it('db/ imports nothing from worker/ or durable-objects/', () => {
    expect(violations(['db'], ['worker', 'durable-objects'])).toEqual([]);
  });

  it('lower layers never import upper ones', () => {
    const upper = ['worker/routes', 'worker/services', 'worker/middleware'];
    expect(violations(['worker/services'], ['worker/routes'])).toEqual([]);
    expect(violations(['durable-objects'], [...upper])).toEqual([]);
    expect(violations(['worker/vault'], [...upper, 'durable-objects'])).toEqual([]);
    expect(violations(['worker/providers'], [...upper, 'durable-objects', 'db', 'worker/vault'])).toEqual([]);
    // The objects take their own configuration type, never the worker's Env.
    expect(violations(['durable-objects', 'worker/providers', 'worker/vault'], ['worker/env.ts'])).toEqual(
      [],
    );
  });

  it('the emulator and the worker share no code (the emulator is an independent oracle)', () => {
    const emulator = sourceFiles('emulator');
    const crossing = emulator.flatMap((f) =>
      importsOf(f)
        .filter((t) => under(t, 'worker', 'durable-objects', 'db'))
        .map((t) => `${f} → ${t}`),
    );
    expect(crossing).toEqual([]);
    expect(violations(TREES, ['emulator'])).toEqual([]);
  });

  it('only worker/providers/index.ts branches on the provider name', () => {
    const branches = files.flatMap((file) =>
      readFileSync(join(root, file), 'utf8')
        .split('\n')
        .flatMap((line, i) => (/provider\s*[!=]==/.test(line) ? [`${file}:${i + 1}`] : [])),
    );
    expect(branches.filter((b) => !b.startsWith('worker/providers/index.ts:'))).toEqual([]);
  });
});
