/**
 * docs/deploy.md, run top to bottom against `wrangler dev --env staging`, everything but the
 * Cloudflare account steps: every ```sh block runs in bash, in order, with the guide's settings
 * replaced by local ones (ENV=staging, a temporary secrets directory, the router on 127.0.0.1).
 * Blocks marked `account` or `host` are skipped; at the `deploy` block the test starts
 * `wrangler dev --env staging` with the secrets the guide generated (as --var), in place of the
 * upload. Two stand-ins for what this machine lacks: an `nvidia-smi` on PATH that prints an H200's
 * real values, and the node's inference server (vLLM's /v1/models, /metrics and chat completions)
 * on 127.0.0.1. The agent is the bundle `npm run build:agent` made, copied alone into an empty
 * directory. The dry-run block gets `--config` of a filled-in wrangler.toml (scripts/deploy/fixture.ts)
 * in place of the operator's edits of steps 1 and 5.
 *
 * Also checks that the guide names the secrets the deploy script requires, and that every secret
 * docs/security.md and .dev.vars.example know is one the deploy script knows.
 */
import { execFile } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { parse as parseDotenv } from "dotenv";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startWrangler, type DevServer } from "../../bench/servers";
import { SECRETS } from "../../scripts/deploy/secrets";
import { writeFixture } from "../../scripts/deploy/fixture";
import demo from "../../src/registry/demo-registry.json";
import { REPO_ROOT } from "./agent-support";

const exec = promisify(execFile);
const GUIDE = readFileSync(join(REPO_ROOT, "docs/deploy.md"), "utf8");
const { version } = JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as { version: string };

interface Block {
  tags: string[];
  code: string;
}

/** The guide's ```sh blocks in order, with the words after `sh` as tags. */
const blocks: Block[] = [...GUIDE.matchAll(/^```sh([^\n]*)\n([\s\S]*?)^```$/gm)].map((m) => ({ tags: m[1]!.trim().split(/\s+/).filter(Boolean), code: m[2]! }));

/** nvidia-smi --query-gpu output of the H200 capture (test/fixtures/nvidia-smi/h200-driver580), in the agent's field order. */
const H200_ROW = "0, GPU-2f250b0d-4f72-60e2-86e8-f494ff34e761, NVIDIA H200, 143771, 0, 143156, 616, 0, 0, 27, 78.59, 700.00, P0, 0x0000000000000000, 0, [N/A]";

