/**
 * The request trace: arrival times (Poisson, optionally with bursts), a category per request drawn
 * from the mix, and an output length. Generated once per run from its own Random fork and
 * replayed unchanged against every policy, so policies differ only in how they route.
 * Columns are typed arrays because a 10,000-GPU run has millions of requests.
 */
import type { TraceConfig } from "./config";
import { cumulative, type Random } from "./random";

export interface Trace {
  /** Category ids; `category` below indexes into this list. */
  categories: string[];
  arrival_s: Float64Array;
  category: Uint16Array;
  tokens: Float32Array;
  /** Burst windows [start, end) in seconds, for the chart. */
  bursts: Array<[number, number]>;
}

/** Burst windows over the run: exponential gaps between starts, fixed length, non-overlapping. */
function burstWindows(config: TraceConfig, random: Random): Array<[number, number]> {
  const b = config.bursts;
  if (!b) return [];
  const windows: Array<[number, number]> = [];
  let t = random.exponential(b.every_s);
  while (t < config.duration_s) {
    windows.push([t, Math.min(config.duration_s, t + b.length_s)]);
    t += b.length_s + random.exponential(b.every_s);
  }
  return windows;
}

/** Builds the trace for `gpus` GPUs; `categories` must hold every key of the mix. */
export function generateTrace(config: TraceConfig, gpus: number, random: Random): Trace {
  const categories = Object.keys(config.category_mix);
  const weights = cumulative(categories.map((c) => config.category_mix[c]!));
  const bursts = burstWindows(config, random.fork("bursts"));
  const base = config.rate_per_gpu * gpus;
  const times: number[] = [];
  const cats: number[] = [];
  const tokens: number[] = [];
  let t = 0;
  let w = 0;
  while (base > 0) {
    while (w < bursts.length && bursts[w]![1] <= t) w++;
    const inBurst = w < bursts.length && bursts[w]![0] <= t;
    const rate = inBurst ? base * config.bursts!.multiplier : base;
    // The next rate change: a burst starts or ends. Poisson is memoryless, so a gap that crosses
    // it is redrawn from the change on at the new rate.
    const change = w < bursts.length ? (inBurst ? bursts[w]![1] : bursts[w]![0]) : Infinity;
    const next = t + random.exponential(1 / rate);
    if (next >= change) {
      t = change;
      continue;
    }
    t = next;
    if (t >= config.duration_s) break;
    times.push(t);
    cats.push(random.weighted(weights));
    tokens.push(Math.max(1, Math.min(config.tokens_max, Math.round(random.logNormal(config.tokens_median, config.tokens_sigma)))));
  }
  return {
    categories,
    arrival_s: Float64Array.from(times),
    category: Uint16Array.from(cats),
    tokens: Float32Array.from(tokens),
    bursts,
  };
}
