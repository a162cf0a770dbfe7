/**
 * What one policy's run measured, and the collectors that build it. Utilization comes from the
 * GPUs' time integrals (gpu.ts); latencies are kept per served request and summarized at the end.
 */
import type { Gpu } from "./gpu";

export interface Distribution {
  mean: number;
  p95: number;
}

export interface PolicyResult {
  policy: string;
  label: string;
  summary: string;
  requests: {
    arrived: number;
    served: number;
    rejected_no_model: number;
    rejected_no_gpu: number;
    failed_oom: number;
    failed_timeout: number;
    in_flight: number;
  };
  /** Percent. mean = fleet-wide time average; p95 = 95th percentile over GPUs of their time average. */
  memory_util_pct: Distribution;
  /** Busy batch slots / slots ("batch occupancy"): how full the GPUs' batches are. */
  compute_util_pct: Distribution;
  /**
   * nvidia-smi's utilization.gpu: share of time at least one request runs on the GPU (NVML:
   * "percent of time over the past sample period during which one or more kernels was executing").
   */
  gpu_busy_pct: Distribution;
  /**
   * Percent of the fleet's slot-time that the served requests needed at full speed: compute
   * utilization without the time throttled GPUs lose and without work that never completed.
   */
  served_work_pct: number;
  /** Arrival to completion (queueing, model load, service), served requests only. */
  latency_s: { p50: number; p95: number; p99: number; mean: number };
  /** Arrival to start of service. */
  wait_s: { p50: number; p95: number; mean: number };
  quality_mean: number;
  overheated_placements: number;
  stale_placements: number;
  model_loads: number;
  model_unloads: number;
  peak_memory_ratio: number;
  /** Fleet-wide utilization per sample window (percent), window end times in seconds. */
  series: { t_s: number[]; memory_pct: number[]; compute_pct: number[] };
  /** Latency at each percent 0..100 (101 points) for the CDF chart. */
  latency_quantiles_s: number[];
}

/** A growable Float64Array: millions of latencies without millions of boxed numbers. */
export class Samples {
  private data = new Float64Array(1024);
  length = 0;

  add(x: number): void {
    if (this.length === this.data.length) {
      const next = new Float64Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = x;
  }

  sorted(): Float64Array {
    return this.data.slice(0, this.length).sort();
  }
}

/** Nearest-rank quantile of sorted values; 0 for none. */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank]!;
}

export function mean(values: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i]!;
  return values.length === 0 ? 0 : sum / values.length;
}

/** Fleet-wide utilization per window, from differences of the GPUs' integrals. */
export class UtilizationSeries {
  readonly t_s: number[] = [];
  readonly memory_pct: number[] = [];
  readonly compute_pct: number[] = [];
  private lastBusy = 0;
  private lastMemory = 0;
  private lastT = 0;
  private readonly capacity: number;

  constructor(
    private readonly gpus: readonly Gpu[],
    private readonly slots: number,
  ) {
    this.capacity = gpus.reduce((sum, g) => sum + g.capacity_mb, 0);
  }

  /** Closes the window ending at `t_s`. */
  sample(t_s: number): void {
    let busy = 0;
    let memory = 0;
    for (const g of this.gpus) {
      g.accrue(t_s);
      busy += g.busy_integral;
      memory += g.memory_integral;
    }
    const dt = t_s - this.lastT;
    if (dt <= 0) return;
    this.t_s.push(round(t_s));
    this.compute_pct.push(round((100 * (busy - this.lastBusy)) / (dt * this.slots * this.gpus.length)));
    this.memory_pct.push(round((100 * (memory - this.lastMemory)) / (dt * this.capacity)));
    this.lastBusy = busy;
    this.lastMemory = memory;
    this.lastT = t_s;
  }
}

/** Fleet mean and per-GPU p95 of time-averaged utilization over [0, duration]. */
export function utilization(gpus: readonly Gpu[], slots: number, duration_s: number): { memory: Distribution; compute: Distribution; busy: Distribution } {
  const perMemory = Float64Array.from(gpus, (g) => (100 * g.memory_integral) / (g.capacity_mb * duration_s)).sort();
  const perCompute = Float64Array.from(gpus, (g) => (100 * g.busy_integral) / (slots * duration_s)).sort();
  const perBusy = Float64Array.from(gpus, (g) => (100 * g.active_integral) / duration_s).sort();
  const capacity = gpus.reduce((sum, g) => sum + g.capacity_mb, 0);
  const memory = gpus.reduce((sum, g) => sum + g.memory_integral, 0);
  return {
    memory: { mean: round((100 * memory) / (capacity * duration_s)), p95: round(quantile(perMemory, 0.95)) },
    compute: { mean: round(mean(perCompute)), p95: round(quantile(perCompute, 0.95)) },
    busy: { mean: round(mean(perBusy)), p95: round(quantile(perBusy, 0.95)) },
  };
}

export function round(x: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
