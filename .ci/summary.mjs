// Prints "N passed, N failed" for vitest JSON result files and exits 1 unless every run passed.
// A missing file, a run with no tests, and a test file that failed to load each count as a failure.
import { existsSync, readFileSync } from 'node:fs';

let passed = 0;
let failed = 0;
for (const file of process.argv.slice(2)) {
  if (!existsSync(file)) {
    failed += 1;
    console.error(`missing results: ${file}`);
    continue;
  }
  const run = JSON.parse(readFileSync(file, 'utf8'));
  passed += run.numPassedTests;
  failed += run.numFailedTests;
  // A file that fails to load fails no single test: count it, so the line never reads "0 failed".
  if (run.numFailedTests === 0) failed += run.numFailedTestSuites ?? 0;
  if (run.numTotalTests === 0) {
    failed += 1;
    console.error(`no tests ran: ${file}`);
  }
}
if (process.argv.length <= 2) failed += 1;
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
