/**
 * An engine's load from its /metrics: requests running, requests waiting, KV-cache usage and
 * finished requests, each unknown (null) unless the engine reported it sanely. Where each comes
 * from, per engine (metric names as each engine's source defines them):
 *
 * | field          | vLLM                                                    | SGLang                   | TGI                    | llama.cpp server               |
 * | running        | vllm:num_requests_running                               | sglang:num_running_reqs  | tgi_batch_current_size | llamacpp:requests_processing   |
 * | waiting        | vllm:num_requests_waiting                               | sglang:num_queue_reqs    | tgi_queue_size         | llamacpp:requests_deferred     |
 * | kv_cache_usage | vllm:kv_cache_usage_perc, else vllm:gpu_cache_usage_perc | sglang:token_usage       | (none)                 | llamacpp:kv_cache_usage_ratio  |
 * | requests_total | vllm:request_success_total                              | sglang:num_requests_total | tgi_request_success   | (none)                         |
 *
 * Several series of one family (vLLM labels model_name and, with data parallelism, engine;
 * SGLang labels tp_rank; vLLM's counter labels finished_reason): counts are summed, except that
 * series differing only in tp_rank or pp_rank describe the same requests seen by each rank of one
 * model replica, so those take the max before the sum. The KV-cache ratio is the max over series:
 * the fullest cache is the one a new request may have to wait for.
 *
 * Unknown, with a note saying which and why: a missing metric, NaN, ±Inf, a negative, fractional
 * or implausibly large count (above MAX_ENGINE_REQUESTS), a ratio outside [0, 1]. One bad series
 * makes the whole field unknown: a sum over the others would understate the load.
 */
import { MAX_ENGINE_REQUESTS, type EngineKind } from "../../../src/telemetry/engines/schema";
import type { Exposition, Series } from "./prometheus";

/** The engines whose load comes from a Prometheus /metrics (Ollama has none). */
export type MetricsKind = Exclude<EngineKind, "ollama">;

interface Sources {
  running: readonly string[];
  waiting: readonly string[];
  kv: readonly string[];
  total: readonly string[];
}

/** Metric names per engine, in order of preference; the first one present is read. */
export const LOAD_METRICS: Readonly<Record<MetricsKind, Sources>> = {
  // vllm/v1/metrics/loggers.py; kv_cache_usage_perc replaced gpu_cache_usage_perc (V0) in 0.10.
  vllm: { running: ["vllm:num_requests_running"], waiting: ["vllm:num_requests_waiting"], kv: ["vllm:kv_cache_usage_perc", "vllm:gpu_cache_usage_perc"], total: ["vllm:request_success_total"] },
  // python/sglang/srt/metrics/collector.py; num_requests_total counts finished requests.
  sglang: { running: ["sglang:num_running_reqs"], waiting: ["sglang:num_queue_reqs"], kv: ["sglang:token_usage"], total: ["sglang:num_requests_total"] },
  // router/src/ (metrics crate); TGI exports no KV-cache usage.
  tgi: { running: ["tgi_batch_current_size"], waiting: ["tgi_queue_size"], kv: [], total: ["tgi_request_success"] },
  // tools/server/server.cpp handle_metrics; kv_cache_usage_ratio was removed in llama.cpp #13660, and there is no finished-request counter.
  llamacpp: { running: ["llamacpp:requests_processing"], waiting: ["llamacpp:requests_deferred"], kv: ["llamacpp:kv_cache_usage_ratio"], total: [] },
};

/** Metric-name prefixes that identify an engine's /metrics. */
const PREFIXES: ReadonlyArray<[MetricsKind, string]> = [["vllm", "vllm:"], ["sglang", "sglang:"], ["tgi", "tgi_"], ["llamacpp", "llamacpp:"]];

export interface EngineLoad {
  running: number | null;
  waiting: number | null;
  kv_cache_usage: number | null;
  requests_total: number | null;
  /** Why a field is unknown, one sentence each, e.g. "running unknown: vllm:num_requests_running is NaN". */
  notes: string[];
}

