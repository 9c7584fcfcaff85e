/**
 * Host-side memory of the workerd process during a benchmark phase (Linux /proc), for the sync
 * memory bench: workerd exposes no heap figure inside a Durable Object, so the bench marks a phase
 * on stdout (`BENCH-RSS {"mark":"start"|"end","suite":…,"label":…,"baseline"?:…}`) and bench/run.ts
 * samples the resident set of every `workerd` process under its vitest child meanwhile. An end mark
 * naming an earlier phase as `baseline` adds the ratios of this phase's figures to that one's.
 *
 * What the figure includes: the whole workerd process — the object's isolate, the worker's and the
 * test runner's isolates, V8's reserved-but-free pages and the runtime itself. It is an upper bound
 * of what the object holds; the signal is how the peak above the phase's starting RSS changes with
 * calendar size, not its absolute value.
 */
import { readdirSync, readFileSync } from 'node:fs';

const MARK = 'BENCH-RSS ';
const SAMPLE_MS = 20;
const KB = 1024;

interface Phase {
  suite: string;
  label: string;
  startBytes: number;
  peakBytes: number;
  samples: number;
}

export interface RssPhaseResult {
  suite: string;
  label: string;
  rss_start_mb: number;
  rss_peak_mb: number;
  peak_growth_mb: number;
  samples: number;
  /** With a baseline phase: this peak / its peak, and this growth / its growth. */
  peak_ratio?: number;
  peak_growth_ratio?: number;
}

function readStatus(pid: number): { name: string; ppid: number; rssBytes: number } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/status`, 'utf8');
    const field = (key: string) => text.match(new RegExp(`^${key}:\\s+(\\S+)`, 'm'))?.[1];
    return {
      name: field('Name') ?? '',
      ppid: Number(field('PPid') ?? 0),
      rssBytes: Number(field('VmRSS') ?? 0) * KB,
    };
  } catch {
    return undefined; // exited between the listing and the read
  }
}

/** `workerd` processes descended from `rootPid`. */
function workerdPids(rootPid: number): number[] {
  const parent = new Map<number, number>();
  const names = new Map<number, string>();
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    const status = readStatus(pid);
    if (!status) continue;
    parent.set(pid, status.ppid);
    names.set(pid, status.name);
  }
  const descends = (pid: number) => {
    for (let p = parent.get(pid); p !== undefined && p > 1; p = parent.get(p)) if (p === rootPid) return true;
    return false;
  };
  return [...names].filter(([pid, name]) => name === 'workerd' && descends(pid)).map(([pid]) => pid);
}

const mb = (bytes: number) => Math.round((bytes / (KB * KB)) * 10) / 10;

/** Samples while phases are open; `line()` is fed every output line of the child. */
export class RssSampler {
  readonly results: RssPhaseResult[] = [];
  readonly #rootPid: number;
  #pids: number[] = [];
  #pidsAt = 0;
  #open = new Map<string, Phase>();
  #timer: NodeJS.Timeout | undefined;

  constructor(rootPid: number) {
    this.#rootPid = rootPid;
  }

  line(text: string): void {
    const at = text.indexOf(MARK);
    if (at < 0) return;
    const { mark, suite, label, baseline } = JSON.parse(text.slice(at + MARK.length)) as {
      mark: string;
      suite: string;
      label: string;
      baseline?: string;
    };
    if (mark === 'start') {
      const now = this.#rss();
      this.#open.set(label, { suite, label, startBytes: now, peakBytes: now, samples: 1 });
      this.#timer ??= setInterval(() => this.#sample(), SAMPLE_MS);
    } else if (mark === 'end') {
      const phase = this.#open.get(label);
      if (!phase) return;
      this.#sample();
      this.#open.delete(label);
      const result: RssPhaseResult = {
        suite: phase.suite,
        label,
        rss_start_mb: mb(phase.startBytes),
        rss_peak_mb: mb(phase.peakBytes),
        peak_growth_mb: mb(phase.peakBytes - phase.startBytes),
        samples: phase.samples,
      };
      const base = this.results.find((r) => r.label === baseline);
      if (base) {
        const ratio = (a: number, b: number) => (b > 0 ? Math.round((a / b) * 100) / 100 : Number.NaN);
        result.peak_ratio = ratio(result.rss_peak_mb, base.rss_peak_mb);
        result.peak_growth_ratio = ratio(result.peak_growth_mb, base.peak_growth_mb);
      }
      this.results.push(result);
      if (this.#open.size === 0 && this.#timer) {
        clearInterval(this.#timer);
        this.#timer = undefined;
      }
    }
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
  }

  #rss(): number {
    // The process list is re-read once a second: workerd does not fork during a phase.
    if (Date.now() - this.#pidsAt > 1000) {
      this.#pids = workerdPids(this.#rootPid);
      this.#pidsAt = Date.now();
    }
    return this.#pids.reduce((sum, pid) => sum + (readStatus(pid)?.rssBytes ?? 0), 0);
  }

  #sample(): void {
    const now = this.#rss();
    for (const phase of this.#open.values()) {
      phase.peakBytes = Math.max(phase.peakBytes, now);
      phase.samples += 1;
    }
  }
}
