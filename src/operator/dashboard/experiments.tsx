/**
 * The experiments section: per experiment, the variants' counts and means, interval charts of each
 * variant's error rate, latency and score, and of each active variant's difference from control
 * in score and error rate (the intervals the winner rests on), the sample-ratio check and the
 * winner or the reason there is none. Every interval is the report's always-valid confidence
 * sequence (src/experiments/report.ts), so reading the page every few seconds does not make them
 * wrong.
 */
import type { Report } from "../../experiments/report-schema";
import { IntervalChart } from "./ci-chart";
import { number, percent } from "./format";
import { interval } from "./intervals";

const level = (alpha: number): string => `always-valid ${Math.round((1 - alpha) * 1000) / 10} % CS`;
const rate = (v: number): string => `${(v * 100).toFixed(1)}%`;
const points = (v: number): string => `${v > 0 ? "+" : ""}${(v * 100).toFixed(1)} pp`;
const signed = (v: number): string => `${v > 0 ? "+" : ""}${number(v)}`;

function Srm(props: { report: Report }) {
  const { srm } = props.report;
  if (srm.p_value === null) return <span class="badge muted">SRM: not enough assignments</span>;
  return srm.mismatch ? (
    <span class="badge bad srm-flag">SRM mismatch (p = {srm.p_value.toExponential(2)})</span>
  ) : (
    <span class="badge ok srm-flag">SRM ok (p = {srm.p_value.toFixed(3)})</span>
  );
}

function Experiment(props: { report: Report }) {
  const { report } = props;
  const { experiment } = report;
  const arms = level(report.significance);
  const tone = (name: string): number => report.variants.findIndex((v) => v.name === name);
  const versus = level(report.corrected_significance);
  return (
    <article class="experiment" id={`experiment-${experiment.id}`}>
      <h3>
        <code>{experiment.id}</code> <span class={`badge ${experiment.status === "running" ? "ok" : "muted"}`}>{experiment.status}</span>{" "}
        <Srm report={report} />
      </h3>
      <p class="muted">
        {experiment.scope.category}
        {experiment.scope.include_descendants ? " and below" : ""} · {experiment.origin} · min {experiment.min_samples} events per variant
        {experiment.description ? ` · ${experiment.description}` : ""}
      </p>
      <p class={report.winner ? "winner ok" : "winner"}>
        {report.winner ? <strong>Winner: {report.winner}. </strong> : <strong>No winner yet: </strong>}
        {report.winner_reason}
      </p>
      <table class="cards">
        <thead>
          <tr>
            <th>variant</th><th>model</th><th class="num">split</th><th class="num">assigned</th><th class="num">events</th>
            <th class="num">error rate</th><th class="num">latency ms</th><th class="num">score</th><th class="num">adjusted</th>
          </tr>
        </thead>
        <tbody>
          {report.variants.map((v) => (
            <tr>
              <td data-label="variant"><strong>{v.name}</strong>{v.paused ? <span class="badge muted">paused</span> : null}</td>
              <td data-label="model">{v.model ?? "constraints"}</td>
              <td data-label="split" class="num">{percent(v.split, 0)}</td>
              <td data-label="assigned" class="num">{v.assignments}</td>
              <td data-label="events" class="num">{v.n}</td>
              <td data-label="error rate" class="num">{percent(v.error_rate)}</td>
              <td data-label="latency ms" class="num">{number(v.latency_ms.mean)}</td>
              <td data-label="score" class="num">{number(v.score.mean)}</td>
              <td data-label="adjusted" class="num">{number(v.adjusted_score)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <div class="charts">
        <IntervalChart
          title={`Error rate, ${arms}`}
          format={rate}
          bounds={[0, 1]}
          rows={report.variants.map((v) => ({ label: v.name, interval: interval(v.error_rate, v.error_rate_ci) }))}
        />
        <IntervalChart
          title={`Latency (ms), ${arms}`}
          format={(v) => number(v)}
          bounds={[0, Infinity]}
          rows={report.variants.map((v) => ({ label: v.name, interval: interval(v.latency_ms.mean, v.latency_ms.ci) }))}
        />
        <IntervalChart
          title={`Score, ${arms}`}
          format={(v) => number(v)}
          rows={report.variants.map((v) => ({ label: v.name, interval: interval(v.score.mean, v.score.ci) }))}
        />
        {report.comparisons.length > 0 ? (
          <>
            <IntervalChart
              title={`Score − ${report.comparisons[0]!.control}, ${versus}`}
              format={signed}
              reference={0}
              rows={report.comparisons.map((c) => ({ label: c.variant, tone: tone(c.variant), interval: c.score && interval(c.score.difference, c.score.ci) }))}
            />
            <IntervalChart
              title={`Error rate − ${report.comparisons[0]!.control}, ${versus}`}
              format={points}
              bounds={[-1, 1]}
              reference={0}
              rows={report.comparisons.map((c) => ({ label: c.variant, tone: tone(c.variant), interval: c.error_rate && interval(c.error_rate.difference, c.error_rate.ci) }))}
            />
          </>
        ) : null}
      </div>
    </article>
  );
}

export function ExperimentsSection(props: { reports: readonly Report[]; limit: number }) {
  return (
    <section id="experiments" class="wide">
      <h2>Experiments</h2>
      {props.reports.length === 0 ? (
        <p class="muted">No experiments. Start one with POST /v1/experiments; a registry update that changes a category's top model starts a canary.</p>
      ) : (
        props.reports.map((report) => <Experiment report={report} />)
      )}
      {props.reports.length >= props.limit ? <p class="muted">Showing the {props.limit} most relevant (running first, then newest); GET /v1/experiments lists all.</p> : null}
    </section>
  );
}
