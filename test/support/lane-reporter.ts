/**
 * Progress of one `npm test` lane (test/support/run-tests.ts): a line per finished test file. The
 * details (failures, logs, the summary) come once, from the merged report at the end.
 */
import type { Reporter, TestModule } from 'vitest/node';

export default class LaneReporter implements Reporter {
  onTestModuleEnd(module: TestModule): void {
    const mark = module.ok() ? '✓' : '×';
    const seconds = (module.diagnostic().duration / 1000).toFixed(1);
    process.stdout.write(`${mark} ${module.project.name} ${module.relativeModuleId} ${seconds} s\n`);
  }
}
