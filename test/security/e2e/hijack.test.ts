/**
 * Findings 1 and 2 reproduced end to end, as the report tried them against `wrangler dev`: one
 * captured raw push replayed with the attacker's endpoint (and five new node names), then client
 * chat requests; and node endpoints aimed at the router itself or a metadata address. Real
 * servers on 127.0.0.1 play the genuine node and the attacker and record what reaches them.
 * Also that each node receives its own NODE_TOKENS token, never another node's.
 */
import { readFileSync, mkdtempSync, rmSync, existsSync } from "node:fs";
import { execFile } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startWrangler, type DevServer } from "../../../bench/servers";
import { signatureHeaders } from "../../../src/telemetry/signature";
import type { FleetView } from "../../../src/telemetry/schema";
import { FIXTURE_DIR, REPO_ROOT, eventually } from "../../node/agent-support";
import { completion, startUpstream, type Upstream } from "../../node/gateway-support";

const exec = promisify(execFile);
const AGENT = "sec-agent";
const KEY = "sec-agent-test-key-0001";
const TOKENS = { "sec-victim": "victim-node-token-0001", "sec-other": "other-node-token-00001" };
const CSV = readFileSync(join(FIXTURE_DIR, "h200-driver580/csv/idle-core-header-units.csv"), "utf8");
const MODEL = "qwen2.5-7b-instruct";

let router: DevServer | null = null;
let persist = "";
let genuine: Upstream;
let other: Upstream;
let attacker: Upstream;

function rawPush(headers: Record<string, string>): Promise<Response> {
  return fetch(`${router!.url}/v1/telemetry`, { method: "POST", headers: { "content-type": "text/csv", ...headers }, body: CSV });
}

async function fleetNodes(): Promise<string[]> {
  const view = (await (await fetch(`${router!.url}/v1/fleet`)).json()) as FleetView;
  return view.nodes.map((n) => n.node).sort();
}

const chat = () =>
  fetch(`${router!.url}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ model: MODEL, messages: [{ role: "user", content: "my private prompt" }] }),
  });

beforeAll(async () => {
  if (!existsSync(join(REPO_ROOT, "build/kernel.wasm"))) await exec("npm", ["run", "--silent", "build:kernel"], { cwd: REPO_ROOT, timeout: 120_000 });
  const answer = (name: string) => startUpstream((request, response) => {
    response.writeHead(200, { "content-type": "application/json" });
    response.end(completion(request.body["model"], `from ${name}`));
  });
  [genuine, other, attacker] = await Promise.all([answer("genuine"), answer("other"), answer("attacker")]);
  persist = mkdtempSync(join(tmpdir(), "security-e2e-"));
  router = await startWrangler("wrangler.toml", [
    "--persist-to", persist,
    "--var", `AGENT_KEYS:${JSON.stringify({ [AGENT]: [KEY] })}`,
    "--var", `NODE_TOKENS:${JSON.stringify(TOKENS)}`,
    "--var", "NODE_TOKEN:fleet-wide-token-never-sent",
  ]);
}, 180_000);

afterAll(async () => {
  await router?.stop();
  await Promise.all([genuine, other, attacker].map((u) => u?.close()));
  if (persist) rmSync(persist, { recursive: true, force: true });
});

describe("finding 1: a captured raw push replayed with new headers", () => {
  it("is refused, creates no node, and leaves every chat request on the genuine node with its own token", async () => {
    const timestamp = Math.floor(Date.now() / 1000);
    const captured = await signatureHeaders(AGENT, KEY, CSV, timestamp, { "x-node-name": "sec-victim", "x-node-endpoint": genuine.url, "x-models": MODEL });
    expect((await rawPush(captured)).status).toBe(202);
    const otherHeaders = await signatureHeaders(AGENT, KEY, CSV, timestamp, { "x-node-name": "sec-other", "x-node-endpoint": other.url });
    expect((await rawPush(otherHeaders)).status).toBe(202);

    expect((await rawPush({ ...captured, "x-node-endpoint": attacker.url })).status).toBe(401);
    for (let i = 1; i <= 5; i++) expect((await rawPush({ ...captured, "x-node-name": `sec-clone-${i}`, "x-node-endpoint": attacker.url })).status).toBe(401);
    expect(await eventually(async () => ((await fleetNodes()).length === 2 ? fleetNodes() : null), 10_000, "two nodes")).toEqual(["sec-other", "sec-victim"]);

    for (let i = 0; i < 6; i++) {
      const response = await chat();
      expect(response.status).toBe(200);
      expect(response.headers.get("x-router-node")).toBe("sec-victim");
      await response.text();
    }
    expect(attacker.received).toHaveLength(0);
    expect(genuine.received).toHaveLength(6);
    for (const seen of genuine.received) expect(seen.headers["authorization"]).toBe(`Bearer ${TOKENS["sec-victim"]}`);

    // The genuine agent's next push is not mistaken for a replay.
    const next = await signatureHeaders(AGENT, KEY, CSV, timestamp + 1, { "x-node-name": "sec-victim", "x-node-endpoint": genuine.url, "x-models": MODEL });
    expect((await rawPush(next)).status).toBe(202);
  });
});

describe("finding 2: endpoints that point the router at itself or at metadata", () => {
  it("400 naming the endpoint; nothing reaches the router's internals", async () => {
    const timestamp = Math.floor(Date.now() / 1000);
    for (const endpoint of [`${router!.url}/internal/admin?x=`, router!.url, "http://169.254.169.254/latest/meta-data", "http://[::ffff:a9fe:a9fe]", "http://0xa9fea9fe"]) {
      const headers = await signatureHeaders(AGENT, KEY, CSV, timestamp, { "x-node-name": "sec-ssrf", "x-node-endpoint": endpoint });
      const response = await rawPush(headers);
      expect(response.status, endpoint).toBe(400);
      expect(((await response.json()) as { errors: Array<{ path: string }> }).errors[0]!.path).toBe("header.x-node-endpoint");
    }
    expect(await fleetNodes()).not.toContain("sec-ssrf");
  });
});
