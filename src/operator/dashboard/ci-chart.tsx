/**
 * An interval chart as inline SVG: one row per variant (or per comparison), a bar from the
 * interval's low to high end and a tick at the estimate, on an axis shared by the rows so overlaps
 * are visible at a glance; an optional reference line (0 for differences from control) and bounds
 * the axis never leaves (a rate's [0, 1]). Server-rendered, no script; scales with its container
 * (viewBox). Used by experiments.tsx.
 */
import { chartDomain, type Interval } from "./intervals";

export interface ChartRow {
  label: string;
  interval: Interval | null;
  /** Colour slot (the variant's position), so a variant keeps its colour across charts; the row's index by default. */
  tone?: number;
}

export interface IntervalChartProps {
  title: string;
  rows: readonly ChartRow[];
  format: (value: number) => string;
  /** The range of the quantity itself; the axis stays inside it. */
  bounds?: readonly [number, number];
  /** A value marked with a dashed line (0 when the rows are differences). */
  reference?: number;
  /** Shown instead of a row's interval when it has none. */
  empty?: string;
}

const WIDTH = 400;
const ROW = 24;
const PLOT_LEFT = 74;
const PLOT_RIGHT = 240;
const COLORS = ["#3b6fd8", "#d8743b", "#2f9e6e", "#9b59b6", "#c0392b", "#7f8c8d"];

export function IntervalChart(props: IntervalChartProps) {
  const shown = props.rows.flatMap((r) => (r.interval ? [r.interval] : []));
  const height = ROW * props.rows.length + 22;
  const axis = chartDomain(shown, props.bounds, props.reference);
  if (axis === null) {
    return (
      <figure class="chart">
        <figcaption>{props.title}</figcaption>
        <p class="muted">{props.empty ?? "no samples"} yet</p>
      </figure>
    );
  }
  const [lo, hi] = axis;
  const empty = props.empty ?? "no samples";
  // Bars reaching past the axis (an unbounded side clipped by the bounds) are cut at its ends.
  const x = (v: number): number => PLOT_LEFT + ((Math.min(hi, Math.max(lo, v)) - lo) / (hi - lo)) * (PLOT_RIGHT - PLOT_LEFT);
  const describe = props.rows.map((r) => `${r.label}: ${r.interval ? `${props.format(r.interval.estimate)} [${props.format(r.interval.lo)}, ${props.format(r.interval.hi)}]` : empty}`).join("; ");
  return (
    <figure class="chart">
      <figcaption>{props.title}</figcaption>
      <svg class="ci-chart" viewBox={`0 0 ${WIDTH} ${height}`} role="img" aria-label={`${props.title}: ${describe}`} xmlns="http://www.w3.org/2000/svg">
        <title>{`${props.title}: ${describe}`}</title>
        {props.rows.map((row, i) => {
          const y = 6 + i * ROW;
          const color = COLORS[(row.tone ?? i) % COLORS.length]!;
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
                <text x={PLOT_LEFT} y={y + 12} font-size="10" fill="#888">{empty}</text>
              )}
            </g>
          );
        })}
        {props.reference !== undefined && props.reference >= lo && props.reference <= hi ? (
          <line class="ci-reference" x1={x(props.reference).toFixed(1)} x2={x(props.reference).toFixed(1)} y1="2" y2={height - 16} stroke="#667" stroke-dasharray="3 2" />
        ) : null}
        <line x1={PLOT_LEFT} x2={PLOT_RIGHT} y1={height - 16} y2={height - 16} stroke="#99a" />
        <text x={PLOT_LEFT} y={height - 4} font-size="9" fill="#667">{props.format(lo)}</text>
        <text x={PLOT_RIGHT} y={height - 4} font-size="9" fill="#667" text-anchor="end">{props.format(hi)}</text>
      </svg>
    </figure>
  );
}
