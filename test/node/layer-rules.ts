/**
 * The layering rules of docs/architecture/layers.json, checked against an import graph. Pure: the
 * graph and the file texts are handed in, so the guard test can run it on the real tree and on a
 * copy with a violation planted in memory. Imports are read with the TypeScript compiler's own
 * pre-processor (every form: multi-line, `export … from`, `import type`, dynamic `import()`).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

/** A forbidden arrow: files matching `from` (minus `except`) may not import files matching `to`. */
export interface ForbiddenArrow {
  name: string;
  from: string[];
  to: string[];
  except?: string[];
  why: string;
}

/** A text pattern allowed only in `only` among `files`. */
export interface OnlyIn {
  name: string;
  pattern: string;
  files: string[];
  only: string[];
  why: string;
}

export interface LayerRules {
  about?: string;
  /** Top folders whose source files form the graph. */
  checked: string[];
  /** Part name → globs; every checked file belongs to exactly one part. */
  parts: Record<string, string[]>;
  /** Part name → the parts it may import (imports within a part are always allowed). */
  allowed: Record<string, string[]>;
  forbidden: ForbiddenArrow[];
  /** Globs of files among which no import circle may exist. */
  noCycles: string[];
  onlyIn: OnlyIn[];
}

/** File → repository-relative files it imports. */
export type ImportGraph = Map<string, string[]>;

export function readRules(root: string): LayerRules {
  return JSON.parse(readFileSync(join(root, 'docs/architecture/layers.json'), 'utf8')) as LayerRules;
}

export function sourceFiles(root: string, dir: string): string[] {
  if (!existsSync(join(root, dir))) return [];
  return readdirSync(join(root, dir)).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(join(root, path)).isDirectory()) {
      return ['migrations', 'node_modules', 'dist'].includes(name) ? [] : sourceFiles(root, path);
    }
    return /\.tsx?$/.test(name) && !name.endsWith('.d.ts') ? [path] : [];
  });
}

/** Repository-relative targets of a file's relative imports. */
export function importsOf(root: string, file: string): string[] {
  const info = ts.preProcessFile(readFileSync(join(root, file), 'utf8'), true, true);
  return info.importedFiles
    .map((imported) => imported.fileName)
    .filter((spec) => spec.startsWith('.'))
    .map((spec) => {
      const target = relative(root, resolve(root, dirname(file), spec));
      if (/\.tsx?$/.test(target) || !existsSync(join(root, `${target}.ts`))) return target;
      return `${target}.ts`;
    });
}

export function buildGraph(root: string, rules: LayerRules): ImportGraph {
  const files = rules.checked.flatMap((dir) => sourceFiles(root, dir));
  return new Map(files.map((file) => [file, importsOf(root, file)]));
}

const globCache = new Map<string, { regex: RegExp; names: string[] }>();

/** `*` part of a segment, `**` any segments, `{name}` one captured segment. */
function compile(glob: string): { regex: RegExp; names: string[] } {
  const cached = globCache.get(glob);
  if (cached) return cached;
  const names: string[] = [];
  let source = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] ?? '';
    if (glob.startsWith('**/', i)) {
      source += '(?:.*/)?';
      i += 2;
    } else if (glob.startsWith('**', i)) {
      source += '.*';
      i += 1;
    } else if (c === '*') source += '[^/]*';
    else if (c === '{') {
      const end = glob.indexOf('}', i);
      names.push(glob.slice(i + 1, end));
      source += '([^/]+)';
      i = end;
    } else source += c.replace(/[.+?^$()|[\]\\]/g, '\\$&');
  }
  const compiled = { regex: new RegExp(`^${source}$`), names };
  globCache.set(glob, compiled);
  return compiled;
}

/** The captures of the first glob matching `file`, or undefined when none matches. */
function matchAny(file: string, globs: readonly string[]): Record<string, string> | undefined {
  for (const glob of globs) {
    const { regex, names } = compile(glob);
    const match = regex.exec(file);
    if (match) return Object.fromEntries(names.map((name, i) => [name, match[i + 1] ?? '']));
  }
  return undefined;
}

const matches = (file: string, globs: readonly string[]) => matchAny(file, globs) !== undefined;

const substitute = (globs: readonly string[], captures: Record<string, string>) =>
  globs.map((glob) => glob.replace(/\{(\w+)\}/g, (whole, name: string) => captures[name] ?? whole));

/** Every strongly connected component with more than one file, or a file importing itself (Tarjan). */
export function cycles(graph: ImportGraph, within: (file: string) => boolean): string[][] {
  let index = 0;
  const indices = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const edges = (v: string) => (graph.get(v) ?? []).filter((w) => graph.has(w) && within(w));
  const visit = (v: string) => {
    indices.set(v, index);
    low.set(v, index++);
    stack.push(v);
    onStack.add(v);
    for (const w of edges(v)) {
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
      if (component.length > 1 || edges(v).includes(v)) found.push(component.sort());
    }
  };
  for (const file of graph.keys()) if (within(file) && !indices.has(file)) visit(file);
  return found;
}

/**
 * Every violation of `rules` in `graph`, one line each, prefixed by its kind: `part:` (a file in no
 * part or in two), `arrow:` (an import between parts that `allowed` does not list), `forbidden:`,
 * `cycle:`, `only-in:`, `rules:` (the file names a part that does not exist or a glob that matches
 * nothing).
 */
export function checkLayers(
  rules: LayerRules,
  graph: ImportGraph,
  textOf: (file: string) => string,
): string[] {
  const out: string[] = [];
  const partNames = Object.keys(rules.parts);
  const partOf = new Map<string, string>();
  for (const file of graph.keys()) {
    const owners = partNames.filter((part) => matches(file, rules.parts[part] ?? []));
    if (owners.length !== 1)
      out.push(`part: ${file} is in ${owners.length ? owners.join(' and ') : 'no part'}`);
    if (owners[0]) partOf.set(file, owners[0]);
  }
  for (const [part, globs] of Object.entries(rules.parts)) {
    for (const glob of globs) {
      if (![...graph.keys()].some((file) => matches(file, [glob])))
        out.push(`rules: part ${part}: ${glob} matches no file`);
    }
  }
  for (const [from, targets] of Object.entries(rules.allowed)) {
    for (const part of [from, ...targets])
      if (!(part in rules.parts)) out.push(`rules: allowed names unknown part ${part}`);
  }
  for (const [file, targets] of graph) {
    const from = partOf.get(file);
    for (const target of targets) {
      const to = partOf.get(target);
      if (from && to && from !== to && !(rules.allowed[from] ?? []).includes(to)) {
        out.push(`arrow: ${from} → ${to} is not allowed (${file} → ${target})`);
      }
      for (const arrow of rules.forbidden) {
        const captures = matchAny(target, arrow.to);
        if (!captures) continue;
        if (!matches(file, substitute(arrow.from, captures))) continue;
        if (matches(file, substitute(arrow.except ?? [], captures))) continue;
        out.push(`forbidden: ${arrow.name} (${file} → ${target})`);
      }
    }
  }
  for (const component of cycles(graph, (file) => matches(file, rules.noCycles))) {
    out.push(`cycle: ${component.join(' → ')}`);
  }
  for (const rule of rules.onlyIn) {
    const pattern = new RegExp(rule.pattern);
    for (const file of graph.keys()) {
      if (!matches(file, rule.files) || matches(file, rule.only)) continue;
      textOf(file)
        .split('\n')
        .forEach((line, i) => {
          if (pattern.test(line)) out.push(`only-in: ${rule.name} (${file}:${i + 1})`);
        });
    }
  }
  return out;
}
