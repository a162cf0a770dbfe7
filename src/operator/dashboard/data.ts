/**
 * Everything the dashboard shows, read in parallel: the routing context (registry and fleet, the
 * isolate's cached copy), the metrics Durable Object (recent decisions, decision totals, after
 * flushing this isolate's own counts) and the experiment objects. Top models per category are
 * ranked once per registry version with canary.ts's topModels, which uses a fresh reference kernel
 * without a fleet — never the live kernel, whose route() records placements in its ledger.
 */
import { intSetting, type Env } from "../../env";
import { topModels } from "../../experiments/canary";
import { buildReport } from "../../experiments/report";
import type { Registry } from "../../registry/schema";
import { DEFAULT_TTL_MS, type RoutingContext } from "../../routing/context";
import { buildFleetView } from "../../telemetry/view";
import { experimentSnapshots } from "../experiment-snapshots";
import { STORED } from "../metrics/catalog";
import { FLUSH_INTERVAL_MS, type MetricsRecorder } from "../metrics/recorder";
import type { MetricsState } from "../metrics/series";
import { MetricsStore } from "../metrics/store";
import type { DashboardData } from "./page";
import { tokenRows } from "./tokens";

/** Experiments on the page: each is one Durable Object call per view. */
export const DASHBOARD_EXPERIMENTS = 6;

/** The top model per category of the last registry version asked for. */
export class TopModels {
  private cached: { version: number; tops: Map<string, string> } | null = null;

  of(registry: Registry): Map<string, string> {
    if (this.cached?.version !== registry.version) this.cached = { version: registry.version, tops: topModels(registry) };
    return this.cached.tops;
  }
}

/** Route decisions by outcome, summed over the other labels. */
export function decisionTotals(state: MetricsState | null): Map<string, number> {
  const totals = new Map<string, number>();
  for (const s of state?.series ?? []) {
    if (s.name !== STORED.routeDecisions.name) continue;
    const outcome = s.labels["outcome"] ?? "";
    totals.set(outcome, (totals.get(outcome) ?? 0) + s.value);
  }
  return new Map([...totals].sort((a, b) => b[1] - a[1]));
}

export interface LoadOptions {
  env: Env;
  now_ms: number;
  context: RoutingContext;
  recorder: MetricsRecorder;
  tops: TopModels;
}

export async function loadDashboard(options: LoadOptions): Promise<DashboardData> {
  const { env, now_ms } = options;
  await options.recorder.flush(env, now_ms);
  const [loaded, state, snapshots] = await Promise.all([
    options.context.get(env, now_ms),
    new MetricsStore(env.METRICS).read().catch((error: unknown) => {
      // The page still shows the fleet, taxonomy and experiments without it.
      console.error("dashboard: the metrics object cannot be read:", error);
      return null;
    }),
    experimentSnapshots(env, DASHBOARD_EXPERIMENTS),
  ]);
  return {
    now: new Date(now_ms).toISOString(),
    registry: loaded.registry,
    tops: options.tops.of(loaded.registry),
    fleet: buildFleetView({ nodes: loaded.fleet, config: loaded.registry.config, registryVersion: loaded.registry.version, registryModels: loaded.registry.models, now_ms }),
    reports: snapshots.map(buildReport),
    experimentLimit: DASHBOARD_EXPERIMENTS,
    decisions: state?.decisions ?? null,
    decisionTotals: decisionTotals(state),
    tokens: tokenRows(state),
    loginEnabled: Boolean(env.ADMIN_TOKEN),
    cacheTtlMs: intSetting(env.CACHE_TTL_MS, DEFAULT_TTL_MS),
    metricsFlushMs: intSetting(env.METRICS_FLUSH_MS, FLUSH_INTERVAL_MS),
  };
}