describe("docs/deploy.md names the secrets the deploy script checks", () => {
  it("its secrets file, its table and its `wrangler secret put` lines use only known secrets, and the file has every required one", () => {
    const known = SECRETS.map((s) => s.name);
    const file = /cat > secrets\.env <<EOF\n([\s\S]*?)\nEOF/.exec(GUIDE)![1]!;
    const generated = [...file.matchAll(/^([A-Z_]+)=/gm)].map((m) => m[1]!);
    expect(generated.filter((n) => !known.includes(n))).toEqual([]);
    expect(SECRETS.filter((s) => s.required).map((s) => s.name).filter((n) => !generated.includes(n))).toEqual([]);
    const table = [...GUIDE.matchAll(/^\| `([A-Z_]+)` \| (yes|no) \|/gm)].map((m) => [m[1]!, m[2] === "yes"]);
    expect(table).toEqual(SECRETS.map((s) => [s.name, s.required]));
    const put = blocks.flatMap((b) => [...b.code.matchAll(/wrangler secret put ([A-Z_]+)/g)].map((m) => m[1]!));
    expect(put.length).toBeGreaterThan(0);
    expect(put.filter((n) => !known.includes(n))).toEqual([]);
  });

  it("every secret docs/security.md, .dev.vars.example and src/env.ts's doc comment name is one the deploy script checks", () => {
    const known = new Set(SECRETS.map((s) => s.name));
    const security = readFileSync(join(REPO_ROOT, "docs/security.md"), "utf8");
    const table = security.slice(security.indexOf("| secret | what it does | format |"));
    const fromSecurity = [...table.slice(0, table.indexOf("\n\n")).matchAll(/^\| `([A-Z_]+)` \|/gm)].map((m) => m[1]!);
    const fromExample = [...readFileSync(join(REPO_ROOT, ".dev.vars.example"), "utf8").matchAll(/^#?\s*([A-Z_]+)=/gm)].map((m) => m[1]!);
    const envDoc = /Secrets \(([^)]*)\)/.exec(readFileSync(join(REPO_ROOT, "src/env.ts"), "utf8"))![1]!.split(/,\s*/);
    for (const name of [...fromSecurity, ...fromExample, ...envDoc]) expect(known, name).toContain(name);
    expect(fromSecurity.length).toBeGreaterThanOrEqual(6);
  });
});

describe("docs/deploy.md against wrangler dev --env staging", () => {
  const work = mkdtempSync(join(tmpdir(), "deploy-guide-"));
  const secretsDir = join(work, "secrets");
  const agentDir = join(work, "agent");
  let engine: Server;
  const chats: Array<{ authorization: string | undefined; model: string }> = [];
  let router: DevServer | null = null;
  const outputs: Array<{ tags: string[]; code: string; stdout: string }> = [];
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    // The node's inference server: serves every demo model's Hugging Face name, idle.
    engine = createServer((request: IncomingMessage, response) => {
      let body = "";
      request.on("data", (c: Buffer) => (body += c.toString()));
      request.on("end", () => {
        if (request.url === "/v1/models") {
          response.writeHead(200, { "content-type": "application/json" });
          response.end(JSON.stringify({ object: "list", data: demo.models.map((m) => ({ id: m.hf_repo, object: "model" })) }));
        } else if (request.url === "/metrics") {
          response.writeHead(200, { "content-type": "text/plain; version=0.0.4" });
          response.end(["vllm:num_requests_running 0", "vllm:num_requests_waiting 0", "vllm:kv_cache_usage_perc 0.05", "vllm:request_success_total 12", ""].join("\n"));
        } else if (request.url === "/v1/chat/completions" && request.method === "POST") {
          const model = (JSON.parse(body) as { model: string }).model;
          chats.push({ authorization: request.headers.authorization, model });
          response.writeHead(200, { "content-type": "application/json" });
          response.end(JSON.stringify({ id: "chatcmpl-guide", object: "chat.completion", created: 0, model, choices: [{ index: 0, message: { role: "assistant", content: "Hello from the node" }, finish_reason: "stop" }] }));
        } else {
          response.writeHead(404).end();
        }
      });
    });
    await new Promise<void>((resolve) => engine.listen(0, "127.0.0.1", resolve));
    const enginePort = (engine.address() as AddressInfo).port;
    const bin = join(work, "bin");
    mkdirSync(bin);
    writeFileSync(join(bin, "nvidia-smi"), `#!/bin/sh\necho "${H200_ROW}"\n`, { mode: 0o755 });
    mkdirSync(agentDir);
    const fixture = writeFixture(join(work, "filled"));
    env = {
      ...process.env,
      PATH: `${bin}:${process.env["PATH"]}`,
      HOME: work,
      ENV: "staging",
      ROUTER: "",
      SECRETS_DIR: secretsDir,
      AGENT_ID: "rack1",
      NODE_ENDPOINT_ALLOW: "127.0.0.1",
      REGISTRY: join(REPO_ROOT, "src/registry/demo-registry.json"),
      AGENT: join(agentDir, "agent.mjs"),
      KEY_FILE: join(secretsDir, "rack1.agent-key"),
      NODE_NAME: "rack1-gpu01",
      NODE_ENDPOINT: `http://127.0.0.1:${enginePort}`,
      DEPLOY_CONFIG: fixture.config,
      WRANGLER_SEND_METRICS: "false",
      NO_COLOR: "1",
    };
  }, 60_000);

  afterAll(async () => {
    await router?.stop();
    await new Promise<void>((resolve) => engine.close(() => resolve()));
    rmSync(work, { recursive: true, force: true });
  });

  it("runs every block but the account and host steps, in order, each exiting 0", async () => {
    expect(blocks.filter((b) => b.tags.includes("deploy"))).toHaveLength(1);
    expect(blocks.filter((b) => b.tags.length === 0).length).toBeGreaterThanOrEqual(8);
    for (const block of blocks) {
      if (block.tags.some((t) => t === "settings" || t === "account" || t === "host")) continue;
      if (block.tags.includes("deploy")) {
        // In place of the upload: the staging environment, locally, with the secrets the guide made.
        const secrets = parseDotenv(readFileSync(join(secretsDir, "secrets.env"), "utf8"));
        const vars = Object.entries(secrets).flatMap(([k, v]) => ["--var", `${k}:${v}`]);
        router = await startWrangler("wrangler.toml", ["--env", "staging", "--persist-to", join(work, "state"), ...vars]);
        env["ROUTER"] = router.url;
        continue;
      }
      if (block.code.includes("npm run deploy")) expect(block.code).toContain("--dry-run");
      const code = block.code.replaceAll("npm run deploy -- ", 'npm run deploy -- --config "$DEPLOY_CONFIG" ');
      // The agent runs from a directory holding nothing but itself.
      if (code.includes('"$AGENT"')) copyFileSync(join(REPO_ROOT, "dist/agent.mjs"), join(agentDir, "agent.mjs"));
      const run = await exec("bash", ["-euo", "pipefail", "-c", code], { cwd: REPO_ROOT, env, timeout: 240_000, maxBuffer: 16 * 1024 * 1024 }).catch(
        (error: { code: number; stdout: string; stderr: string }) => {
          throw new Error(`block failed (exit ${error.code}):\n${code}\n--- stdout\n${error.stdout}\n--- stderr\n${error.stderr}`);
        },
      );
      outputs.push({ tags: block.tags, code, stdout: run.stdout });
    }
    expect(router).not.toBeNull();
  }, 600_000);

  const output = (needle: string) => outputs.find((o) => o.code.includes(needle))?.stdout ?? "";

  it("the dry run passed on the filled-in staging config with the generated secrets", () => {
    expect(output("--dry-run")).toMatch(/configuration and secrets: ok\n\s+upload built, not sent: Total Upload/);
    expect(readdirSync(secretsDir).sort()).toEqual(["admin-token", "client-key", "metrics-token", "rack1.agent-key", "rack1.node-token", "secrets.env"]);
  });

  it("the bundled agent, alone in its directory, printed its version and its push was accepted", () => {
    expect(readdirSync(agentDir)).toEqual(["agent.mjs"]);
    const push = output('"$AGENT" once');
    expect(push).toMatch(new RegExp(`^${version.replaceAll(".", "\\.")}\\n`));
    expect(push).toMatch(/push node=rack1-gpu01 seq=\d+ gpus=1 engines=1 -> 202 accepted/);
  });

  it("/v1/fleet lists the node with its agent's version", () => {
    expect(output("/v1/fleet")).toContain(`"node":"rack1-gpu01","agent_version":"${version}"`);
  });

  it("the first routed request placed a model on the node, and the chat went to the node's server with its own token", () => {
    const route = output("/v1/route");
    const [decision, chat] = route.trim().split("\n").map((line) => JSON.parse(line) as Record<string, any>);
    expect(decision!["placement"]).toMatchObject({ node: "rack1-gpu01" });
    expect(chat!["choices"][0].message.content).toBe("Hello from the node");
    const token = readFileSync(join(secretsDir, "rack1.node-token"), "utf8").trim();
    expect(chats).toHaveLength(1);
    expect(chats[0]!.authorization).toBe(`Bearer ${token}`);
  });
});
