/**
 * Replica failover and the shared breakers end to end: two `wrangler dev` processes on the same
 * persistence directory (so the same KV and the same breakers Durable Object, as two isolates of
 * one location would), stand-in nodes on 127.0.0.1 that each serve a model also served elsewhere,
 * and the real agent CLI pushing them. Every model's footprint fits only where it is served, so a
 * model's replicas are exactly the nodes listed for it below.
 *
 *   pair   twin on fo-good and fo-bad (500s); other (lower score) on fo-spare: replicas before alternatives
 *   duo    on fo-spare and fo-busy (429, Retry-After 30): busy nodes are moved past, then skipped
 *   crowd  on fo-limit (429, Retry-After 5) and fo-full (503, Retry-After as an HTTP-date 20 s ahead): all busy
 *   doomed on fo-down1 and fo-down2 (500s): all failed
 *
 * Tests run in file order: the first ones open fo-bad's breakers, which the second router relies on.
 */
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import type { ServerResponse } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startWrangler, type DevServer } from "../../bench/servers";
import type { Model, Registry } from "../../src/registry/schema";
import type { FleetView } from "../../src/telemetry/schema";
import { model, registry } from "../support/builders";
import { FIXTURE_DIR, REPO_ROOT, eventually, keyFile } from "./agent-support";
import { completion, startUpstream, type Received, type Upstream } from "./gateway-support";

const exec = promisify(execFile);
const AGENT = "fo-agent";
const AGENT_KEY = "fo-agent-test-key-0001";
const ADMIN_TOKEN = "fo-admin-test-token";
const MESSAGES = [{ role: "user", content: "Say hi" }];

const ok = (request: Received, response: ServerResponse) => {
  response.writeHead(200, { "content-type": "application/json" });
  response.end(completion(request.body["model"], "Hi"));
};
const failing = (_request: Received, response: ServerResponse) => {
  response.writeHead(500, { "content-type": "application/json" });
  response.end(JSON.stringify({ error: "CUDA error on 10.9.8.7" }));
};
const limited = (seconds: number) => (_request: Received, response: ServerResponse) => {
  response.writeHead(429, { "content-type": "application/json", "retry-after": String(seconds), "x-ratelimit-remaining-requests": "0" });
  response.end(JSON.stringify({ error: { message: "Rate limit reached", type: "requests", param: null, code: "rate_limit_exceeded" } }));
};
const full = (_request: Received, response: ServerResponse) => {
  response.writeHead(503, { "content-type": "application/json", "retry-after": new Date(Date.now() + 20_000).toUTCString() });
  response.end(JSON.stringify({ error: "queue full on 10.9.8.7" }));
};

const BEHAVIOURS = { good: ok, bad: failing, spare: ok, busy: limited(30), limit: limited(5), full, down1: failing, down2: failing };
type Name = keyof typeof BEHAVIOURS;
const SERVES: Record<Name, string[]> = {
  good: ["twin"], bad: ["twin"], spare: ["other", "duo"], busy: ["duo"], limit: ["crowd"], full: ["crowd"], down1: ["doomed"], down2: ["doomed"],
};

function foModel(id: string, category: string, score: number): Model {
  return model(id, {
    hf_repo: `test-org/${id}-hf`,
    memory_mb: { bf16: 142_000 },
    default_precision: "bf16",
    categories: { [category]: { base_score: score, confidence: 1 } },
  });
}

function foRegistry(): Registry {
  const base = registry([]);
  return {
    ...base,
    config: { ...base.config, gpu: { ...base.config.gpu, memory_headroom_mb: 2000, request_load_pct: 0, stale_after_s: 3600 }, canary: { enabled: false } },
    categories: ["pair", "busy", "crowd", "doomed"].map((id) => ({ id, parent: null, description: id, benchmarks: [] })),
    models: [foModel("twin", "pair", 40), foModel("other", "pair", 30), foModel("duo", "busy", 40), foModel("crowd", "crowd", 40), foModel("doomed", "doomed", 40)],
  };
}

let persist = "";
let a: DevServer | null = null;
let b: DevServer | null = null;
const up = {} as Record<Name, Upstream>;

