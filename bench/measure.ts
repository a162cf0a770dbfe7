/**
 * Timing helpers for `npm run bench`. Implementations under comparison are measured in
 * alternating rounds within one run and summarized by the median, because the machines this
 * runs on are noisy: ratios from one run mean something, absolute numbers much less.
 */
import { performance } from "node:perf_hooks";

/** Runs `op` repeatedly for at least `minMs`; returns microseconds per call. */
export function timeLoop(op: (i: number) => void, minMs: number): number {
  let calls = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < minMs) {
    for (let i = 0; i < 64; i++) op(calls + i);
    calls += 64;
    elapsed = performance.now() - start;
  }
  return (elapsed * 1000) / calls;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Alternates the contenders for `rounds` rounds after one warm-up; median µs per call each. */
export function compare(contenders: Record<string, (i: number) => void>, options: { rounds: number; minMs: number }): Record<string, number> {
  const samples: Record<string, number[]> = {};
  for (const [name, op] of Object.entries(contenders)) {
    timeLoop(op, options.minMs / 4);
    samples[name] = [];
  }
  for (let r = 0; r < options.rounds; r++) {
    for (const [name, op] of Object.entries(contenders)) samples[name]!.push(timeLoop(op, options.minMs));
  }
  return Object.fromEntries(Object.entries(samples).map(([name, s]) => [name, median(s)]));
}

/** A fixed-width text table. */
export function table(headers: string[], rows: Array<Array<string | number>>): string {
  const cells = [headers, ...rows.map((r) => r.map(String))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  return [line(cells[0]!), widths.map((w) => "-".repeat(w)).join("  "), ...cells.slice(1).map(line)].join("\n");
}
