/**
 * Node ownership and the caps (findings 7, 8 and 10 of the security review), through the real
 * worker, KV and Durable Objects: a node belongs to the agent that claimed it (or that declares it
 * in AGENT_KEYS); an agent may hold at most its cap of nodes and a node at most MAX_GPUS_PER_NODE
 * GPUs, each refusal naming the cap; a sequence number far ahead of the signed clock is refused;
 * refusals leave no storage; the operator can release a node.
 */
import { env, listDurableObjectIds, SELF } from "cloudflare:test";
import { beforeEach, describe, expect, it } from "vitest";
import { ADMIN, expectProblem } from "../support/http";
import { clearFleet, gpu, OTHER_AGENT, OTHER_KEY, push, pushOk, snapshot } from "../support/telemetry";
import { TelemetryStore } from "../../src/telemetry/store";

const CAPPED = { agent: "capped-agent", key: "capped-agent-key-0001" };
const RACK = { agent: "rack-agent", key: "rack-agent-key-00001" };
const store = () => new TelemetryStore(env.ROUTER_KV);
const as = (who: { agent: string; key: string }, node: string, overrides = {}) =>
  push(snapshot(node, [gpu(0, 1000)], { agent_id: who.agent, ...overrides }), who);

beforeEach(() => clearFleet(env.ROUTER_KV), 60_000);

describe("ownership", () => {
  it("the first agent keeps a node; another agent gets 409 naming the owner", async () => {
    await pushOk(snapshot("own-a", [gpu(0, 1000)]));
    const problem = await expectProblem(await push(snapshot("own-a", [gpu(0, 9)], { agent_id: OTHER_AGENT }), { agent: OTHER_AGENT, key: OTHER_KEY }), 409);
    expect(problem.errors).toEqual([{ path: "node", message: expect.stringMatching(/owned by agent 'test-agent'/) }]);
    expect((await store().read("own-a"))!.agent_id).toBe("test-agent");
  });

  it("ownership outlives the KV key: deleting the key by hand does not hand the node to another agent", async () => {
    await pushOk(snapshot("own-b", [gpu(0, 1000)]));
    await env.ROUTER_KV.delete("telemetry:node:own-b");
    await expectProblem(await push(snapshot("own-b", [gpu(0, 9)], { agent_id: OTHER_AGENT }), { agent: OTHER_AGENT, key: OTHER_KEY }), 409);
  });

  it("DELETE /v1/fleet/nodes/{node} (admin) removes the node and releases it to any agent", async () => {
    await pushOk(snapshot("own-c", [gpu(0, 1000)]));
    expect((await SELF.fetch("http://router/v1/fleet/nodes/own-c", { method: "DELETE" })).status).toBe(401);
    const deleted = await SELF.fetch("http://router/v1/fleet/nodes/own-c", { method: "DELETE", headers: ADMIN });
    expect(await deleted.json()).toEqual({ node: "own-c", released: true });
    expect(await store().read("own-c")).toBeNull();
    expect((await push(snapshot("own-c", [gpu(0, 9)], { agent_id: OTHER_AGENT }), { agent: OTHER_AGENT, key: OTHER_KEY })).status).toBe(202);
    const unknown = await SELF.fetch("http://router/v1/fleet/nodes/never-was", { method: "DELETE", headers: ADMIN });
    expect(await unknown.json()).toEqual({ node: "never-was", released: false });
  });

  it("declared nodes: only their agent may push them, and it may push nothing else", async () => {
    expect((await as(RACK, "rack9-n1")).status).toBe(202);
    const outside = await expectProblem(await as(RACK, "other-n1"), 403);
    expect(outside.errors).toEqual([{ path: "node", message: expect.stringMatching(/declares its nodes in AGENT_KEYS/) }]);
    const foreign = await expectProblem(await push(snapshot("rack9-n2", [gpu(0, 1)]), {}), 403);
    expect(foreign.errors).toEqual([{ path: "node", message: "declared in AGENT_KEYS as another agent's node" }]);
    expect(await store().read("rack9-n2")).toBeNull();
  });
});

describe("caps", () => {
  it("403 naming the cap when an agent claims more nodes than it may hold; its own nodes still push", async () => {
    for (const node of ["cap-1", "cap-2", "cap-3"]) expect((await as(CAPPED, node)).status).toBe(202);
    const problem = await expectProblem(await as(CAPPED, "cap-4"), 403);
    expect(problem.errors).toEqual([{ path: "node", message: "at most 3 nodes per agent (MAX_NODES_PER_AGENT, or max_nodes in AGENT_KEYS)" }]);
    expect(await store().read("cap-4")).toBeNull();
    expect((await as(CAPPED, "cap-2")).status).toBe(202);
    // Releasing one frees a slot.
    await SELF.fetch("http://router/v1/fleet/nodes/cap-1", { method: "DELETE", headers: ADMIN });
    expect((await as(CAPPED, "cap-4")).status).toBe(202);
  });

  it("a refused claim leaves no Durable Object storage behind", async () => {
    for (const node of ["cap-s1", "cap-s2", "cap-s3"]) expect((await as(CAPPED, node)).status).toBe(202);
    const before = (await listDurableObjectIds(env.NODES)).length;
    for (let i = 0; i < 20; i++) expect((await as(CAPPED, `cap-refused-${i}`)).status).toBe(403);
    expect((await listDurableObjectIds(env.NODES)).length).toBe(before);
  });

  it("400 naming the cap for more GPUs than MAX_GPUS_PER_NODE (16)", async () => {
    const gpus = Array.from({ length: 17 }, (_, i) => gpu(i, 1000));
    const problem = await expectProblem(await push(snapshot("cap-gpus", gpus)), 400);
    expect(problem.errors).toEqual([{ path: "gpus", message: "at most 16 GPUs per node (MAX_GPUS_PER_NODE)" }]);
    expect((await push(snapshot("cap-gpus", gpus.slice(0, 16)))).status).toBe(202);
  });
});

describe("sequence numbers", () => {
  it("400 for a sequence number far ahead of the signed timestamp (2^53 - 1 used to lock a node out for a day)", async () => {
    const problem = await expectProblem(await push(snapshot("seq-lock", [gpu(0, 1)], { seq: Number.MAX_SAFE_INTEGER })), 400);
    expect(problem.errors[0]).toEqual({ path: "seq", message: expect.stringMatching(/^at most \d+: \(X-Timestamp \+ 300 s\) in milliseconds$/) });
    const ahead = await expectProblem(await push(snapshot("seq-lock", [gpu(0, 1)], { seq: Date.now() + 400_000 })), 400);
    expect(ahead.errors[0]!.path).toBe("seq");
    // Nothing was stored, so the genuine agent's clock-based seq is accepted.
    expect((await push(snapshot("seq-lock", [gpu(0, 1)], { seq: Date.now() }))).status).toBe(202);
    // Counters (small numbers) are fine.
    expect((await push(snapshot("seq-counter", [gpu(0, 1)], { seq: 1 }))).status).toBe(202);
  });
});
