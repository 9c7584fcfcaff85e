/** `.ci/run`'s last line and verdict (.ci/summary.mjs): it passes only when tests ran and none failed. */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const folder = mkdtempSync(`${tmpdir()}/ce-ci-`);
afterAll(() => rmSync(folder, { recursive: true, force: true }));

let count = 0;
function results(passed: number, failed: number, failedFiles = 0): string {
  const file = `${folder}/run-${count++}.json`;
  writeFileSync(
    file,
    JSON.stringify({
      numPassedTests: passed,
      numFailedTests: failed,
      numTotalTests: passed + failed,
      numFailedTestSuites: failedFiles,
    }),
  );
  return file;
}

function summary(...files: string[]): Promise<{ code: number; lastLine: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [`${root}/.ci/summary.mjs`, ...files], (error, stdout) => {
      const lines = stdout.trim().split('\n');
      resolve({ code: error ? Number(error.code) : 0, lastLine: lines[lines.length - 1] ?? '' });
    });
  });
}

describe('.ci/summary.mjs', () => {
  it('adds up both runs and passes when nothing failed', async () => {
    expect(await summary(results(10, 0), results(7, 0))).toEqual({
      code: 0,
      lastLine: '17 passed, 0 failed',
    });
  });

  it('fails when a test failed', async () => {
    expect(await summary(results(10, 0), results(6, 1))).toEqual({
      code: 1,
      lastLine: '16 passed, 1 failed',
    });
  });

  it('fails when a run had no tests or its results are missing', async () => {
    expect(await summary(results(10, 0), results(0, 0))).toEqual({
      code: 1,
      lastLine: '10 passed, 1 failed',
    });
    expect(await summary(results(10, 0), `${folder}/absent.json`)).toEqual({
      code: 1,
      lastLine: '10 passed, 1 failed',
    });
    expect(await summary()).toEqual({ code: 1, lastLine: '0 passed, 1 failed' });
  });

  it('fails when a test file failed to load although no single test failed', async () => {
    expect(await summary(results(10, 0, 1), results(5, 0))).toEqual({
      code: 1,
      lastLine: '15 passed, 1 failed',
    });
  });
});
