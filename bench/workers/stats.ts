/** Small statistics helpers for benchmarks, and the line format bench/run.ts collects. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] ?? Number.NaN;
}

export function summarize(samplesMs: number[]) {
  const sorted = [...samplesMs].sort((a, b) => a - b);
  const round = (n: number) => Math.round(n * 1000) / 1000;
  return {
    n: sorted.length,
    p50_ms: round(percentile(sorted, 50)),
    p95_ms: round(percentile(sorted, 95)),
    max_ms: round(sorted.at(-1) ?? Number.NaN),
  };
}

/** One result row; bench/run.ts prints the table and writes bench/results/*.json. */
export function report(suite: string, name: string, values: Record<string, number | string>): void {
  console.log(`BENCH ${JSON.stringify({ suite, name, ...values })}`);
}
