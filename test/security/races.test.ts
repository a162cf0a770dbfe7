/**
 * Finding 7 (telemetry races): ownership and sequence are decided by the node's Durable Object,
 * one push at a time, in front of the KV write. Two agents pushing one new node at once: exactly
 * one wins and KV names it. Fifty pushes of one node in random order at once: KV ends at the
 * highest sequence number and every one of them replayed is refused. Through the real worker.
 *
 * `npm test` runs 40 and 3 trials (SECURITY_TRIALS=n runs n of each). The 1,000-trial measurement
 * is `npx tsx bench/security-races.ts` against wrangler dev (docs/security.md has its result): this
 * pool cannot hold thousands of Durable Objects in one run, since @cloudflare/vitest-pool-workers
 * wraps an object class's prototype in one more Proxy per instance, and at about 1,000 instances
 * the chain overflows the stack (RangeError) while each new instance gets slower.
 */
import { env } from "cloudflare:test";
import { afterAll, describe, expect, it } from "vitest";
import { clearFleet, gpu, push, snapshot } from "../support/telemetry";
import { TelemetryStore } from "../../src/telemetry/store";

const TRIALS = Number(env.SECURITY_TRIALS) || 0;
const OWNER_TRIALS = TRIALS || 40;
const SEQ_TRIALS = TRIALS || 3;
const PUSHES = 50;
const BATCH = 20;
const RUN = Date.now().toString(36);
const AGENTS = [
  { agent: "race-a", key: "race-a-agent-key-0001" },
  { agent: "race-b", key: "race-b-agent-key-0001" },
];
const store = () => new TelemetryStore(env.ROUTER_KV);

/** Runs `trial` for 0..n-1, BATCH at a time. */
async function trials(n: number, trial: (i: number) => Promise<void>): Promise<void> {
  for (let start = 0; start < n; start += BATCH) {
    await Promise.all(Array.from({ length: Math.min(BATCH, n - start) }, (_, k) => trial(start + k)));
  }
}

function shuffled<T>(items: T[], seed: number): T[] {
  const out = [...items];
  let state = seed + 1;
  for (let i = out.length - 1; i > 0; i--) {
    state = (state * 1103515245 + 12345) % 2147483648;
    const j = state % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

afterAll(() => clearFleet(env.ROUTER_KV), 120_000);

describe("two agents claiming one new node at once", () => {
  it(`one owner in every trial, and KV names it (${OWNER_TRIALS} trials)`, async () => {
    let wrongOwners = 0;
    let bothOrNeither = 0;
    await trials(OWNER_TRIALS, async (i) => {
      const node = `race-own-${RUN}-${i}`;
      const order = i % 2 === 0 ? AGENTS : [...AGENTS].reverse();
      const statuses = await Promise.all(
        order.map(async ({ agent, key }) => {
          const response = await push(snapshot(node, [gpu(0, 1000)], { agent_id: agent }), { agent, key });
          await response.body?.cancel();
          return { agent, status: response.status };
        }),
      );
      const winners = statuses.filter((s) => s.status === 202);
      if (winners.length !== 1 || statuses.some((s) => s.status !== 202 && s.status !== 409)) {
        bothOrNeither++;
        return;
      }
      if ((await store().read(node))?.agent_id !== winners[0]!.agent) wrongOwners++;
    });
    expect({ wrongOwners, bothOrNeither }).toEqual({ wrongOwners: 0, bothOrNeither: 0 });
  }, TRIALS ? 7_200_000 : 600_000);
});

describe(`${PUSHES} pushes of one node in random order at once`, () => {
  it(`KV never ends below the highest sequence number, and every replay is refused (${SEQ_TRIALS} trials)`, async () => {
    let backwards = 0;
    let replaysAccepted = 0;
    await trials(Math.ceil(SEQ_TRIALS / 4), async (batch) => {
      // Four trials per batch slot: 50 concurrent pushes each is already plenty of concurrency.
      for (let t = batch * 4; t < Math.min(SEQ_TRIALS, batch * 4 + 4); t++) {
        const node = `race-seq-${RUN}-${t}`;
        const base = Date.now();
        const bodies = shuffled(Array.from({ length: PUSHES }, (_, k) => snapshot(node, [gpu(0, 1000 + k)], { agent_id: "race-a", seq: base + k + 1 })), t);
        await Promise.all(bodies.map(async (body) => (await push(body, { agent: "race-a", key: "race-a-agent-key-0001" })).body?.cancel()));
        const stored = await store().read(node);
        if (stored?.seq !== base + PUSHES || stored.gpus[0]!.memory_free_mb !== 1000 + PUSHES - 1) backwards++;
        const replay = await push(bodies[t % PUSHES]!, { agent: "race-a", key: "race-a-agent-key-0001" });
        await replay.body?.cancel();
        if (replay.status !== 409) replaysAccepted++;
      }
    });
    expect({ backwards, replaysAccepted }).toEqual({ backwards: 0, replaysAccepted: 0 });
  }, TRIALS ? 7_200_000 : 600_000);
});
