/**
 * `npm run bench`: runs the benchmark suites in workerd (against Postgres at DATABASE_URL, default
 * the local 127.0.0.1:5432/test), prints a table and writes bench/results/<timestamp>.json.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { RssSampler } from './workers/sync-rss-sampler.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const env = {
  ...process.env,
  DATABASE_URL: process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test',
};
const rows: Array<Record<string, unknown>> = [];
let output = '';
let sampler: RssSampler | undefined;

const code = await new Promise<number>((resolve) => {
  const child = spawn(
    `${root}/node_modules/.bin/vitest`,
    ['run', '--config', 'bench/vitest.config.ts', ...process.argv.slice(2)],
    { cwd: root, env },
  );
  // Host-side memory of workerd for benches that mark phases (bench/workers/sync-rss-sampler.ts).
  const rss = new RssSampler(child.pid ?? -1);
  sampler = rss;
  const collect = (chunk: Buffer) => {
    output += chunk.toString();
    for (const line of chunk.toString().split('\n')) {
      const at = line.indexOf('BENCH {');
      if (at >= 0) rows.push(JSON.parse(line.slice(at + 6)) as Record<string, unknown>);
      rss.line(line);
    }
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  child.on('exit', (exit) => resolve(exit ?? 1));
});
sampler?.stop();
for (const { suite, label, ...figures } of sampler?.results ?? [])
  rows.push({ suite, name: label, ...figures });

if (code !== 0 || rows.length === 0) {
  console.error(output.slice(-4000));
  console.error(`benchmarks failed (exit ${code}, ${rows.length} results)`);
  process.exit(1);
}
for (const suite of [...new Set(rows.map((r) => String(r.suite)))]) {
  console.log(`\n${suite}`);
  console.table(
    rows.filter((r) => r.suite === suite).map(({ suite: _suite, name, ...values }) => ({ name, ...values })),
  );
}
mkdirSync(`${root}/bench/results`, { recursive: true });
const file = `${root}/bench/results/${new Date().toISOString().replace(/[:.]/g, '-')}.json`;
writeFileSync(
  file,
  `${JSON.stringify({ at: new Date().toISOString(), database: env.DATABASE_URL.replace(/\/\/[^@]*@/, '//'), results: rows }, null, 2)}\n`,
);
console.log(`results written to ${file}`);
