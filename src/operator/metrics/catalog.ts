/**
 * Every metric GET /metrics can expose, as data: name, type, help and label names. The recorder
 * (counters kept in the metrics Durable Object) and the scrape (gauges computed at scrape time)
 * both name families from here, and exposition.ts writes HELP/TYPE lines from it, so a metric
 * exists in one place. Names follow Prometheus conventions: base units, `_total` on counters.
 */

export type MetricType = "counter" | "gauge" | "histogram";

export interface MetricFamily {
  name: string;
  type: MetricType;
  help: string;
  labels: readonly string[];
  /** Upper bounds of a histogram's buckets, ascending; `+Inf` is implied. */
  buckets?: readonly number[];
}

/** Seconds; the Workers clock moves only across I/O, so most decisions land in the lowest buckets. */
export const DECISION_SECONDS_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5] as const;

const family = (name: string, type: MetricType, help: string, labels: readonly string[] = [], buckets?: readonly number[]): MetricFamily =>
  buckets ? { name, type, help, labels, buckets } : { name, type, help, labels };

const GPU = ["node", "gpu"] as const;
const VARIANT = ["experiment", "variant"] as const;

/** Counters kept across isolates in the metrics Durable Object (recorder.ts flushes into it). */
export const STORED = {
  routeDecisions: family(
    "router_route_decisions_total",
    "counter",
    "POST /v1/route answers by requested category, resolved category, model and outcome (ok, no_model, no_gpu, bad_request, unknown_category, unauthorized, …)",
    ["category", "resolved_category", "model", "outcome"],
  ),
  decisionSeconds: family(
    "router_route_decision_duration_seconds",
    "histogram",
    "Time from the route request reaching the router's middleware to its answer, by the Workers clock (advances only across I/O)",
    [],
    DECISION_SECONDS_BUCKETS,
  ),
  telemetryPushes: family(
    "router_telemetry_pushes_total",
    "counter",
    "POST /v1/telemetry by result (accepted, rejected) and rejection reason (none when accepted)",
    ["result", "reason"],
  ),
  batches: family("router_metrics_batches_total", "counter", "Batches of counts isolates flushed into the metrics Durable Object (about one per second per busy isolate)"),
  droppedSeries: family(
    "router_metrics_dropped_series_total",
    "counter",
    "Counter increments dropped because the metrics Durable Object already holds its maximum number of series",
  ),
  gatewayAttempts: family(
    "router_gateway_attempts_total",
    "counter",
    "Requests the OpenAI-compatible gateway sent to a node, by node and outcome (ok: below 400 and whole; soft_error: a 200 carrying an error object; stream_error: the body broke off or an event stream ended without [DONE]; cancelled: the client went away; client_error: a 4xx returned as it is; busy: 429/503 with Retry-After, moved on; failed: network error, timeout or 5xx, moved on)",
    ["node", "outcome"],
  ),
  gatewayTokens: family(
    "router_gateway_tokens_total",
    "counter",
    "Tokens the nodes reported in `usage` for proxied requests, by registry model, node, client key (the first 12 hex digits of its SHA-256; admin, or anonymous without CLIENT_KEYS) and type (prompt, completion)",
    ["model", "node", "client", "type"],
  ),
  gatewaySharedBreakerCalls: family(
    "router_gateway_shared_breaker_calls_total",
    "counter",
    "Calls the gateway made to the shared breakers' Durable Object, by call (read: the isolate's copy refreshed, at most about once a second; report: failures or busy nodes sent after a response)",
    ["call"],
  ),
  gatewayUpstreamErrors: family(
    "router_gateway_upstream_errors_total",
    "counter",
    "Failed proxy attempts by node and kind (http_5xx, timeout, network); each counts against the node's circuit breaker",
    ["node", "kind"],
  ),
} as const;

/** Gauges and counters read at scrape time from the fleet view, the experiment objects and this isolate. */
export const SCRAPED = {
  gpuInfo: family("router_gpu_info", "gauge", "Always 1; names each GPU (uuid, model name)", ["node", "gpu", "uuid", "name"]),
  gpuFreeBytes: family("router_gpu_memory_free_bytes", "gauge", "Free GPU memory routing uses (largest free MIG instance when MIG is on)", GPU),
  gpuTotalBytes: family("router_gpu_memory_total_bytes", "gauge", "Total GPU memory", GPU),
  gpuUtilization: family("router_gpu_utilization_ratio", "gauge", "GPU utilization, 0–1", GPU),
  gpuTemperature: family("router_gpu_temperature_celsius", "gauge", "GPU temperature", GPU),
  gpuAge: family("router_gpu_snapshot_age_seconds", "gauge", "Age of the snapshot the GPU's numbers come from", GPU),
  gpuHealthy: family("router_gpu_healthy", "gauge", "1 when temperature and utilization are known and below the registry thresholds", GPU),
  gpuPlaceable: family("router_gpu_placeable", "gauge", "1 when routing may place work on the GPU (healthy, fresh, free memory known)", GPU),
  nodeStale: family("router_node_stale", "gauge", "1 when the node's last snapshot is older than stale_after_s", ["node"]),
  registryVersion: family("router_registry_version", "gauge", "Version of the registry the scraping isolate routes with"),
  experimentRunning: family("router_experiment_running", "gauge", "1 while the experiment is running, 0 once stopped", ["experiment"]),
  experimentAssignments: family("router_experiment_assignments_total", "counter", "Route decisions assigned to the variant", VARIANT),
  experimentFallbacks: family("router_experiment_fallbacks_total", "counter", "Assignments served by plain routing because the variant could not be", VARIANT),
  experimentEvents: family("router_experiment_events_total", "counter", "Outcome events counted for the variant", VARIANT),
  experimentErrors: family("router_experiment_errors_total", "counter", "Outcome events reporting an error", VARIANT),
  ledgerPlacements: family(
    "router_kernel_ledger_placements",
    "gauge",
    "Placements the scraping isolate's kernel made since the nodes' current snapshots (per isolate)",
  ),
  ledgerGpus: family("router_kernel_ledger_gpus", "gauge", "GPUs carrying own placements in the scraping isolate's kernel ledger (per isolate)"),
  gatewayBreakerOpen: family(
    "router_gateway_breaker_open",
    "gauge",
    "1 while the scraping isolate's circuit breaker for the node's endpoint is open or half-open, 0 when closed (per isolate)",
    ["node", "endpoint"],
  ),
} as const;

/** Families in exposition order. */
export const ALL_FAMILIES: readonly MetricFamily[] = [...Object.values(STORED), ...Object.values(SCRAPED)];
