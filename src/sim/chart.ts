/**
 * A hand-written SVG of one scenario report: compute and memory utilization over time per policy
 * (bursts shaded, a degraded site's start marked) and the latency CDF. No dependencies, so the
 * CLI can write it anywhere and docs/sim/ can check it in.
 */
import type { ScenarioReport } from "./run";

const COLORS = ["#d62728", "#1f77b4", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#17becf"];
const WIDTH = 1000;
const PANEL_H = 230;
const LEFT = 64;
const RIGHT = 240;
const TOP = 56;
const GAP = 64;

interface Panel {
  title: string;
  x: { max: number; label: string };
  y: { max: number; label: string };
  lines: Array<{ color: string; points: Array<[number, number]> }>;
  shade?: Array<[number, number]>;
  mark?: { at: number; label: string };
}

const esc = (s: string): string => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
/** A tick label: integers as they are, fractions with at most two decimals. */
const fmt = (x: number): string => (Number.isInteger(x) ? String(x) : x.toFixed(2).replace(/0+$/, "").replace(/\.$/, ""));

/** Five round ticks from 0 to about max. */
function ticks(max: number): number[] {
  const raw = max / 5;
  const pow = 10 ** Math.floor(Math.log10(raw || 1));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * pow).find((s) => s >= raw) ?? raw;
  return Array.from({ length: Math.floor(max / step) + 1 }, (_, i) => i * step);
}

function panel(p: Panel, top: number): string {
  const w = WIDTH - LEFT - RIGHT;
  const sx = (x: number): number => LEFT + (p.x.max > 0 ? (x / p.x.max) * w : 0);
  const sy = (y: number): number => top + PANEL_H - (p.y.max > 0 ? (Math.min(y, p.y.max) / p.y.max) * PANEL_H : 0);
  const out: string[] = [`<text x="${LEFT}" y="${top - 10}" class="title">${esc(p.title)}</text>`];
  for (const [a, b] of p.shade ?? []) out.push(`<rect x="${sx(a).toFixed(1)}" y="${top}" width="${(sx(b) - sx(a)).toFixed(1)}" height="${PANEL_H}" fill="#f2e6c9"/>`);
  for (const t of ticks(p.y.max)) out.push(`<line x1="${LEFT}" x2="${LEFT + w}" y1="${sy(t).toFixed(1)}" y2="${sy(t).toFixed(1)}" class="grid"/><text x="${LEFT - 6}" y="${(sy(t) + 4).toFixed(1)}" class="tick" text-anchor="end">${fmt(t)}</text>`);
  for (const t of ticks(p.x.max)) out.push(`<text x="${sx(t).toFixed(1)}" y="${top + PANEL_H + 16}" class="tick" text-anchor="middle">${fmt(t)}</text>`);
  out.push(`<rect x="${LEFT}" y="${top}" width="${w}" height="${PANEL_H}" class="frame"/>`);
  out.push(`<text x="${LEFT + w / 2}" y="${top + PANEL_H + 34}" class="axis" text-anchor="middle">${esc(p.x.label)}</text>`);
  out.push(`<text transform="translate(${LEFT - 44},${top + PANEL_H / 2}) rotate(-90)" class="axis" text-anchor="middle">${esc(p.y.label)}</text>`);
  if (p.mark) out.push(`<line x1="${sx(p.mark.at).toFixed(1)}" x2="${sx(p.mark.at).toFixed(1)}" y1="${top}" y2="${top + PANEL_H}" class="mark"/><text x="${(sx(p.mark.at) + 4).toFixed(1)}" y="${top + 14}" class="tick">${esc(p.mark.label)}</text>`);
  for (const line of p.lines) {
    const d = line.points.map(([x, y], i) => `${i === 0 ? "M" : "L"}${sx(x).toFixed(1)},${sy(y).toFixed(1)}`).join("");
    if (d) out.push(`<path d="${d}" stroke="${line.color}" class="line"/>`);
  }
  return out.join("\n");
}

/** The report's chart as a standalone SVG document. */
export function renderChart(report: ScenarioReport): string {
  const results = report.results;
  const color = (i: number): string => COLORS[i % COLORS.length]!;
  const duration = report.config.trace.duration_s;
  const degrade = report.config.degrade;
  const mark = degrade ? { at: degrade.from_s, label: `site ${degrade.site} degraded` } : undefined;
  const shade = report.trace.bursts;
  const maxOf = (values: number[]): number => values.reduce((a, b) => Math.max(a, b), 0);
  const yMax = (pick: (r: (typeof results)[number]) => number[]): number => Math.min(100, Math.max(10, Math.ceil(maxOf(results.flatMap(pick)) / 10) * 10));
  const series = (pick: (r: (typeof results)[number]) => number[]) =>
    results.map((r, i) => ({ color: color(i), points: r.series.t_s.map((t, k): [number, number] => [t, pick(r)[k]!]) }));
  // The CDF's x axis stops at the largest p99 so the body of the distributions stays readable.
  const xCdf = Math.max(1, maxOf(results.map((r) => r.latency_quantiles_s[99]!)));
  const panels: Panel[] = [
    { title: "Compute utilization (busy slots, fleet-wide, per window)", x: { max: duration, label: "simulated time (s)" }, y: { max: yMax((r) => r.series.compute_pct), label: "%" }, lines: series((r) => r.series.compute_pct), shade, ...(mark ? { mark } : {}) },
    { title: "Memory utilization (used / capacity, fleet-wide, per window)", x: { max: duration, label: "simulated time (s)" }, y: { max: yMax((r) => r.series.memory_pct), label: "%" }, lines: series((r) => r.series.memory_pct), shade, ...(mark ? { mark } : {}) },
    {
      title: "Latency CDF of served requests (queueing + load + service)",
      x: { max: xCdf, label: "latency (s)" },
      y: { max: 100, label: "% of served" },
      lines: results.map((r, i) => ({ color: color(i), points: r.latency_quantiles_s.map((l, q): [number, number] => [Math.min(l, xCdf), q]) })),
    },
  ];
  const height = TOP + panels.length * (PANEL_H + GAP) + 10;
  const legend = results.map((r, i) => {
    const y = TOP + 10 + i * 40;
    const x = WIDTH - RIGHT + 16;
    return `<line x1="${x}" x2="${x + 22}" y1="${y}" y2="${y}" stroke="${color(i)}" class="line"/><text x="${x + 28}" y="${y + 4}" class="legend">${esc(r.label)}</text><text x="${x + 28}" y="${y + 18}" class="tick">served ${r.requests.served}/${r.requests.arrived}</text>`;
  });
  const title = `Scenario ${report.scenario}: ${report.fleet.nodes} nodes × ${report.config.fleet.gpus_per_node} GPUs, seed ${report.config.seed}, ${report.trace.requests} requests in ${duration} s`;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif">`,
    `<style>.title{font-size:14px;font-weight:bold}.axis{font-size:12px}.tick{font-size:11px;fill:#444}.legend{font-size:12px}.grid{stroke:#e5e5e5}.frame{fill:none;stroke:#999}.line{fill:none;stroke-width:1.6}.mark{stroke:#000;stroke-dasharray:4 3}</style>`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="${LEFT}" y="24" font-size="16" font-weight="bold">${esc(title)}</text>`,
    ...panels.map((p, i) => panel(p, TOP + i * (PANEL_H + GAP))),
    ...legend,
    `</svg>`,
    "",
  ].join("\n");
}
