/**
 * The tokens panel: what the nodes reported in `usage` for proxied requests
 * (`router_gateway_tokens_total`, every isolate's, from the metrics Durable Object), summed per
 * model, node and client key, largest first. tokenRows() is pure over the metrics state;
 * loadDashboard (data.ts) calls it, page.tsx renders TokensSection.
 */
import { STORED } from "../metrics/catalog";
import type { MetricsState } from "../metrics/series";

/** One (model, node, client) with its prompt and completion tokens. */
export interface TokenRow {
  model: string;
  node: string;
  client: string;
  prompt: number;
  completion: number;
}

/** Rows shown; the rest are summed into the totals line only. */
export const TOKEN_ROWS_SHOWN = 15;

export function tokenRows(state: MetricsState | null): TokenRow[] | null {
  if (state === null) return null;
  const rows = new Map<string, TokenRow>();
  for (const s of state.series) {
    if (s.name !== STORED.gatewayTokens.name) continue;
    const { model = "", node = "", client = "", type = "" } = s.labels;
    const key = JSON.stringify([model, node, client]);
    const row = rows.get(key) ?? { model, node, client, prompt: 0, completion: 0 };
    if (type === "prompt") row.prompt += s.value;
    else if (type === "completion") row.completion += s.value;
    rows.set(key, row);
  }
  return [...rows.values()].sort((a, b) => b.prompt + b.completion - (a.prompt + a.completion) || a.model.localeCompare(b.model));
}

const count = (n: number) => n.toLocaleString("en-US");

export function TokensSection(props: { rows: readonly TokenRow[] | null }) {
  const rows = props.rows;
  const prompt = rows?.reduce((n, r) => n + r.prompt, 0) ?? 0;
  const completion = rows?.reduce((n, r) => n + r.completion, 0) ?? 0;
  return (
    <section id="tokens">
      <h2>Tokens through the gateway</h2>
      {rows === null ? (
        <p class="bad">The metrics store cannot be read right now.</p>
      ) : rows.length === 0 ? (
        <p class="muted">None yet: proxied requests count the tokens their node reports in usage (streams need stream_options.include_usage).</p>
      ) : (
        <>
          <p class="muted">
            {count(prompt)} prompt · {count(completion)} completion tokens in all
          </p>
          <table class="cards tokens-table">
            <thead>
              <tr>
                <th>model</th><th>node</th><th>client</th><th class="num">prompt</th><th class="num">completion</th>
              </tr>
            </thead>
            <tbody>
              {rows.slice(0, TOKEN_ROWS_SHOWN).map((r) => (
                <tr>
                  <td data-label="model">{r.model}</td>
                  <td data-label="node">{r.node}</td>
                  <td data-label="client">{r.client}</td>
                  <td data-label="prompt" class="num">{count(r.prompt)}</td>
                  <td data-label="completion" class="num">{count(r.completion)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}
