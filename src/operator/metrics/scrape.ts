/**
 * What GET /metrics exposes, assembled from what routes.ts read: the counters of the metrics
 * Durable Object (global), gauges from the fleet view (global: KV, at most CACHE_TTL_MS old),
 * the experiment objects' counters (global), the scraping isolate's kernel ledger and its proxy
 * circuit breakers (per isolate).
 * Pure.
 */
import type { ExperimentSnapshot } from "../../experiments/schema";
import { countLedger, type Ledger } from "../../kernel/ledger";
import type { FleetView } from "../../telemetry/schema";
import { ALL_FAMILIES, SCRAPED, STORED, type MetricFamily } from "./catalog";
import type { FamilySamples } from "./exposition";
import type { MetricsState, Series } from "./series";

/** One circuit breaker of the proxy (src/gateway/breaker.ts) as the scraping isolate sees it. */
export interface BreakerSample {
  node: string;
  endpoint: string;
  open: boolean;
}

export interface ScrapeInput {
  state: MetricsState;
  fleet: FleetView;
  experiments: readonly ExperimentSnapshot[];
  ledger: Ledger;
  breakers?: readonly BreakerSample[];
}

const MIB = 1024 * 1024;

/** Whether a stored sample belongs to a family (a histogram's _bucket/_sum/_count included). */
function belongs(family: MetricFamily, name: string): boolean {
  if (family.type !== "histogram") return name === family.name;
  return [`${family.name}_bucket`, `${family.name}_sum`, `${family.name}_count`].includes(name);
}

export function metricsFamilies(input: ScrapeInput): FamilySamples[] {
  const samples = new Map<string, Series[]>(ALL_FAMILIES.map((f) => [f.name, []]));
  const add = (family: MetricFamily, labels: Record<string, string>, value: number | null): void => {
    // Unknown stays unknown: a null reading is no sample, never 0.
    if (value !== null) samples.get(family.name)!.push({ name: family.name, labels, value });
  };

  for (const series of input.state.series) {
    const family = Object.values(STORED).find((f) => belongs(f, series.name));
    // Series of a metric no longer in the catalog (renamed, removed) are not exposed.
    if (family) samples.get(family.name)!.push(series);
  }

  add(SCRAPED.registryVersion, {}, input.fleet.registry_version);
  for (const node of input.fleet.nodes) {
    add(SCRAPED.nodeStale, { node: node.node }, node.stale ? 1 : 0);
    for (const gpu of node.gpus) {
      const labels = { node: node.node, gpu: String(gpu.index) };
      add(SCRAPED.gpuInfo, { ...labels, uuid: gpu.uuid ?? "", name: gpu.name ?? "" }, 1);
      add(SCRAPED.gpuFreeBytes, labels, gpu.memory_free_mb === null ? null : gpu.memory_free_mb * MIB);
      add(SCRAPED.gpuTotalBytes, labels, gpu.memory_total_mb === null ? null : gpu.memory_total_mb * MIB);
      add(SCRAPED.gpuUtilization, labels, gpu.utilization_pct === null ? null : gpu.utilization_pct / 100);
      add(SCRAPED.gpuTemperature, labels, gpu.temperature_c);
      add(SCRAPED.gpuAge, labels, node.age_s);
      add(SCRAPED.gpuHealthy, labels, gpu.healthy ? 1 : 0);
      add(SCRAPED.gpuPlaceable, labels, gpu.placeable ? 1 : 0);
    }
  }

  for (const { experiment, counters } of input.experiments) {
    add(SCRAPED.experimentRunning, { experiment: experiment.id }, experiment.status === "running" ? 1 : 0);
    for (const c of counters) {
      const labels = { experiment: experiment.id, variant: c.name };
      add(SCRAPED.experimentAssignments, labels, c.assignments);
      add(SCRAPED.experimentFallbacks, labels, c.fallbacks);
      add(SCRAPED.experimentEvents, labels, c.events);
      add(SCRAPED.experimentErrors, labels, c.errors);
    }
  }

  const sent = [...countLedger(input.ledger).gpus.values()];
  add(SCRAPED.ledgerPlacements, {}, sent.reduce((n, g) => n + g.sent, 0));
  add(SCRAPED.ledgerGpus, {}, sent.filter((g) => g.sent > 0).length);
  for (const b of input.breakers ?? []) add(SCRAPED.gatewayBreakerOpen, { node: b.node, endpoint: b.endpoint }, b.open ? 1 : 0);

  return ALL_FAMILIES.map((family) => ({ family, samples: samples.get(family.name)! }));
}
