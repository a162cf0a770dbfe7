/**
 * An interval chart as inline SVG: one row per variant, a bar from the interval's low to high end
 * and a tick at the estimate, on an axis shared by the rows so overlaps are visible at a glance.
 * Server-rendered, no script; scales with its container (viewBox). Used by experiments.tsx.
 */
import type { Interval } from "./intervals";

export interface ChartRow {
  label: string;
  interval: Interval | null;
}

export interface IntervalChartProps {
  title: string;
  rows: readonly ChartRow[];
  format: (value: number) => string;
}

const WIDTH = 400;
const ROW = 24;
const PLOT_LEFT = 74;
const PLOT_RIGHT = 240;
const COLORS = ["#3b6fd8", "#d8743b", "#2f9e6e", "#9b59b6", "#c0392b", "#7f8c8d"];

/** The shared axis: the rows' extent with 8 % padding; a point-only extent gets a window around it. */
function domain(rows: readonly ChartRow[]): [number, number] {
  const values = rows.flatMap((r) => (r.interval ? [r.interval.lo, r.interval.hi] : []));
  let lo = Math.min(...values);
  let hi = Math.max(...values);
  if (hi - lo < 1e-12) {
    const pad = Math.abs(lo) > 0 ? Math.abs(lo) * 0.1 : 1;
    return [lo - pad, hi + pad];
  }
  const pad = (hi - lo) * 0.08;
  lo -= pad;
  hi += pad;
  return [lo, hi];
}

export function IntervalChart(props: IntervalChartProps) {
  const shown = props.rows.filter((r) => r.interval !== null);
  const height = ROW * props.rows.length + 22;
  if (shown.length === 0) {
    return (
      <figure class="chart">
        <figcaption>{props.title}</figcaption>
        <p class="muted">no samples yet</p>
      </figure>
    );
  }
  const [lo, hi] = domain(shown);
  const x = (v: number): number => PLOT_LEFT + ((v - lo) / (hi - lo)) * (PLOT_RIGHT - PLOT_LEFT);
  const describe = props.rows.map((r) => `${r.label}: ${r.interval ? `${props.format(r.interval.estimate)} [${props.format(r.interval.lo)}, ${props.format(r.interval.hi)}]` : "no samples"}`).join("; ");
  return (
    <figure class="chart">
      <figcaption>{props.title}</figcaption>
      <svg class="ci-chart" viewBox={`0 0 ${WIDTH} ${height}`} role="img" aria-label={`${props.title}: ${describe}`} xmlns="http://www.w3.org/2000/svg">
        <title>{`${props.title}: ${describe}`}</title>
        {props.rows.map((row, i) => {
          const y = 6 + i * ROW;
          const color = COLORS[i % COLORS.length]!;
          const iv = row.interval;
          return (
            <g class="ci-row" data-variant={row.label}>
              <text x="0" y={y + 12} font-size="11" fill="#1d2330">{row.label.length > 11 ? `${row.label.slice(0, 10)}…` : row.label}</text>
              {iv ? (
                <>
                  <rect class="ci-bar" x={x(iv.lo).toFixed(1)} y={y + 4} width={Math.max(1.5, x(iv.hi) - x(iv.lo)).toFixed(1)} height="8" rx="2" fill={color} fill-opacity="0.35" stroke={color} />
                  <line x1={x(iv.estimate).toFixed(1)} x2={x(iv.estimate).toFixed(1)} y1={y} y2={y + 16} stroke={color} stroke-width="2.5" />
                  <text x={PLOT_RIGHT + 6} y={y + 12} font-size="10" fill="#444">{props.format(iv.estimate)} [{props.format(iv.lo)}, {props.format(iv.hi)}]</text>
                </>
              ) : (
                <text x={PLOT_LEFT} y={y + 12} font-size="10" fill="#888">no samples</text>
              )}
            </g>
          );
        })}
        <line x1={PLOT_LEFT} x2={PLOT_RIGHT} y1={height - 16} y2={height - 16} stroke="#99a" />
        <text x={PLOT_LEFT} y={height - 4} font-size="9" fill="#667">{props.format(lo)}</text>
        <text x={PLOT_RIGHT} y={height - 4} font-size="9" fill="#667" text-anchor="end">{props.format(hi)}</text>
      </svg>
    </figure>
  );
}
