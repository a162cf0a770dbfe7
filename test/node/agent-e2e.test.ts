/**
 * End to end on 127.0.0.1: `wrangler dev` on free ports (its own inspector port and a fresh
 * persistence directory), the real agent CLI process pushing a capture with `once --from-file`,
 * and the GPU showing up in GET /v1/fleet and in a route decision's placement.
 */
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startWrangler, type DevServer } from "../../bench/servers";
import type { FleetView } from "../../src/telemetry/schema";
import type { Decision } from "../../src/routing/schema";
import { FIXTURE_DIR, REPO_ROOT, eventually, keyFile } from "./agent-support";

const exec = promisify(execFile);
// The demo agent of .dev.vars.example, also passed with --var: whichever source wrangler reads
// (a developer's .dev.vars, or none in CI), this agent and key are valid.
const DEMO_KEYS = readFileSync(join(REPO_ROOT, ".dev.vars.example"), "utf8").match(/^AGENT_KEYS='(.*)'$/m)![1]!;
const AGENT = "demo-agent";
const KEY = (JSON.parse(DEMO_KEYS) as Record<string, string[]>)[AGENT]![0]!;
const H200 = "GPU-2f250b0d-4f72-60e2-86e8-f494ff34e761";
// /v1/fleet shows node endpoints only to the admin (CLIENT_KEYS unset here): docs/security.md.
const ADMIN_TOKEN = "agent-e2e-admin-token";

let router: DevServer | null = null;
let base = "";
let persist = "";

beforeAll(async () => {
  if (!existsSync(join(REPO_ROOT, "build/kernel.wasm"))) await exec("npm", ["run", "--silent", "build:kernel"], { cwd: REPO_ROOT, timeout: 120_000 });
  // A fresh persistence directory: no node from an earlier run or from `npm start`.
  persist = mkdtempSync(join(tmpdir(), "agent-e2e-"));
  router = await startWrangler("wrangler.toml", ["--persist-to", persist, "--var", `AGENT_KEYS:${DEMO_KEYS}`, "--var", `ADMIN_TOKEN:${ADMIN_TOKEN}`]);
  base = router.url;
}, 150_000);

afterAll(async () => {
  await router?.stop();
  if (persist) rmSync(persist, { recursive: true, force: true });
});

describe("agent → wrangler dev → fleet → route", () => {
  it("a pushed capture appears in /v1/fleet and is where a route decision places the model", async () => {
    const { stdout } = await exec(
      process.execPath,
      ["--import", "tsx", "cli/agent/index.ts", "once", "--url", base, "--agent-id", AGENT, "--key-file", keyFile(KEY),
        "--from-file", join(FIXTURE_DIR, "h200-driver580/q_idle.xml"), "--node-name", "e2e-h200",
        "--node-endpoint", "http://127.0.0.1:8000", "--no-engines", "--models", "qwen2.5-7b-instruct"],
      { cwd: REPO_ROOT, timeout: 60_000 },
    );
    expect(stdout).toMatch(/push node=e2e-h200 seq=\d+ gpus=1 -> 202 accepted/);

    // The isolate caches the fleet for up to CACHE_TTL_MS (2 s): poll, do not sleep.
    const node = await eventually(async () => {
      const view = (await (await fetch(`${base}/v1/fleet`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).json()) as FleetView;
      return view.nodes.find((n) => n.node === "e2e-h200") ?? null;
    }, 20_000, "the node in /v1/fleet");
    expect(node).toMatchObject({ endpoint: "http://127.0.0.1:8000", stale: false, models: ["qwen2.5-7b-instruct"] });
    expect(node.gpus[0]).toMatchObject({ index: 0, uuid: H200, memory_free_mb: 143156, healthy: true, placeable: true, problems: [] });

    const response = await fetch(`${base}/v1/route`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ category: "general_chat", constraints: { allow_models: ["qwen2.5-7b-instruct"] } }),
    });
    expect(response.status).toBe(200);
    const decision = (await response.json()) as Decision;
    expect(decision.placement).toMatchObject({ node: "e2e-h200", gpu_index: 0, gpu_uuid: H200, free_memory_mb: 143156, endpoint: "http://127.0.0.1:8000", serves_model: true, stale: false });
  });

  it("a push signed with the wrong key is refused (401), so `once` exits 1", async () => {
    const args = ["--import", "tsx", "cli/agent/index.ts", "once", "--url", base, "--agent-id", AGENT, "--key-file", keyFile("wrong-key-for-demo-agent-0"),
      "--from-file", join(FIXTURE_DIR, "h200-driver580/q_idle.xml"), "--node-name", "e2e-h200"];
    const failed = await exec(process.execPath, args, { cwd: REPO_ROOT, timeout: 60_000 }).then(() => null, (error: { code: number; stderr: string }) => error);
    expect(failed?.code).toBe(1);
    expect(failed?.stderr).toMatch(/-> 401 signature does not match/);
  });
});
