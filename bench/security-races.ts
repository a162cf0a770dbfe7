/**
 * The race measurement of security finding 7 at full size, against `wrangler dev` (the product as
 * `npm start` runs it), because the Workers test pool cannot create thousands of Durable Objects
 * in one run: @cloudflare/vitest-pool-workers wraps each object class's prototype in one more
 * Proxy per instance, so a few thousand instances overflow the stack (test/security/races.test.ts
 * therefore runs 40 and 3 trials in `npm test`).
 *
 *   npx tsx bench/security-races.ts [--trials 1000] [--concurrency 20] [--race owner|sequence|both]
 *
 * Owner race, per trial: agents race-a and race-b push one new node at once (each its own free
 * memory, so the stored snapshot tells whose it is). Exactly one must get 202 and the other 409;
 * the stored snapshot (GET /v1/fleet) must be the winner's; then the winner's next push must be
 * accepted and the loser's refused. Anything else counts as a wrong owner.
 * Sequence race, per trial: 50 pushes of one node with sequence numbers base+1..base+50, sent at
 * once in a shuffled order. The stored snapshot must be the accepted (202) one with the highest
 * sequence number (else: backwards; a push answered 503 because the node's object was busy was
 * never stored), and a replay of an accepted push must not be accepted (202 counts as a replay accepted; the
 * statuses of pushes and replays are printed).
 * A trial in which wrangler dev dropped a connection is counted as inconclusive (the push's fate is
 * unknown) rather than retried. Each trial's node is deleted afterwards (DELETE /v1/fleet/nodes/{node}), so the fleet stays small.
 * Prints the counts and the time taken; exits 1 if any count is not 0.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { signatureHeaders } from "../src/telemetry/signature";
import { startWrangler } from "./servers";

const { values } = parseArgs({
  options: { trials: { type: "string", default: "1000" }, concurrency: { type: "string", default: "20" }, race: { type: "string", default: "both" }, help: { type: "boolean", short: "h" } },
});
if (values.help) {
  console.log("npx tsx bench/security-races.ts [--trials 1000] [--concurrency 20] [--race owner|sequence|both]\nOwner and sequence races of security finding 7 against wrangler dev; prints wrong owners, backwards sequences and accepted replays.");
  process.exit(0);
}
const TRIALS = Number(values.trials);
const CONCURRENCY = Number(values.concurrency);
const PUSHES = 50;
const ADMIN_TOKEN = "security-races-admin-token";
const AGENTS = { "race-a": "race-a-agent-key-0001", "race-b": "race-b-agent-key-0001" } as const;
type Agent = keyof typeof AGENTS;

function snapshot(agent: Agent, node: string, seq: number, free: number): string {
  const gpu = {
    index: 0, uuid: `GPU-race-${node}`, name: "Race GPU", memory_total_mb: 81920, memory_used_mb: 81920 - free, memory_free_mb: free,
    memory_reserved_mb: 0, utilization_gpu_pct: 5, utilization_memory_pct: 1, temperature_c: 40, power_draw_w: 100, power_limit_w: 400,
    pstate: "P0", throttle_reasons: [], ecc_errors_uncorrected: 0, mig_mode: "disabled", mig_devices: [],
  };
  return JSON.stringify({ agent_id: agent, node, endpoint: `http://${node}.race.test:8000`, models: [], seq, taken_at: new Date().toISOString(), gpus: [gpu] });
}

async function main(): Promise<void> {
  const persist = mkdtempSync(join(tmpdir(), "security-races-"));
  const keys = Object.fromEntries(Object.entries(AGENTS).map(([agent, key]) => [agent, { keys: [key], max_nodes: 10_000 }]));
  const router = await startWrangler("wrangler.toml", [
    "--persist-to", persist, "--var", `AGENT_KEYS:${JSON.stringify(keys)}`, "--var", `ADMIN_TOKEN:${ADMIN_TOKEN}`, "--var", "CACHE_TTL_MS:0",
  ]);
  const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
  const push = async (agent: Agent, body: string): Promise<number> => {
    const signed = await signatureHeaders(agent, AGENTS[agent], body, Date.now() / 1000, {});
    try {
      const response = await fetch(`${router.url}/v1/telemetry`, { method: "POST", headers: { "content-type": "application/json", ...signed }, body, signal: AbortSignal.timeout(60_000) });
      await response.arrayBuffer();
      return response.status;
    } catch {
      // wrangler dev's proxy dropped the connection, or no answer within a minute: the push's fate is unknown, so its trial is inconclusive (counted, never retried).
      return 0;
    }
  };
  /** Idempotent calls (reading the fleet, deleting a node) are retried when wrangler dev's proxy drops the connection. */
  const retried = async (url: string, init: RequestInit): Promise<Response> => {
    for (let attempt = 1; ; attempt++) {
      try {
        const response = await fetch(url, { ...init, signal: AbortSignal.timeout(60_000) });
        if (response.status < 500 || attempt === 5) return response;
        await response.arrayBuffer();
      } catch (error) {
        if (attempt === 5) throw error;
      }
      await new Promise((r) => setTimeout(r, 200 * attempt));
    }
  };
  const storedFree = async (node: string): Promise<number | null> => {
    const view = (await (await retried(`${router.url}/v1/fleet`, { headers: admin })).json()) as { nodes: Array<{ node: string; gpus: Array<{ memory_free_mb: number | null }> }> };
    return view.nodes.find((n) => n.node === node)?.gpus[0]?.memory_free_mb ?? null;
  };
  const forget = async (node: string) => (await retried(`${router.url}/v1/fleet/nodes/${node}`, { method: "DELETE", headers: admin })).arrayBuffer();
  const run = async (label: string, trial: (i: number) => Promise<void>) => {
    const started = Date.now();
    for (let start = 0; start < TRIALS; start += CONCURRENCY) {
      await Promise.all(Array.from({ length: Math.min(CONCURRENCY, TRIALS - start) }, (_, k) => trial(start + k)));
      process.stderr.write(`\r${label}: ${Math.min(start + CONCURRENCY, TRIALS)}/${TRIALS}`);
    }
    process.stderr.write("\n");
    return (Date.now() - started) / 1000;
  };
  try {
    const tag = Date.now().toString(36);
    const owner = { wrongOwners: 0, notOneWinner: 0, inconclusive: 0, statuses: {} as Record<string, number> };
    const races = values.race;
    const ownerSeconds = races === "sequence" ? 0 : await run("owner race", async (i) => {
      const node = `own-${tag}-${i}`;
      const order: Agent[] = i % 2 === 0 ? ["race-a", "race-b"] : ["race-b", "race-a"];
      const seq = Date.now();
      const statuses = await Promise.all(order.map((agent) => push(agent, snapshot(agent, node, seq, agent === "race-a" ? 1000 : 2000))));
      const pair = [...statuses].sort().join("+");
      owner.statuses[pair] = (owner.statuses[pair] ?? 0) + 1;
      const winners = order.filter((_, k) => statuses[k] === 202);
      if (statuses.includes(0)) {
        owner.inconclusive++;
      } else if (winners.length !== 1 || statuses.some((s) => s !== 202 && s !== 409)) {
        owner.notOneWinner++;
      } else {
        const winner = winners[0]!;
        const loser: Agent = winner === "race-a" ? "race-b" : "race-a";
        const stored = await storedFree(node);
        const next = await push(winner, snapshot(winner, node, seq + 1, 3000));
        const stolen = await push(loser, snapshot(loser, node, seq + 2, 4000));
        if (stored !== (winner === "race-a" ? 1000 : 2000) || next !== 202 || stolen !== 409) owner.wrongOwners++;
      }
      await forget(node);
    });
    if (races !== "sequence") {
      console.log(`owner race: ${TRIALS} trials in ${ownerSeconds.toFixed(0)} s: ${owner.wrongOwners} wrong owners, ${owner.notOneWinner} trials without exactly one winner, ${owner.inconclusive} inconclusive (a connection dropped); status pairs ${JSON.stringify(owner.statuses)}`);
    }
    const sequence = { backwards: 0, replaysAccepted: 0, inconclusive: 0, noneAccepted: 0, statuses: {} as Record<number, number>, replayStatuses: {} as Record<number, number> };
    const seqSeconds = races === "owner" ? 0 : await run("sequence race", async (t) => {
      const node = `seq-${tag}-${t}`;
      const base = Date.now();
      const bodies = Array.from({ length: PUSHES }, (_, k) => snapshot("race-a", node, base + k + 1, 1000 + k));
      for (let i = bodies.length - 1; i > 0; i--) {
        const j = Math.floor(Math.random() * (i + 1));
        [bodies[i], bodies[j]] = [bodies[j]!, bodies[i]!];
      }
      const statuses = await Promise.all(bodies.map((body) => push("race-a", body)));
      for (const status of statuses) sequence.statuses[status] = (sequence.statuses[status] ?? 0) + 1;
      if (statuses.includes(0)) {
        sequence.inconclusive++;
        await forget(node);
        return;
      }
      // A push refused for another reason (503: the node's object was busy) was never stored, so
      // the stored snapshot must be the accepted one with the highest sequence number.
      const accepted = bodies.filter((_, k) => statuses[k] === 202);
      if (accepted.length === 0) {
        // Every push was refused (503: the node's object stayed busy): nothing may be stored.
        sequence.noneAccepted++;
        if ((await storedFree(node)) !== null) sequence.backwards++;
        await forget(node);
        return;
      }
      const highest = Math.max(...accepted.map((b) => (JSON.parse(b) as { seq: number }).seq));
      if ((await storedFree(node)) !== 1000 + (highest - base - 1)) sequence.backwards++;
      // Replaying an accepted push (another one than the highest where there is one).
      const replayed = accepted[t % accepted.length];
      if (replayed !== undefined) {
        const status = await push("race-a", replayed);
        sequence.replayStatuses[status] = (sequence.replayStatuses[status] ?? 0) + 1;
        if (status === 202) sequence.replaysAccepted++;
      }
      await forget(node);
    });
    if (races !== "owner") console.log(`sequence race: ${TRIALS} trials of ${PUSHES} pushes in ${seqSeconds.toFixed(0)} s: ${sequence.backwards} backwards, ${sequence.replaysAccepted} replays accepted, ${sequence.inconclusive} inconclusive, ${sequence.noneAccepted} with every push refused as busy (nothing stored); push statuses ${JSON.stringify(sequence.statuses)}, replay statuses ${JSON.stringify(sequence.replayStatuses)}`);
    if (owner.wrongOwners + owner.notOneWinner + sequence.backwards + sequence.replaysAccepted > 0) process.exitCode = 1;
  } finally {
    await router.stop();
    rmSync(persist, { recursive: true, force: true });
  }
}

await main();
