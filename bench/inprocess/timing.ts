/**
 * Timing for the in-process bench. Each contender runs back to back for at least `minMs` per
 * round, in turn within each round (after one warm-up each); the result is the median over the
 * rounds of two figures per call:
 *
 *   cpu_us   this process's CPU time (user + system, process.cpuUsage) per call. On a shared
 *            machine the wall clock also counts the time other processes hold the cores; CPU
 *            time does not, so ratios built on it swing far less between rounds.
 *   wall_us  elapsed time per call, for comparison.
 *
 * Operations may be sync or return a promise (a request through an app).
 */
import { performance } from "node:perf_hooks";
import { median } from "../measure";

export interface Timing {
  cpu_us: number;
  wall_us: number;
}

type Op = (i: number) => unknown;

async function timeOne(op: Op, minMs: number): Promise<Timing> {
  let calls = 0;
  const cpu = process.cpuUsage();
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < minMs) {
    for (let i = 0; i < 32; i++) {
      const result = op(calls + i);
      if (result instanceof Promise) await result;
    }
    calls += 32;
    elapsed = performance.now() - start;
  }
  const used = process.cpuUsage(cpu);
  return { cpu_us: (used.user + used.system) / calls, wall_us: (elapsed * 1000) / calls };
}

/** Interleaved rounds; between contenders the event loop gets a turn (timers such as the metrics flush run there, not inside a timing). */
export async function compareTimed(
  contenders: Record<string, Op>,
  options: { rounds: number; minMs: number },
  progress: (name: string, round: number) => void = () => undefined,
): Promise<Record<string, Timing>> {
  const samples: Record<string, Timing[]> = {};
  const yieldLoop = () => new Promise((resolve) => setImmediate(resolve));
  for (const [name, op] of Object.entries(contenders)) {
    await timeOne(op, options.minMs / 2);
    samples[name] = [];
    await yieldLoop();
  }
  for (let r = 0; r < options.rounds; r++) {
    for (const [name, op] of Object.entries(contenders)) {
      samples[name]!.push(await timeOne(op, options.minMs));
      progress(name, r + 1);
      await yieldLoop();
    }
  }
  const round2 = (x: number) => Math.round(x * 100) / 100;
  return Object.fromEntries(
    Object.entries(samples).map(([name, s]) => [name, { cpu_us: round2(median(s.map((t) => t.cpu_us))), wall_us: round2(median(s.map((t) => t.wall_us))) }]),
  );
}
