/**
 * A filled-in copy of wrangler.toml and a secrets file, as an operator would have them after the
 * account steps of docs/deploy.md, so CI can run the deploy dry run (the real ids and secrets are
 * the operator's and never committed). The ids are fixed fake hex; the secrets are random on each
 * call. Paths become absolute, so the copy works from any directory (a temporary one: nothing is
 * written into the repository).
 *
 *   npx tsx scripts/deploy/fixture.ts DIR   # writes DIR/wrangler.toml and DIR/secrets.env
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parse, stringify } from "smol-toml";
import type { Toml } from "./config";

const ROOT = resolve(fileURLToPath(new URL("../..", import.meta.url)));
/** Stands in for the operator's domain: not a placeholder, and never contacted by a dry run. */
export const FIXTURE_DOMAIN = "router.fixture-operator.dev";

const hex = (bytes: number) => randomBytes(bytes).toString("hex");

function absolute(path: unknown): unknown {
  return typeof path === "string" && !isAbsolute(path) ? join(ROOT, path) : path;
}

/** wrangler.toml with every environment's KV ids and route filled in, and its paths absolute. */
export function filledConfig(source = readFileSync(join(ROOT, "wrangler.toml"), "utf8")): string {
  const config = parse(source) as Toml;
  config["main"] = absolute(config["main"]);
  const alias = config["alias"] as Record<string, unknown> | undefined;
  if (alias) for (const key of Object.keys(alias)) alias[key] = absolute(alias[key]);
  const envs = (config["env"] ?? {}) as Record<string, Toml>;
  let n = 0;
  for (const env of Object.values(envs)) {
    for (const kv of (env["kv_namespaces"] ?? []) as Toml[]) kv["id"] = (++n).toString(16).padStart(32, "a");
    const routes = env["routes"] as Array<Toml | string> | undefined;
    if (routes) env["routes"] = routes.map((r) => (typeof r === "string" ? FIXTURE_DOMAIN : { ...r, pattern: FIXTURE_DOMAIN }));
  }
  return stringify(config);
}

/** Every secret the deploy checks, with fresh random values, as a .env file. */
export function fixtureSecrets(): string {
  const lines = {
    ADMIN_TOKEN: hex(32),
    AGENT_KEYS: JSON.stringify({ rack1: { keys: [hex(32)], nodes: ["rack1-*"] } }),
    CLIENT_KEYS: hex(32),
    NODE_TOKENS: JSON.stringify({ "rack1-*": hex(32) }),
    NODE_ENDPOINT_ALLOW: "10.0.0.0/8:8000",
    METRICS_TOKEN: hex(32),
  };
  return Object.entries(lines).map(([k, v]) => `${k}='${v}'`).join("\n") + "\n";
}

/** Writes DIR/wrangler.toml and DIR/secrets.env; returns their paths. */
export function writeFixture(dir: string): { config: string; secrets: string } {
  mkdirSync(dir, { recursive: true });
  const config = join(dir, "wrangler.toml");
  const secrets = join(dir, "secrets.env");
  writeFileSync(config, filledConfig());
  writeFileSync(secrets, fixtureSecrets(), { mode: 0o600 });
  return { config, secrets };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const dir = process.argv[2];
  if (!dir) {
    process.stderr.write("usage: npx tsx scripts/deploy/fixture.ts DIR\n");
    process.exitCode = 2;
  } else {
    const written = writeFixture(resolve(dir));
    process.stdout.write(`${written.config}\n${written.secrets}\n`);
  }
}
