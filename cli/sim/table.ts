/**
 * The text table `npm run sim` prints per scenario: one row per policy, plus the change of the
 * dynamic policies against static. Called by main.ts.
 */
import type { PolicyResult } from "../../src/sim/metrics";
import type { ScenarioReport } from "../../src/sim/run";

function grid(header: string[], rows: Array<Array<string | number>>): string {
  const cells = [header, ...rows.map((r) => r.map(String))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => r[i]!.length)));
  const line = (r: string[]): string => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...cells.slice(1).map(line)].join("\n");
}

const pct = (x: number): string => `${x.toFixed(1)}%`;

/** Relative change of `value` against `base`, as "+12.3%"; "n/a" when base is 0. */
export function change(value: number, base: number): string {
  if (base === 0) return "n/a";
  const d = ((value - base) / base) * 100;
  return `${d >= 0 ? "+" : ""}${d.toFixed(1)}%`;
}

export function renderTable(report: ScenarioReport): string {
  const rows = report.results.map((r: PolicyResult) => [
    r.label,
    r.requests.served,
    r.requests.rejected_no_model + r.requests.rejected_no_gpu,
    r.requests.failed_oom,
    r.requests.failed_timeout,
    r.requests.in_flight,
    `${pct(r.compute_util_pct.mean)} / ${pct(r.compute_util_pct.p95)}`,
    `${pct(r.gpu_busy_pct.mean)} / ${pct(r.gpu_busy_pct.p95)}`,
    pct(r.served_work_pct),
    `${pct(r.memory_util_pct.mean)} / ${pct(r.memory_util_pct.p95)}`,
    `${r.latency_s.p50.toFixed(1)} / ${r.latency_s.p95.toFixed(1)} / ${r.latency_s.p99.toFixed(1)}`,
    r.quality_mean.toFixed(1),
    r.overheated_placements,
  ]);
  const header = ["policy", "served", "rejected", "OOM", "timeout", "in flight", "batch occupancy mean/p95", "GPU busy mean/p95", "served work", "memory mean/p95", "latency p50/p95/p99 s", "quality", "overheated"];
  const lines = [
    `scenario ${report.scenario}: ${report.fleet.nodes} nodes, ${report.fleet.gpus} GPUs, ${report.trace.requests} requests (${report.trace.offered_per_s}/s), seed ${report.config.seed}`,
    grid(header, rows),
  ];
  const base = report.results.find((r) => r.policy === "static");
  if (base) {
    for (const r of report.results.filter((x) => x.policy !== "static")) {
      lines.push(
        `${r.label} vs static: GPU busy (nvidia-smi utilization) ${change(r.gpu_busy_pct.mean, base.gpu_busy_pct.mean)}, ` +
          `batch occupancy ${change(r.compute_util_pct.mean, base.compute_util_pct.mean)}, ` +
          `served work ${change(r.served_work_pct, base.served_work_pct)}, ` +
          `memory utilization ${change(r.memory_util_pct.mean, base.memory_util_pct.mean)}, served ${change(r.requests.served, base.requests.served)}, ` +
          `rejected ${r.requests.rejected_no_model + r.requests.rejected_no_gpu} vs ${base.requests.rejected_no_model + base.requests.rejected_no_gpu}, ` +
          `OOM ${r.requests.failed_oom} vs ${base.requests.failed_oom}`,
      );
    }
  }
  return lines.join("\n") + "\n";
}

/** One setting of a sweep: the live policies' results at that isolates × push interval. */
export interface SweepRow {
  isolates: number;
  push_interval_s: number;
  results: PolicyResult[];
}

/** The sweep table: the blind policies once, then each setting's live policies, against static. */
export function renderSweep(base: ScenarioReport, rows: SweepRow[]): string {
  const st = base.results.find((r) => r.policy === "static");
  const cells = (r: PolicyResult): Array<string | number> => [
    r.label,
    `${r.requests.served}${st ? ` (${change(r.requests.served, st.requests.served)})` : ""}`,
    r.requests.rejected_no_model + r.requests.rejected_no_gpu + r.requests.failed_oom,
    r.requests.failed_oom,
    r.requests.failed_timeout,
    `${pct(r.gpu_busy_pct.mean)}${st ? ` (${change(r.gpu_busy_pct.mean, st.gpu_busy_pct.mean)})` : ""}`,
    `${pct(r.compute_util_pct.mean)}${st ? ` (${change(r.compute_util_pct.mean, st.compute_util_pct.mean)})` : ""}`,
    `${r.latency_s.p50.toFixed(1)} / ${r.latency_s.p95.toFixed(1)}`,
    r.quality_mean.toFixed(1),
  ];
  const header = ["isolates", "push s", "policy", "served (vs static)", "rejected + OOM", "OOM", "timeout", "GPU busy (vs static)", "batch occupancy (vs static)", "latency p50/p95 s", "quality"];
  const body = [
    ...base.results.map((r) => ["-", "-", ...cells(r)]),
    ...rows.flatMap((row) => row.results.map((r) => [row.isolates, row.push_interval_s, ...cells(r)])),
  ];
  return [
    `scenario ${base.scenario} sweep: ${base.fleet.nodes} nodes, ${base.fleet.gpus} GPUs, ${base.trace.requests} requests (${base.trace.offered_per_s}/s), seed ${base.config.seed}`,
    grid(header, body),
  ].join("\n") + "\n";
}