function chat(router: DevServer, body: Record<string, unknown>): Promise<Response> {
  return fetch(`${router.url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
}

/**
 * Waits until `router`'s copy of the shared breakers is refreshed: a copy older than REFRESH_MS
 * (1 s) is refreshed after the next request (which still used the old copy; it goes to a model
 * that does not matter here), without the request waiting for it.
 */
async function refreshed(router: DevServer): Promise<void> {
  await new Promise((r) => setTimeout(r, 1100));
  await (await chat(router, { model: "auto:pair", messages: MESSAGES })).arrayBuffer();
  await new Promise((r) => setTimeout(r, 300));
}

/** A 200 from `node`, read to the end; returns x-router-attempts. */
async function servedBy(response: Response, node: string, model: string): Promise<number> {
  const text = await response.text();
  expect(response.status, text).toBe(200);
  expect(response.headers.get("x-router-node")).toBe(node);
  expect(response.headers.get("x-router-model")).toBe(model);
  expect(JSON.parse(text).model).toBe(`test-org/${model}-hf`);
  return Number(response.headers.get("x-router-attempts"));
}

beforeAll(async () => {
  if (!existsSync(join(REPO_ROOT, "build/kernel.wasm"))) await exec("npm", ["run", "--silent", "build:kernel"], { cwd: REPO_ROOT, timeout: 120_000 });
  for (const name of Object.keys(BEHAVIOURS) as Name[]) up[name] = await startUpstream(BEHAVIOURS[name]);
  persist = mkdtempSync(join(tmpdir(), "gateway-failover-"));
  const args = ["--persist-to", persist, "--var", `AGENT_KEYS:${JSON.stringify({ [AGENT]: [AGENT_KEY] })}`, "--var", `ADMIN_TOKEN:${ADMIN_TOKEN}`];
  a = await startWrangler("wrangler.toml", args);
  const put = await fetch(`${a.url}/v1/registry?canary=false`, {
    method: "PUT",
    headers: { "content-type": "application/json", authorization: `Bearer ${ADMIN_TOKEN}` },
    body: JSON.stringify(foRegistry()),
  });
  expect(put.status, await put.text()).toBe(200);
  await Promise.all(
    (Object.keys(SERVES) as Name[]).map((name) =>
      exec(
        process.execPath,
        ["--import", "tsx", "cli/agent/index.ts", "once", "--url", a!.url, "--agent-id", AGENT, "--key-file", keyFile(AGENT_KEY),
          "--from-file", join(FIXTURE_DIR, "h200-driver580/q_idle.xml"), "--node-name", `fo-${name}`, "--node-endpoint", up[name].url, "--no-engines", "--models", SERVES[name].join(",")],
        { cwd: REPO_ROOT, timeout: 60_000 },
      ),
    ),
  );
  await eventually(async () => {
    const view = (await (await fetch(`${a!.url}/v1/fleet`)).json()) as FleetView;
    return view.nodes.filter((n) => n.node.startsWith("fo-")).length === Object.keys(SERVES).length ? true : null;
  }, 20_000, "every failover stand-in in /v1/fleet");
}, 240_000);

afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
  await Promise.all(Object.values(up).map((u) => u.close()));
  if (persist) rmSync(persist, { recursive: true, force: true });
});

describe("replica failover", () => {
  it("a model-id request fails over to the model's other replica when one answers 500", async () => {
    const attempts: number[] = [];
    // The kernel spreads requests over both replicas; go on until the broken one was tried (twice, staying below 3 failures).
    for (let i = 0; i < 12 && up.bad.received.length < 2; i++) attempts.push(await servedBy(await chat(a!, { model: "twin", messages: MESSAGES }), "fo-good", "twin"));
    expect(up.bad.received.length).toBe(2);
    expect(attempts.filter((n) => n === 2)).toHaveLength(2);
    expect(attempts.every((n) => n === 1 || n === 2)).toBe(true);
    expect(up.bad.received.map((r) => r.body["model"])).toEqual(["test-org/twin-hf", "test-org/twin-hf"]);
  });

  it("auto: the chosen model's other replica comes before the alternatives; the third failure opens the breaker and the node is left out", async () => {
    const spare = up.spare.received.length;
    for (let i = 0; i < 12 && up.bad.received.length < 3; i++) await servedBy(await chat(a!, { model: "auto:pair", messages: MESSAGES }), "fo-good", "twin");
    expect(up.bad.received.length).toBe(3);
    for (let i = 0; i < 4; i++) expect(await servedBy(await chat(a!, { model: "auto:pair", messages: MESSAGES }), "fo-good", "twin")).toBe(1);
    expect(up.bad.received.length).toBe(3);
    // The alternative on fo-spare was never needed.
    expect(up.spare.received.length).toBe(spare);
  });

  it("another router on the same state (the shared breakers object) never tries the dead node", async () => {
    b = await startWrangler("wrangler.toml", ["--persist-to", persist, "--var", `ADMIN_TOKEN:${ADMIN_TOKEN}`]);
    await eventually(async () => {
      const view = (await (await fetch(`${b!.url}/v1/fleet`)).json()) as FleetView;
      return view.nodes.filter((n) => n.node.startsWith("fo-")).length === Object.keys(SERVES).length ? true : null;
    }, 20_000, "the second router reads the same fleet");
    for (let i = 0; i < 6; i++) {
      expect(await servedBy(await chat(b!, { model: i % 2 === 0 ? "twin" : "auto:pair", messages: MESSAGES }), "fo-good", "twin")).toBe(1);
    }
    expect(up.bad.received.length).toBe(3);
  }, 120_000);
});

describe("busy nodes (429/503 with Retry-After)", () => {
  it("a 429 with Retry-After moves on to the other replica; the busy node is then skipped while busy, by both routers", async () => {
    let moved = 0;
    for (let i = 0; i < 12 && up.busy.received.length < 1; i++) moved = await servedBy(await chat(a!, { model: "duo", messages: MESSAGES }), "fo-spare", "duo");
    expect(up.busy.received.length).toBe(1);
    expect(moved).toBe(2);
    // The router that saw the 429 knows at once; the other once its copy of the shared state is refreshed.
    await refreshed(b!);
    for (const router of [a!, b!, a!, b!]) expect(await servedBy(await chat(router, { model: "duo", messages: MESSAGES }), "fo-spare", "duo")).toBe(1);
    expect(up.busy.received.length).toBe(1);
  });

  it("every replica busy: 503 with Retry-After = the shortest wait, naming each attempt; then 503 without trying them", async () => {
    const response = await chat(a!, { model: "crowd", messages: MESSAGES });
    expect(response.status).toBe(503);
    expect(response.headers.get("content-type")).toBe("application/problem+json");
    expect(response.headers.get("retry-after")).toBe("5");
    expect(response.headers.get("x-router-attempts")).toBe("2");
    const body = (await response.json()) as { title: string; errors: Array<{ path: string; message: string }>; error: { type: string; message: string } };
    expect(body.title).toBe("Upstreams busy");
    expect(body.errors.map((e) => e.message).sort()).toEqual([
      expect.stringMatching(/^fo-full \(crowd\): busy: answered 503, Retry-After (19|20)s$/),
      "fo-limit (crowd): busy: answered 429, Retry-After 5s",
    ]);
    expect(body.error.type).toBe("server_error");
    // The node's own words (its 503 body) never reach the client.
    expect(JSON.stringify(body)).not.toContain("10.9.8.7");
    expect(up.limit.received.length + up.full.received.length).toBe(2);

    await refreshed(b!);
    for (const router of [a!, b!]) {
      const again = await chat(router, { model: "crowd", messages: MESSAGES });
      expect(again.status).toBe(503);
      expect(again.headers.get("x-router-attempts")).toBe("0");
      expect(Number(again.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
      expect(Number(again.headers.get("retry-after"))).toBeLessThanOrEqual(5);
      const body = (await again.json()) as { title: string; errors: Array<{ message: string }> };
      expect(body.title).toBe("Upstreams unavailable");
      expect(body.errors.map((e) => e.message).sort()).toEqual([expect.stringMatching(/^fo-full: busy \(Retry-After\) for \d+s$/), expect.stringMatching(/^fo-limit: busy \(Retry-After\) for [1-5]s$/)]);
    }
    expect(up.limit.received.length + up.full.received.length).toBe(2);
  });

  it("every replica failed: 502 naming each attempt", async () => {
    const response = await chat(a!, { model: "doomed", messages: MESSAGES });
    expect(response.status).toBe(502);
    expect(response.headers.get("x-router-attempts")).toBe("2");
    const body = (await response.json()) as { errors: Array<{ path: string; message: string }>; error: { message: string } };
    expect(body.errors.map((e) => e.message).sort()).toEqual(["fo-down1 (doomed): upstream answered 500", "fo-down2 (doomed): upstream answered 500"]);
    expect(body.error.message).toMatch(/^2 attempt\(s\), none answered: fo-down[12] 500, fo-down[12] 500$/);
    expect(up.down1.received.length).toBe(1);
    expect(up.down2.received.length).toBe(1);
  });
});
