/**
 * `npm run deploy`: what it refuses before anything is uploaded (the repository's own demo config,
 * placeholder ids and domains, missing, demo or malformed secrets, missing bindings, secrets in
 * [vars], the top level), and a dry run on a filled-in copy (scripts/deploy/fixture.ts) that
 * builds the upload with wrangler and sends nothing.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { parse } from "smol-toml";
import { main } from "../../scripts/deploy";
import { checkEnvironment, type Toml } from "../../scripts/deploy/config";
import { SECRETS, checkSecrets } from "../../scripts/deploy/secrets";
import { filledConfig, fixtureSecrets, writeFixture } from "../../scripts/deploy/fixture";
import { REPO_ROOT } from "./agent-support";

const exec = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), "deploy-test-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function deploy(args: string[]): Promise<{ code: number; out: string }> {
  const lines: string[] = [];
  const code = await main(args, (line) => lines.push(line));
  return { code, out: lines.join("\n") };
}

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const REPO_CONFIG = readFileSync(join(REPO_ROOT, "wrangler.toml"), "utf8");
const secretsOf = (text: string) => new Map(text.trim().split("\n").map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 2, -1)] as [string, string]));

describe("npm run deploy refuses what is not filled in", () => {
  it("the repository's production config: names the placeholder id, the example domain and each missing secret", async () => {
    const partial = file("partial.env", "ADMIN_TOKEN=" + "a1".repeat(20) + "\n");
    const { code, out } = await deploy(["--env", "production", "--dry-run", "--secrets-file", partial]);
    expect(code).toBe(1);
    expect(out).toContain("env.production.kv_namespaces[0].id: placeholder id 'REPLACE_WITH_PRODUCTION_KV_NAMESPACE_ID' for ROUTER_KV: create the namespace with npx wrangler kv namespace create ROUTER_KV --env production");
    expect(out).toContain("env.production.routes[0].pattern: placeholder route or custom domain 'router.example.com'");
    for (const name of ["AGENT_KEYS", "CLIENT_KEYS", "NODE_TOKENS", "NODE_ENDPOINT_ALLOW"]) expect(out).toMatch(new RegExp(`secret ${name}: missing: `));
    expect(out).not.toMatch(/secret ADMIN_TOKEN/);
    expect(out).toMatch(/^not deployed: 6 problems$/m);
    expect(out).not.toContain("upload built");
  });

  it("the staging config too, and the top level (the demo) is never a target", async () => {
    const staging = await deploy(["--env", "staging", "--dry-run", "--secrets-file", file("s.env", fixtureSecrets())]);
    expect(staging.code).toBe(1);
    expect(staging.out).toContain("placeholder id 'REPLACE_WITH_STAGING_KV_NAMESPACE_ID'");
    expect((await deploy(["--dry-run"])).code).toBe(2);
    const unknown = await deploy(["--env", "demo", "--dry-run"]);
    expect(unknown.code).toBe(1);
    expect(unknown.out).toContain("no [env.demo] in the config: deploy one of staging, production; the top level is the local demo and is never deployed");
  });

  it("refuses .dev.vars.example's demo secrets and values the worker would refuse, naming each and never its value", async () => {
    const demo = await deploy(["--env", "production", "--dry-run", "--config", file("filled.toml", filledConfig()), "--secrets-file", join(REPO_ROOT, ".dev.vars.example")]);
    expect(demo.code).toBe(1);
    for (const name of ["ADMIN_TOKEN", "AGENT_KEYS", "NODE_TOKENS"]) expect(demo.out).toContain(`secret ${name}: holds a demo or placeholder value`);
    expect(demo.out).not.toContain("not-secret");

    const good = secretsOf(fixtureSecrets());
    const bad = (patch: Record<string, string>) => checkSecrets(new Map([...good, ...Object.entries(patch)])).problems;
    expect(bad({ AGENT_KEYS: '{"rack1": ["short"]}' })).toEqual([{ name: "AGENT_KEYS", problem: expect.stringMatching(/^is malformed \(rack1/) }]);
    expect(bad({ AGENT_KEYS: "{not json" })).toEqual([{ name: "AGENT_KEYS", problem: "is not valid JSON" }]);
    expect(bad({ NODE_TOKENS: '{"rack1-*": "short"}' })).toEqual([{ name: "NODE_TOKENS", problem: expect.stringContaining("16+ characters") }]);
    expect(bad({ NODE_ENDPOINT_ALLOW: "10.0.0.0/33" })).toEqual([{ name: "NODE_ENDPOINT_ALLOW", problem: expect.stringContaining("10.0.0.0/33") }]);
    expect(bad({ ADMIN_TOKEN: "hunter2" })).toEqual([{ name: "ADMIN_TOKEN", problem: expect.stringContaining("shorter than 32") }]);
    expect(bad({ CLIENT_KEYS: `${"b".repeat(40)},short` })).toEqual([{ name: "CLIENT_KEYS", problem: expect.stringContaining("shorter than 32") }]);
    expect(bad({})).toEqual([]);
  });

  it("checks bindings, migrations, routes and vars of an environment", () => {
    const config = parse(filledConfig()) as Toml;
    expect(checkEnvironment(config, "production").findings).toEqual([]);
    const env = (config["env"] as Record<string, Toml>)["production"]!;
    (env["durable_objects"] as { bindings: Toml[] }).bindings.pop();
    env["vars"] = { ADMIN_TOKEN: "x".repeat(40), NODE_ENDPOINT_ALLOW: "10.0.0.0/8", GATEWAY_DEFAULT_CATEGORY: "<your category>" };
    delete env["routes"];
    const problems = checkEnvironment(config, "production").findings.map((f) => `${f.path}: ${f.problem}`);
    expect(problems).toEqual([
      "env.production.durable_objects.bindings: no SESSIONS binding (class SessionObject): Durable Object bindings are not inherited",
      "env.production.routes: no route or custom domain, and workers_dev is off: the worker would not be reachable",
      "env.production.vars.ADMIN_TOKEN: ADMIN_TOKEN is a secret: [vars] are committed in plain text; use npx wrangler secret put ADMIN_TOKEN --env production",
      "env.production.vars.GATEWAY_DEFAULT_CATEGORY: placeholder value '<your category>'",
    ]);
  });

  it("says which secrets it cannot check when it may not ask Cloudflare (no login, no --secrets-file)", async () => {
    const { config } = writeFixture(join(dir, "nologin"));
    const home = mkdtempSync(join(dir, "home-"));
    const env = { ...process.env, HOME: home, XDG_CONFIG_HOME: join(home, ".config"), CLOUDFLARE_API_TOKEN: "", CLOUDFLARE_ACCOUNT_ID: "", CI: "true" };
    const run = await exec("npx", ["tsx", "scripts/deploy.ts", "--env", "production", "--dry-run", "--config", config], { cwd: REPO_ROOT, env, timeout: 120_000 }).then(
      () => ({ code: 0, out: "" }),
      (error: { code: number; stdout: string }) => ({ code: error.code, out: error.stdout }),
    );
    expect(run.code).toBe(1);
    const required = SECRETS.filter((s) => s.required).map((s) => s.name).join(", ");
    expect(run.out).toContain(`secrets: cannot check that edge-model-router-production has ${required} (wrangler secret list: `);
    expect(run.out).toContain("log in (npx wrangler login, or CLOUDFLARE_API_TOKEN), or check a file with --secrets-file");
  });
});

describe("npm run deploy -- --dry-run on a filled-in copy", () => {
  it("passes the checks, builds the upload with wrangler and sends nothing", async () => {
    const { config, secrets } = writeFixture(join(dir, "filled"));
    const { stdout } = await exec("npm", ["run", "--silent", "deploy", "--", "--env", "production", "--dry-run", "--config", config, "--secrets-file", secrets], {
      cwd: REPO_ROOT,
      timeout: 180_000,
    });
    expect(stdout).toContain(`dry run: edge-model-router-production ([env.production] of ${config})`);
    expect(stdout).toContain("configuration and secrets: ok");
    expect(stdout).toMatch(/upload built, not sent: Total Upload: [\d.]+ KiB \/ gzip: [\d.]+ KiB/);
    // METRICS_TOKEN is set; NODE_TOKEN is optional and only noted.
    expect(stdout).toContain("note: NODE_TOKEN not set");
    expect(REPO_CONFIG).toContain('id = "00000000000000000000000000000000"');
  });
});
