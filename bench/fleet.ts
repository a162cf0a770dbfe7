/**
 * A fleet for the end-to-end bench: real captures from test/fixtures/nvidia-smi, parsed by the
 * shared parser and pushed through the signed telemetry path (the agent's own push code), so
 * decisions under load carry real placements. Pushed again before each load run to stay fresh.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { pushSnapshot } from "../cli/agent/push";
import { parseNvidiaSmi } from "../src/telemetry/nvidia-smi";
import { SnapshotSchema, type Snapshot } from "../src/telemetry/snapshot";

export const BENCH_AGENT = { id: "bench-agent", key: "bench-key-not-secret" };

const FIXTURES = fileURLToPath(new URL("../test/fixtures/nvidia-smi/", import.meta.url));
const NODES = [
  { node: "bench-h200", file: "h200-driver580/csv/idle-extended-header-units.csv", models: ["qwen2.5-coder-32b-instruct", "llama-3.1-70b-instruct"] },
  { node: "bench-h200-load", file: "h200-driver580/csv/load-extended-header-units.csv", models: [] },
  { node: "bench-a10g", file: "public/telegraf/a10g.xml", models: ["qwen2.5-7b-instruct"] },
  { node: "bench-a5000x2", file: "public/telegraf/dual_a5000-v13.xml", models: [] },
  { node: "bench-a100", file: "public/telegraf/a100-sxm4-v12.xml", models: ["qwen2.5-coder-7b-instruct"] },
  { node: "bench-3090", file: "public/telegraf/rtx-3090-v12.xml", models: ["phi-4"] },
];

let seq = Date.now();

/** The bench nodes as snapshots, freshly timestamped and numbered (also stored directly by the in-process bench). */
export function benchSnapshots(): Snapshot[] {
  return NODES.map((n) => {
    const reading = parseNvidiaSmi(readFileSync(FIXTURES + n.file, "utf8"));
    return SnapshotSchema.parse({
      agent_id: BENCH_AGENT.id,
      node: n.node,
      endpoint: `http://127.0.0.1:9/${n.node}`,
      models: n.models,
      seq: ++seq,
      taken_at: new Date().toISOString(),
      driver_version: reading.driver_version,
      cuda_version: reading.cuda_version,
      gpus: reading.gpus,
    });
  });
}

/** Pushes every bench node once, freshly timestamped; throws when one is not accepted. */
export async function pushBenchFleet(url: string): Promise<void> {
  for (const snapshot of benchSnapshots()) {
    const result = await pushSnapshot({ url, agentId: BENCH_AGENT.id, key: BENCH_AGENT.key, timeoutMs: 10_000 }, snapshot);
    if (result.outcome !== "accepted") throw new Error(`bench fleet: ${snapshot.node} not accepted: ${result.status} ${result.detail}`);
  }
}

/** The wrangler --var that makes the router accept the bench agent. */
export function benchAgentVar(): string[] {
  return ["--var", `AGENT_KEYS:${JSON.stringify({ [BENCH_AGENT.id]: [BENCH_AGENT.key] })}`];
}