/** The engine whose metric prefix names the most families; null when none does. */
export function detectKind(exposition: Exposition): MetricsKind | null {
  let best: MetricsKind | null = null;
  let most = 0;
  for (const [kind, prefix] of PREFIXES) {
    const n = [...exposition.keys()].filter((name) => name.startsWith(prefix)).length;
    if (n > most) [best, most] = [kind, n];
  }
  return best;
}

type Reading = { value: number } | { why: string };

function pick(exposition: Exposition, names: readonly string[]): { name: string; series: readonly Series[] } | null {
  for (const name of names) {
    const series = exposition.get(name);
    if (series && series.length > 0) return { name, series };
  }
  return null;
}

const RANK_LABELS = new Set(["tp_rank", "pp_rank"]);

function replicaKey(labels: Readonly<Record<string, string>>): string {
  return JSON.stringify(Object.entries(labels).filter(([k]) => !RANK_LABELS.has(k)).sort(([a], [b]) => (a < b ? -1 : 1)));
}

function badNumber(name: string, value: number): string | null {
  if (Number.isNaN(value)) return `${name} is NaN`;
  if (!Number.isFinite(value)) return `${name} is ${value > 0 ? "+Inf" : "-Inf"}`;
  return null;
}

function readCount(exposition: Exposition, names: readonly string[], max: number): Reading {
  const found = pick(exposition, names);
  if (!found) return { why: names.length ? `no ${names.join(" or ")}` : "the engine exports no such metric" };
  const replicas = new Map<string, number>();
  for (const { labels, value } of found.series) {
    const bad = badNumber(found.name, value);
    if (bad) return { why: bad };
    if (value < 0) return { why: `${found.name} is negative (${value})` };
    if (!Number.isInteger(value)) return { why: `${found.name} is not a whole number (${value})` };
    const key = replicaKey(labels);
    replicas.set(key, Math.max(replicas.get(key) ?? 0, value));
  }
  const sum = [...replicas.values()].reduce((a, b) => a + b, 0);
  if (sum > max) return { why: `${found.name} is ${sum}, above ${max}` };
  return { value: sum };
}

function readRatio(exposition: Exposition, names: readonly string[]): Reading {
  const found = pick(exposition, names);
  if (!found) return { why: names.length ? `no ${names.join(" or ")}` : "the engine exports no such metric" };
  let max = 0;
  for (const { value } of found.series) {
    const bad = badNumber(found.name, value);
    if (bad) return { why: bad };
    if (value < 0 || value > 1) return { why: `${found.name} is ${value}, outside [0, 1]` };
    max = Math.max(max, value);
  }
  return { value: max };
}

/** Reads the load fields of a `kind` engine from its parsed /metrics. */
export function loadFrom(kind: MetricsKind, exposition: Exposition): EngineLoad {
  const sources = LOAD_METRICS[kind];
  const notes: string[] = [];
  const field = (label: string, reading: Reading): number | null => {
    if ("value" in reading) return reading.value;
    notes.push(`${label} unknown: ${reading.why}`);
    return null;
  };
  return {
    running: field("running", readCount(exposition, sources.running, MAX_ENGINE_REQUESTS)),
    waiting: field("waiting", readCount(exposition, sources.waiting, MAX_ENGINE_REQUESTS)),
    kv_cache_usage: field("kv_cache_usage", readRatio(exposition, sources.kv)),
    requests_total: field("requests_total", readCount(exposition, sources.total, Number.MAX_SAFE_INTEGER)),
    notes,
  };
}

/** Every load field unknown, for an engine whose /metrics could not be read. */
export function unknownLoad(why: string): EngineLoad {
  return { running: null, waiting: null, kv_cache_usage: null, requests_total: null, notes: [`load unknown: ${why}`] };
}
