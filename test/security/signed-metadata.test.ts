/**
 * Finding 1 (keyless node hijack): a raw nvidia-smi upload's X-Node-Name, X-Node-Endpoint,
 * X-Models and X-Query-Fields are inside the signed string, so one captured push replayed with
 * other metadata is refused (401) and creates, moves or changes nothing; the genuine agent's next
 * push is still accepted. Through the real worker and KV.
 */
import { env, SELF } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { FIXTURES } from "../fixtures/nvidia-smi";
import { expectProblem } from "../support/http";
import { gpu, push, snapshot, TEST_AGENT, TEST_KEYS } from "../support/telemetry";
import { signatureHeaders } from "../../src/telemetry/signature";
import { NODE_PREFIX, TelemetryStore } from "../../src/telemetry/store";

const CSV = FIXTURES["h200-driver580/csv/idle-core-header-units.csv"]!;
const store = () => new TelemetryStore(env.ROUTER_KV);

async function nodeKeys(prefix: string): Promise<string[]> {
  const page = await env.ROUTER_KV.list({ prefix: `${NODE_PREFIX}${prefix}` });
  return page.keys.map((k) => k.name.slice(NODE_PREFIX.length)).sort();
}

const send = (headers: Record<string, string>, body: string) =>
  SELF.fetch("http://router/v1/telemetry", { method: "POST", headers: { "content-type": "text/csv", ...headers }, body });

describe("a captured raw upload replayed with other metadata", () => {
  const timestamp = Math.floor(Date.now() / 1000) - 10;
  let captured: Record<string, string> = {};

  beforeAll(async () => {
    captured = await signatureHeaders(TEST_AGENT, TEST_KEYS[0], CSV, timestamp, {
      "x-node-name": "sec-victim",
      "x-node-endpoint": "http://10.0.0.5:8000",
      "x-models": "qwen2.5-7b-instruct",
    });
    const first = await send(captured, CSV);
    expect(first.status, await first.text()).toBe(202);
  });

  // What the attacker does with the capture: the same signature, timestamp and body, other metadata.
  const replays: Array<[string, (h: Record<string, string>) => void]> = [
    ["a new endpoint (prompts to the attacker)", (h) => (h["x-node-endpoint"] = "http://203.0.113.9:8000")],
    ["the endpoint dropped", (h) => delete h["x-node-endpoint"]],
    ["other models (traffic pulled to the node)", (h) => (h["x-models"] = "llama-3.1-70b-instruct")],
    ["a query-field list added", (h) => (h["x-query-fields"] = "index,memory.total,memory.free")],
    ...[1, 2, 3, 4, 5].map((i): [string, (h: Record<string, string>) => void] => [`a new node name #${i}`, (h) => (h["x-node-name"] = `sec-clone-${i}`)]),
  ];

  for (const [what, change] of replays) {
    it(`401 for ${what}`, async () => {
      const headers = { ...captured };
      change(headers);
      const problem = await expectProblem(await send(headers, CSV), 401);
      expect(problem.errors[0]!.path).toBe("header.x-signature");
    });
  }

  it("left the node as the genuine push stored it and created no other node", async () => {
    const stored = await store().read("sec-victim");
    expect(stored).toMatchObject({ endpoint: "http://10.0.0.5:8000", models: ["qwen2.5-7b-instruct"], seq: timestamp * 1000 });
    expect(await nodeKeys("sec-clone")).toEqual([]);
  });

  it("still accepts the genuine agent's next push", async () => {
    const next = await push(CSV, { contentType: "text/csv", timestamp: timestamp + 5, headers: { "x-node-name": "sec-victim", "x-node-endpoint": "http://10.0.0.5:8000" } });
    expect(next.status).toBe(202);
    expect((await store().read("sec-victim"))!.seq).toBe((timestamp + 5) * 1000);
  });
});

describe("JSON snapshots", () => {
  it("400 for metadata headers beside a JSON body (node, endpoint and models belong in the signed body)", async () => {
    const body = snapshot("sec-json", [gpu(0, 1000)]);
    const problem = await expectProblem(await push(body, { headers: { "x-node-endpoint": "http://10.0.0.9:8000" } }), 400);
    expect(problem.errors).toEqual([{ path: "header.x-node-endpoint", message: expect.stringMatching(/JSON body/) }]);
    expect(await store().read("sec-json")).toBeNull();
  });

  it("401 for the old signed form '<timestamp>.<body>'", async () => {
    const body = JSON.stringify(snapshot("sec-oldform", [gpu(0, 1000)]));
    const ts = String(Math.floor(Date.now() / 1000));
    const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(TEST_KEYS[0]), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
    const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(`${ts}.${body}`)));
    const signature = Array.from(mac, (b) => b.toString(16).padStart(2, "0")).join("");
    const response = await SELF.fetch("http://router/v1/telemetry", {
      method: "POST",
      headers: { "content-type": "application/json", "x-agent-id": TEST_AGENT, "x-timestamp": ts, "x-signature": signature },
      body,
    });
    await expectProblem(response, 401);
    expect(await store().read("sec-oldform")).toBeNull();
  });
});
