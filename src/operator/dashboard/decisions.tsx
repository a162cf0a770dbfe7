/**
 * The last routing decisions, newest first, as the metrics Durable Object keeps them (every
 * isolate's, flushed about once a second), with the totals by outcome.
 */
import type { RecentDecision } from "../metrics/series";
import { clock, reading } from "./format";

export interface DecisionsProps {
  decisions: readonly RecentDecision[] | null;
  totals: ReadonlyMap<string, number>;
  shown: number;
}

export function DecisionsSection(props: DecisionsProps) {
  const total = [...props.totals.values()].reduce((a, b) => a + b, 0);
  return (
    // Wide: seven columns with model and experiment ids overflow half the page (1,400 px and up).
    <section id="decisions" class="wide">
      <h2>Recent routing decisions</h2>
      <p class="muted">
        {total} in all
        {[...props.totals].map(([outcome, n]) => ` · ${outcome} ${n}`).join("")}
      </p>
      {props.decisions === null ? (
        <p class="bad">The metrics store cannot be read right now.</p>
      ) : props.decisions.length === 0 ? (
        <p class="muted">None yet: POST /v1/route.</p>
      ) : (
        <table class="cards decisions-table">
          <thead>
            <tr>
              <th>time (UTC)</th><th>outcome</th><th>category</th><th>model</th><th>placement</th><th>experiment</th><th class="num">ms</th>
            </tr>
          </thead>
          <tbody>
            {props.decisions.slice(0, props.shown).map((d) => (
              <tr data-decision={d.decision_id ?? ""}>
                <td data-label="time">{clock(d.at)}</td>
                <td data-label="outcome"><span class={`badge ${d.outcome === "ok" ? "ok" : "bad"}`}>{d.outcome}</span></td>
                <td data-label="category">
                  {d.category ?? "—"}
                  {d.resolved_category && d.resolved_category !== d.category ? ` → ${d.resolved_category}` : ""}
                </td>
                <td data-label="model">{d.model ?? "—"}</td>
                <td data-label="placement">{d.node === null ? "—" : `${d.node} #${d.gpu_index}`}</td>
                <td data-label="experiment">{d.experiment === null ? "—" : `${d.experiment} / ${d.variant}`}</td>
                <td data-label="ms" class="num">{reading(d.duration_ms)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
