/**
 * End-to-end bench: POST /v1/route through `wrangler dev` on 127.0.0.1, loaded by autocannon, next
 * to a trivial Hono worker on the same runtime. Both servers run at once and are loaded in
 * alternation, so the overhead ratio comes from one run on one machine.
 */
import autocannon from "autocannon";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { benchAgentVar, pushBenchFleet } from "./fleet";
import { startWrangler, type DevServer } from "./servers";

export interface E2eRow {
  target: "router" | "baseline";
  connections: number;
  requests_per_s: number;
  p50_ms: number;
  p99_ms: number;
  errors: number;
  non_2xx: number;
}

const ROUTE_BODY = JSON.stringify({ category: "code_rust", constraints: { max_memory_mb: 40000 }, top_k: 3 });

/** One decision as the bench sends it, to check it really places before loading. */
async function checkPlacement(url: string): Promise<void> {
  const response = await fetch(`${url}/v1/route`, { method: "POST", headers: { "content-type": "application/json" }, body: ROUTE_BODY });
  const decision = (await response.json()) as { placement?: { node: string } | null };
  if (response.status !== 200 || !decision.placement) throw new Error(`bench: the router did not place a decision (${response.status})`);
}

function load(url: string, connections: number, seconds: number): Promise<autocannon.Result> {
  return autocannon({
    url: `${url}/v1/route`,
    method: "POST",
    headers: { "content-type": "application/json" },
    body: ROUTE_BODY,
    connections,
    duration: seconds,
  });
}

export async function benchE2e(options: { connections: number[]; seconds: number; rounds: number }): Promise<E2eRow[]> {
  const servers: DevServer[] = [];
  try {
    // A fresh state directory: no registry edits, experiments or nodes from earlier runs.
    const state = mkdtempSync(join(tmpdir(), "bench-router-"));
    const router = await startWrangler("wrangler.toml", [...benchAgentVar(), "--persist-to", state]);
    servers.push(router);
    const baseline = await startWrangler("bench/baseline/wrangler.toml");
    servers.push(baseline);
    const targets = { router: router.url, baseline: baseline.url } as const;
    const rows: E2eRow[] = [];
    for (const connections of options.connections) {
      const runs: Record<string, autocannon.Result[]> = { router: [], baseline: [] };
      await pushBenchFleet(router.url);
      await checkPlacement(router.url);
      for (const url of Object.values(targets)) await load(url, connections, 1); // warm-up
      for (let r = 0; r < options.rounds; r++) {
        for (const [name, url] of Object.entries(targets)) {
          // Fresh snapshots before each router run, so its decisions place on fresh GPUs.
          if (name === "router") await pushBenchFleet(router.url);
          runs[name]!.push(await load(url, connections, options.seconds));
          process.stderr.write(`  e2e ${name} ${connections} conn round ${r + 1}\n`);
        }
      }
      for (const name of ["router", "baseline"] as const) {
        const results = runs[name]!;
        const median = (pick: (x: autocannon.Result) => number) => {
          const v = results.map(pick).sort((a, b) => a - b);
          return v[v.length >> 1]!;
        };
        rows.push({
          target: name,
          connections,
          requests_per_s: Math.round(median((x) => x.requests.average)),
          p50_ms: median((x) => x.latency.p50),
          p99_ms: median((x) => x.latency.p99),
          errors: results.reduce((n, x) => n + x.errors + x.timeouts, 0),
          non_2xx: results.reduce((n, x) => n + x.non2xx, 0),
        });
      }
    }
    return rows;
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
  }
}
