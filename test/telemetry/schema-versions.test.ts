/**
 * Upgrades without downtime: the worker reads the snapshot format of the previous agent release
 * (schema 1, test/fixtures/snapshots/schema-1.json, captured from that agent) as well as today's
 * (schema 2, with agent_version), stores an old agent's snapshot exactly in its own format (so a
 * rolled-back worker still reads it), refuses a format newer than it knows with a 400 that says
 * to upgrade the router first, and shows each node's agent version in GET /v1/fleet. The registry
 * carries its schema version the same way.
 */
import { env, SELF } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import schemaOne from "../fixtures/snapshots/schema-1.json";
import { expectProblem, ADMIN, putJson } from "../support/http";
import { clearFleet, gpu, push, pushOk, snapshot } from "../support/telemetry";
import { model, registry } from "../support/builders";
import { SNAPSHOT_SCHEMA_VERSION, type SnapshotInput } from "../../src/telemetry/snapshot";
import { NODE_PREFIX } from "../../src/telemetry/store";
import type { FleetView } from "../../src/telemetry/schema";
import { REGISTRY_SCHEMA_VERSION, type Registry } from "../../src/registry/schema";

const fleet = async (): Promise<FleetView> => (await (await SELF.fetch("http://router/v1/fleet")).json()) as FleetView;
const fleetNode = async (node: string) => (await fleet()).nodes.find((n) => n.node === node);

/** The previous release's snapshot, re-dated so it is fresh and its seq is new. */
function previousFormat(node: string): SnapshotInput {
  const now = Date.now();
  return { ...(schemaOne as SnapshotInput), node, endpoint: `http://${node}.test:8000`, seq: now, taken_at: new Date(now).toISOString() };
}

beforeAll(() => clearFleet(env.ROUTER_KV));

describe("snapshot schema versions", () => {
  it("the fixture is the previous format: no schema_version, no agent_version", () => {
    expect(Object.keys(schemaOne)).not.toContain("schema_version");
    expect(Object.keys(schemaOne)).not.toContain("agent_version");
  });

  it("accepts a snapshot in the previous agent's format, stores it as it came, and lists the node with an unknown agent version", async () => {
    const body = previousFormat("schema-one");
    const response = await push(body);
    expect(response.status).toBe(202);
    const { value, metadata } = await env.ROUTER_KV.getWithMetadata<Record<string, unknown>>(`${NODE_PREFIX}schema-one`, "json");
    // Nothing new written: the previous worker release reads this key as it always did.
    expect(value).not.toHaveProperty("schema_version");
    expect(value).not.toHaveProperty("agent_version");
    expect(metadata).not.toHaveProperty("a");
    const node = await fleetNode("schema-one");
    expect(node).toMatchObject({ node: "schema-one", agent_version: null, models: ["llama-3.1-8b-instruct"] });
    expect(node!.gpus[0]).toMatchObject({ name: "NVIDIA H200", memory_free_mb: 143156 });
  });

  it("accepts today's format and shows the agent version in GET /v1/fleet", async () => {
    await pushOk(snapshot("schema-two", [gpu(0, 40000)], { schema_version: SNAPSHOT_SCHEMA_VERSION, agent_version: "0.2.0" }));
    const { metadata } = await env.ROUTER_KV.getWithMetadata(`${NODE_PREFIX}schema-two`);
    expect(metadata).toMatchObject({ a: "0.2.0" });
    expect(await fleetNode("schema-two")).toMatchObject({ agent_version: "0.2.0" });
  });

  it("keeps the agent version of a node too big for KV metadata (read from its value)", async () => {
    const gpus = Array.from({ length: 16 }, (_, i) => gpu(i, 1000 + i, { uuid: `GPU-${"f".repeat(36)}-${i}`, name: `Very Long GPU Model Name Number ${i}` }));
    await pushOk(snapshot("schema-two-big", gpus, { schema_version: 2, agent_version: "0.2.0-rc.1+abc123", models: ["llama-3.1-8b-instruct"] }));
    const { metadata } = await env.ROUTER_KV.getWithMetadata(`${NODE_PREFIX}schema-two-big`);
    expect(metadata).toMatchObject({ x: 1 });
    expect(await fleetNode("schema-two-big")).toMatchObject({ agent_version: "0.2.0-rc.1+abc123" });
  });

  it("refuses a newer format than it reads with a 400 that says to upgrade the router first, and stores nothing", async () => {
    const body = await expectProblem(await push(snapshot("schema-future", [gpu(0, 1000)], { schema_version: SNAPSHOT_SCHEMA_VERSION + 1, agent_version: "9.0.0" })), 400);
    expect(body.errors).toContainEqual({ path: "schema_version", message: expect.stringMatching(/upgrade the router before its agents/) });
    expect(await env.ROUTER_KV.get(`${NODE_PREFIX}schema-future`)).toBeNull();
  });

  it("refuses schema 0, a fractional schema and a malformed agent version, naming the field", async () => {
    for (const [patch, path] of [
      [{ schema_version: 0 }, "schema_version"],
      [{ schema_version: 1.5 }, "schema_version"],
      [{ schema_version: "2" }, "schema_version"],
      [{ agent_version: "0.2.0 beta" }, "agent_version"],
      [{ agent_version: "" }, "agent_version"],
      [{ agent_version: "v".repeat(65) }, "agent_version"],
    ] as const) {
      const body = await expectProblem(await push(snapshot("schema-bad", [gpu(0, 1000)], patch as object)), 400);
      expect(body.errors.map((e) => e.path)).toContain(path);
    }
    expect(await env.ROUTER_KV.get(`${NODE_PREFIX}schema-bad`)).toBeNull();
  });

  it("an agent that upgrades keeps its node: the next push in today's format replaces the old one", async () => {
    await pushOk(previousFormat("schema-upgrade"));
    expect(await fleetNode("schema-upgrade")).toMatchObject({ agent_version: null });
    await pushOk(snapshot("schema-upgrade", [gpu(0, 2000)], { schema_version: 2, agent_version: "0.2.0", seq: Date.now() + 1 }));
    expect(await fleetNode("schema-upgrade")).toMatchObject({ agent_version: "0.2.0" });
  });
});

describe("registry schema version", () => {
  const doc = () => {
    const { version: _version, schema_version: _schema, ...rest } = registry([model("schema-model", { categories: { code: { base_score: 10, confidence: 0 } } })]);
    return rest;
  };
  const current = async () => (await (await SELF.fetch("http://router/v1/registry")).json()) as Registry;

  it("the demo registry and a stored registry say which format they are", async () => {
    expect((await current()).schema_version).toBe(REGISTRY_SCHEMA_VERSION);
    expect((await putJson("/v1/registry", doc(), ADMIN)).status).toBe(200);
    expect((await current()).schema_version).toBe(REGISTRY_SCHEMA_VERSION);
  });

  it("refuses a registry of a newer format with a 400 naming schema_version", async () => {
    const body = await expectProblem(await putJson("/v1/registry", { ...doc(), schema_version: REGISTRY_SCHEMA_VERSION + 1 }, ADMIN), 400);
    expect(body.errors).toContainEqual({ path: "schema_version", message: expect.stringMatching(/upgrade the router first/) });
  });
});
