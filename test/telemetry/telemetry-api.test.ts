/**
 * POST /v1/telemetry through the real runtime and real KV: what is accepted, and every rejection
 * path (401 signature/skew, 409 replay/older/foreign node, 413, 400 naming the field, 415), with
 * the stored state unchanged after each rejection.
 */
import { env, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { FIXTURES } from "../fixtures/nvidia-smi";
import { expectProblem } from "../support/http";
import { gpu, OTHER_AGENT, OTHER_KEY, push, pushOk, snapshot, TEST_KEYS } from "../support/telemetry";
import { NODE_PREFIX, TelemetryStore } from "../../src/telemetry/store";
import { sign } from "../../src/telemetry/signature";

const store = () => new TelemetryStore(env.ROUTER_KV);
const storedSeq = async (node: string) => (await store().read(node))?.seq ?? null;

describe("accepted pushes", () => {
  it("stores a JSON snapshot under the node's key with compact metadata and answers 202", async () => {
    const body = snapshot("accept-json", [gpu(0, 70000), gpu(1, 30000)], { models: ["qwen2.5-7b-instruct"] });
    const response = await push(body);
    expect(response.status).toBe(202);
    expect(await response.json()).toEqual({ accepted: true, node: "accept-json", seq: body.seq, gpus: 2, taken_at: body.taken_at, engine_models: null });
    const { value, metadata } = await env.ROUTER_KV.getWithMetadata(`${NODE_PREFIX}accept-json`, "json");
    expect(value).toMatchObject({ node: "accept-json", seq: body.seq, agent_id: "test-agent" });
    expect(metadata).toMatchObject({ v: 1, s: body.seq, e: "http://accept-json.test:8000", m: ["qwen2.5-7b-instruct"] });
  });

  it("accepts the agent's second key (rotation)", async () => {
    expect((await push(snapshot("accept-rotated", [gpu(0, 1000)]), { key: TEST_KEYS[1] })).status).toBe(202);
  });

  it("accepts newer snapshots of the same node", async () => {
    const first = snapshot("accept-newer", [gpu(0, 1000)]);
    await pushOk(first);
    const second = snapshot("accept-newer", [gpu(0, 2000)]);
    await pushOk(second);
    expect(await storedSeq("accept-newer")).toBe(second.seq);
  });

  it("parses raw CSV at the edge, with the node named in headers and seq from the signed timestamp", async () => {
    const timestamp = Math.floor(Date.now() / 1000);
    const response = await push(FIXTURES["h200-driver580/csv/load-extended-header-units.csv"]!, {
      contentType: "text/csv",
      timestamp,
      headers: { "x-node-name": "raw-csv", "x-node-endpoint": "http://raw-csv:8000", "x-models": "qwen2.5-7b-instruct, llama-3.1-8b-instruct" },
    });
    expect(response.status).toBe(202);
    const stored = await store().read("raw-csv");
    expect(stored).toMatchObject({ seq: timestamp * 1000, endpoint: "http://raw-csv:8000", models: ["qwen2.5-7b-instruct", "llama-3.1-8b-instruct"] });
    expect(stored!.gpus[0]).toMatchObject({ memory_free_mb: 113534, utilization_gpu_pct: 100 });
  });

  it("parses raw noheader CSV with X-Query-Fields, and raw XML", async () => {
    const fields = FIXTURES["h200-driver580/csv/fields-core.txt"]!.trim();
    const csv = await push(FIXTURES["h200-driver580/csv/idle-core-noheader-nounits.csv"]!, {
      contentType: "text/csv",
      headers: { "x-node-name": "raw-bare", "x-query-fields": fields },
    });
    expect(csv.status).toBe(202);
    expect((await store().read("raw-bare"))!.gpus[0]!.memory_free_mb).toBe(143156);
    const xml = await push(FIXTURES["public/telegraf/dual_a5000-v13.xml"]!, { contentType: "application/xml", headers: { "x-node-name": "raw-xml" } });
    expect(xml.status).toBe(202);
    expect((await store().read("raw-xml"))!.gpus.map((g) => g.memory_free_mb)).toEqual([1678, 6862]);
  });
});

describe("401: signature and clock", () => {
  const body = () => snapshot("auth-node", [gpu(0, 1000)]);

  for (const header of ["x-agent-id", "x-timestamp", "x-signature"]) {
    it(`rejects a push without ${header}`, async () => {
      const text = JSON.stringify(body());
      const timestamp = String(Math.floor(Date.now() / 1000));
      const headers: Record<string, string> = {
        "content-type": "application/json",
        "x-agent-id": "test-agent",
        "x-timestamp": timestamp,
        "x-signature": await sign(TEST_KEYS[0], timestamp, text),
      };
      delete headers[header];
      const response = await SELF.fetch("http://router/v1/telemetry", { method: "POST", headers, body: text });
      const problem = await expectProblem(response, 401);
      expect(problem.errors[0]!.path).toBe(`header.${header}`);
    });
  }

  it("rejects a wrong signature, a signature under another agent's key, and an unknown agent", async () => {
    const wrong = await expectProblem(await push(body(), { key: "not-the-key-at-all" }), 401);
    expect(wrong.errors[0]!.path).toBe("header.x-signature");
    expect((await expectProblem(await push(body(), { key: OTHER_KEY }), 401)).errors[0]!.path).toBe("header.x-signature");
    expect((await expectProblem(await push(body(), { agent: "nobody" }), 401)).errors[0]!.path).toBe("header.x-agent-id");
  });

  it("rejects a body changed after signing", async () => {
    const text = JSON.stringify(body());
    const timestamp = String(Math.floor(Date.now() / 1000));
    const signature = await sign(TEST_KEYS[0], timestamp, text);
    const tampered = text.replace('"memory_free_mb":1000', '"memory_free_mb":9000');
    expect(tampered).not.toBe(text);
    const response = await SELF.fetch("http://router/v1/telemetry", {
      method: "POST",
      headers: { "content-type": "application/json", "x-agent-id": "test-agent", "x-timestamp": timestamp, "x-signature": signature },
      body: tampered,
    });
    await expectProblem(response, 401);
  });

  it("rejects clock skew over 5 minutes either way, and a non-numeric timestamp", async () => {
    const now = Math.floor(Date.now() / 1000);
    for (const timestamp of [now - 330, now + 330]) {
      const problem = await expectProblem(await push(body(), { timestamp }), 401);
      expect(problem.errors[0]!.path).toBe("header.x-timestamp");
    }
    expect((await push(body(), { timestamp: now - 240 })).status).toBe(202);
    const text = JSON.stringify(body());
    const response = await SELF.fetch("http://router/v1/telemetry", {
      method: "POST",
      headers: { "content-type": "application/json", "x-agent-id": "test-agent", "x-timestamp": "soon", "x-signature": await sign(TEST_KEYS[0], "soon", text) },
      body: text,
    });
    expect((await expectProblem(response, 401)).errors[0]!.path).toBe("header.x-timestamp");
  });
});

describe("409: replays, older snapshots, foreign nodes", () => {
  it("rejects the same request sent twice and leaves the stored snapshot alone", async () => {
    const body = snapshot("replay-node", [gpu(0, 5000)]);
    const timestamp = Math.floor(Date.now() / 1000);
    expect((await push(body, { timestamp })).status).toBe(202);
    const problem = await expectProblem(await push(body, { timestamp }), 409);
    expect(problem.errors[0]!.path).toBe("seq");
    expect(problem.detail).toMatch(/replayed/);
    expect(await storedSeq("replay-node")).toBe(body.seq);
  });

  it("rejects an older sequence number", async () => {
    const older = snapshot("older-node", [gpu(0, 1)]);
    const newer = snapshot("older-node", [gpu(0, 2)]);
    await pushOk(newer);
    const problem = await expectProblem(await push(older), 409);
    expect(problem.detail).toMatch(/older/);
    expect((await store().read("older-node"))!.gpus[0]!.memory_free_mb).toBe(2);
  });

  it("rejects a replayed raw upload (its seq is the signed timestamp)", async () => {
    const options = { contentType: "text/csv", timestamp: Math.floor(Date.now() / 1000), headers: { "x-node-name": "raw-replay" } };
    const csv = FIXTURES["h200-driver580/csv/idle-core-header-units.csv"]!;
    expect((await push(csv, options)).status).toBe(202);
    await expectProblem(await push(csv, options), 409);
  });

  it("rejects another agent's push for a node it does not own", async () => {
    await pushOk(snapshot("owned-node", [gpu(0, 1)]));
    const problem = await expectProblem(await push(snapshot("owned-node", [gpu(0, 9)], { agent_id: OTHER_AGENT }), { agent: OTHER_AGENT, key: OTHER_KEY }), 409);
    expect(problem.errors[0]!.path).toBe("node");
    expect((await store().read("owned-node"))!.agent_id).toBe("test-agent");
  });
});

describe("413, 415 and 400", () => {
  it("rejects a body over 256 KiB before anything else", async () => {
    const big = snapshot("big-node", [gpu(0, 1, { name: "x".repeat(100) })], { driver_version: "y".repeat(300 * 1024) });
    const problem = await expectProblem(await push(big), 413);
    expect(problem.errors[0]!.path).toBe("body");
    expect(await store().read("big-node")).toBeNull();
  });

  it("rejects a signed body in an unsupported media type", async () => {
    await expectProblem(await push("hello", { contentType: "application/octet-stream" }), 415);
  });

  it("names each invalid snapshot field", async () => {
    const bad = snapshot("bad-node", [gpu(0, -5), gpu(0, 10)], { endpoint: "ftp://x", seq: -1 });
    const problem = await expectProblem(await push(bad), 400);
    const paths = problem.errors.map((e) => e.path);
    expect(paths).toEqual(expect.arrayContaining(["gpus.0.memory_free_mb", "gpus", "endpoint", "seq"]));
    expect(await store().read("bad-node")).toBeNull();
  });

  it("rejects unknown fields, malformed JSON, a foreign agent_id and a snapshot from the future", async () => {
    expect((await expectProblem(await push({ ...snapshot("x-node", [gpu(0, 1)]), extra: 1 }), 400)).errors[0]!.path).toBe("extra");
    expect((await expectProblem(await push("{not json"), 400)).errors[0]!.path).toBe("body");
    expect((await expectProblem(await push(snapshot("x-node", [gpu(0, 1)], { agent_id: "other-agent" })), 400)).errors[0]!.path).toBe("agent_id");
    const future = snapshot("x-node", [gpu(0, 1)], { taken_at: new Date(Date.now() + 3_600_000).toISOString() });
    expect((await expectProblem(await push(future), 400)).errors[0]!.path).toBe("taken_at");
    expect(await store().read("x-node")).toBeNull();
  });

  it("rejects raw text without X-Node-Name, and garbage naming the line", async () => {
    const csv = FIXTURES["h200-driver580/csv/idle-core-header-units.csv"]!;
    expect((await expectProblem(await push(csv, { contentType: "text/csv" }), 400)).errors[0]!.path).toBe("header.x-node-name");
    const garbage = await expectProblem(await push("index, memory.free [MiB]\n0, lots\n", { contentType: "text/plain", headers: { "x-node-name": "garbage" } }), 400);
    expect(garbage.errors[0]!.path).toBe("body.line 2 memory.free");
    const cut = await expectProblem(await push(FIXTURES["h200-driver580/q_idle.xml"]!.slice(0, 5000), { contentType: "application/xml", headers: { "x-node-name": "garbage" } }), 400);
    expect(cut.errors[0]!.path).toMatch(/^body\.line \d+$/);
    const badName = await expectProblem(await push(csv, { contentType: "text/csv", headers: { "x-node-name": "no spaces allowed" } }), 400);
    expect(badName.errors[0]!.path).toBe("header.x-node-name");
    expect(await store().read("garbage")).toBeNull();
  });
});
