/**
 * `npm test`: the vitest projects in three lanes side by side, then one merged report.
 *
 * Inside one vitest process, projects whose files must run one at a time (workers: one workerd and
 * one database for every file; browser: a full local stack per file) cannot run beside each other
 * or beside the node tests, so on a 2-core machine the run was the sum of all of them. Here each
 * lane is its own vitest process (workers | node + db | browser), each writes a blob report, and
 * `vitest --merge-reports` prints the one report (with the reporters and output files given to
 * `npm test -- …`). Asking for projects or files (`npm test -- --project node`, a file name) runs a
 * plain single vitest instead, exactly as asked.
 *
 * A vitest that could not close cleanly fails the run even when every test passed: one that printed
 * "close timed out" (something kept it alive after its tests) or that left a `workerd` behind (an
 * orphan that keeps running Durable Object alarms and holding ports after the run). Each vitest gets
 * a mark in its environment; Miniflare passes the environment on to workerd, so a `workerd` still
 * carrying the mark after its vitest exited is that vitest's orphan (and is ended here).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const vitest = `${root}/node_modules/.bin/vitest`;

const LANES: Array<{ name: string; projects: string[] }> = [
  { name: 'workers', projects: ['workers'] },
  { name: 'node+db', projects: ['node', 'db'] },
  { name: 'browser', projects: ['browser'] },
];

const MARK = 'CE_TEST_VITEST';

/** Pids of `workerd` processes started under the vitest marked `mark` (Linux /proc; elsewhere none). */
function workerdsMarked(mark: string): number[] {
  if (!existsSync('/proc')) return [];
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() !== 'workerd') continue;
      if (readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0').includes(`${MARK}=${mark}`))
        pids.push(Number(entry));
    } catch {
      // gone meanwhile, or another user's process
    }
  }
  return pids;
}

let runs = 0;

/**
 * Runs vitest; resolves with its exit code, or 1 when it passed but did not close cleanly (see the
 * top). `prefix` labels each output line of a lane.
 */
function run(args: string[], prefix?: string): Promise<number> {
  const mark = `${process.pid}-${++runs}`;
  const label = prefix ? `[${prefix}] ` : '';
  let closeTimedOut = false;
  return new Promise((resolve) => {
    const child = spawn(vitest, args, {
      cwd: root,
      env: { ...process.env, [MARK]: mark },
      stdio: prefix ? ['ignore', 'pipe', 'pipe'] : 'inherit',
    });
    if (prefix) {
      for (const stream of [child.stdout, child.stderr]) {
        let pending = '';
        stream?.on('data', (chunk: Buffer) => {
          const lines = (pending + chunk.toString()).split('\n');
          pending = lines.pop() ?? '';
          for (const line of lines) {
            if (line.includes('close timed out')) closeTimedOut = true;
            if (line.trim()) process.stdout.write(`[${prefix}] ${line}\n`);
          }
        });
        stream?.on('end', () => {
          if (pending.includes('close timed out')) closeTimedOut = true;
          if (pending.trim()) process.stdout.write(`[${prefix}] ${pending}\n`);
        });
      }
    }
    child.on('exit', (code, signal) => {
      let status = code ?? (signal ? 1 : 0);
      if (closeTimedOut) {
        process.stdout.write(`${label}FAIL: vitest printed "close timed out": it did not close cleanly\n`);
        status ||= 1;
      }
      const orphans = workerdsMarked(mark);
      if (orphans.length > 0) {
        process.stdout.write(
          `${label}FAIL: vitest left workerd running (pid ${orphans.join(', ')}); ended now\n`,
        );
        for (const pid of orphans) process.kill(pid, 'SIGKILL');
        status ||= 1;
      }
      resolve(status);
    });
  });
}

const args = process.argv.slice(2);
// A positional argument is a file filter; --project picks projects: then run just that, in one go.
const picked = args.some((a) => a === '--project' || a.startsWith('--project=') || !a.startsWith('-'));
if (picked) process.exit(await run(['run', ...args]));

const reports = mkdtempSync(`${tmpdir()}/ce-vitest-`);
const started = Date.now();
const codes = await Promise.all(
  LANES.map(async (lane) => {
    const code = await run(
      [
        'run',
        ...lane.projects.flatMap((p) => ['--project', p]),
        '--reporter=blob',
        `--outputFile.blob=${reports}/${lane.name}.json`,
        '--reporter=./test/support/lane-reporter.ts',
      ],
      lane.name,
    );
    const seconds = Math.round((Date.now() - started) / 1000);
    process.stdout.write(`[${lane.name}] lane finished in ${seconds} s (exit ${code})\n`);
    return code;
  }),
);
const merged = await run(['run', `--merge-reports=${reports}`, ...args]);
rmSync(reports, { recursive: true, force: true });
// A lane that failed without failing a test (a crash, a hanging close) still fails the run.
process.exit(codes.some((c) => c !== 0) ? codes.find((c) => c !== 0) || 1 : merged);
