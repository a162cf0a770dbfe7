/**
 * Turns the end state of one policy's run into its PolicyResult (the numbers of the report).
 * Called once per run by engine.ts.
 */
import type { SimConfig } from "./config";
import type { SimFleet } from "./fleet";
import { mean, quantile, round, utilization, type PolicyResult, type UtilizationSeries } from "./metrics";
import type { Policy } from "./policies";
import type { Serving } from "./serving";

/** Counters the engine keeps before a request reaches a GPU. */
export interface RunState {
  arrived: number;
  rejected_no_model: number;
  rejected_no_gpu: number;
  stale_placements: number;
}

export interface SummaryInput {
  policy: Policy;
  state: RunState;
  serving: Serving;
  fleet: SimFleet;
  series: UtilizationSeries;
  config: SimConfig;
}

export function summarize(input: SummaryInput): PolicyResult {
  const { policy, state, serving, fleet, series, config } = input;
  const c = serving.counters;
  const latency = c.latency.sorted();
  const wait = c.wait.sorted();
  const util = utilization(fleet.gpus, config.fleet.slots, config.trace.duration_s);
  return {
    policy: policy.id,
    label: policy.label,
    summary: policy.summary,
    requests: {
      arrived: state.arrived,
      served: c.served,
      rejected_no_model: state.rejected_no_model,
      rejected_no_gpu: state.rejected_no_gpu,
      failed_oom: c.failed_oom,
      failed_timeout: c.failed_timeout,
      in_flight: serving.inFlight(),
    },
    memory_util_pct: util.memory,
    compute_util_pct: util.compute,
    gpu_busy_pct: util.busy,
    served_work_pct: round((100 * c.work_s) / (config.fleet.slots * fleet.gpus.length * config.trace.duration_s)),
    latency_s: {
      p50: round(quantile(latency, 0.5), 3),
      p95: round(quantile(latency, 0.95), 3),
      p99: round(quantile(latency, 0.99), 3),
      mean: round(mean(latency), 3),
    },
    wait_s: { p50: round(quantile(wait, 0.5), 3), p95: round(quantile(wait, 0.95), 3), mean: round(mean(wait), 3) },
    quality_mean: c.served === 0 ? 0 : round(c.quality_sum / c.served, 3),
    overheated_placements: c.overheated_placements,
    stale_placements: state.stale_placements,
    model_loads: c.model_loads,
    model_unloads: c.model_unloads,
    peak_memory_ratio: round(fleet.gpus.reduce((peak, g) => Math.max(peak, g.peak_memory_ratio), 0), 4),
    series: { t_s: series.t_s, memory_pct: series.memory_pct, compute_pct: series.compute_pct },
    latency_quantiles_s: Array.from({ length: 101 }, (_, q) => round(quantile(latency, q / 100), 3)),
  };
}
