/**
 * `npm run deploy -- --env staging|production [--dry-run] [--secrets-file FILE] [--config FILE]`:
 * checks the environment's configuration and secrets (scripts/deploy/config.ts, secrets.ts), then
 * runs `wrangler deploy --env …`. With --dry-run it builds the upload into a temporary directory
 * instead (`wrangler deploy --dry-run --outdir`) and sends nothing. Every problem is listed at
 * once, naming the config path or the secret; exit 1 when there is any, 2 for usage errors.
 *
 * Secrets are checked in --secrets-file (the .env or JSON file `wrangler deploy --secrets-file`
 * uploads, which a real deploy then passes on), or else in what `wrangler secret list` says the
 * Worker has (names only; that needs a login, also for a dry run, and changes nothing).
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parse as parseToml } from "smol-toml";
import { parse as parseDotenv } from "dotenv";
import { UsageError, parseCommandLine } from "../cli/shared/args";
import { checkEnvironment, type ConfigFinding, type Toml } from "./deploy/config";
import { MAY_BE_VARS, SECRETS, checkSecrets } from "./deploy/secrets";

const FLAGS = {
  env: { type: "string", short: "e" },
  "dry-run": { type: "boolean" },
  "secrets-file": { type: "string" },
  config: { type: "string", short: "c" },
  help: { type: "boolean", short: "h" },
} as const;

const HELP = `Usage: npm run deploy -- --env staging|production [--dry-run] [--secrets-file FILE] [--config FILE]

Checks one wrangler environment, then deploys it (docs/deploy.md):
  - KV namespace ids filled in, every binding present, a migration for every Durable Object;
  - routes, custom domains and vars without placeholders, no secret in [vars];
  - required secrets set and usable: ${SECRETS.filter((s) => s.required).map((s) => s.name).join(", ")}
    (optional: ${SECRETS.filter((s) => !s.required).map((s) => s.name).join(", ")}).

  --env NAME            the environment ([env.NAME] in the config); the top level is the local demo
  --dry-run             build the upload (wrangler deploy --dry-run) and send nothing
  --secrets-file FILE   check the secrets in FILE (.env or JSON, as wrangler deploy --secrets-file
                        takes it); a real deploy uploads them with the Worker. Without it the
                        script asks Cloudflare which secrets the Worker has (wrangler secret list)
  --config FILE         the wrangler config (default wrangler.toml)

Exit codes: 0 deployed (or dry run passed), 1 a check or wrangler failed, 2 usage error.
`;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** wrangler without colours and without its usage metrics (a dry run sends nothing anywhere). */
function wrangler(args: string[], timeoutMs = 180_000): Promise<Run> {
  const env = { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0", WRANGLER_SEND_METRICS: "false" };
  return new Promise((done) => {
    execFile("npx", ["wrangler", ...args], { env, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof (error as { code?: unknown }).code === "number" ? ((error as { code: number }).code) : 1) : 0;
      done({ code, stdout, stderr });
    });
  });
}

/** The secrets file as name → value: JSON object or .env, as wrangler reads it. */
function readSecretsFile(path: string): Map<string, string> {
  let raw: string;
  try {
    raw = readFileSync(path, "utf8");
  } catch (error) {
    throw new UsageError(`--secrets-file: cannot read '${path}' (${error instanceof Error ? error.message : String(error)})`);
  }
  if (raw.trimStart().startsWith("{")) {
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      throw new UsageError(`--secrets-file: '${path}' starts like JSON but does not parse`);
    }
    return new Map(Object.entries(json as Record<string, unknown>).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]));
  }
  return new Map(Object.entries(parseDotenv(raw)));
}

/** Names of the secrets the deployed Worker has, from `wrangler secret list`; a problem when it cannot say. */
async function remoteSecrets(env: string, config: string, worker: string): Promise<Map<string, true> | ConfigFinding> {
  const listed = await wrangler(["secret", "list", "--env", env, "-c", config, "--format", "json"], 60_000);
  if (listed.code === 0) {
    try {
      const names = (JSON.parse(listed.stdout) as Array<{ name: string }>).map((s) => s.name);
      return new Map(names.map((n) => [n, true as const]));
    } catch {
      // fall through: not the JSON list
    }
  }
  const plain = `${listed.stderr}\n${listed.stdout}`.replace(/\x1b\[[0-9;]*m/g, "");
  const why = /\[ERROR\]\s*([^\n]+)/.exec(plain)?.[1]?.trim() ?? `wrangler secret list exited ${listed.code}`;
  const required = SECRETS.filter((s) => s.required).map((s) => s.name).join(", ");
  return {
    path: "secrets",
    problem: `cannot check that ${worker} has ${required} (wrangler secret list: ${why}); log in (npx wrangler login, or CLOUDFLARE_API_TOKEN), or check a file with --secrets-file`,
  };
}

async function dryRunBuild(env: string, config: string): Promise<{ ok: boolean; summary: string }> {
  const outdir = mkdtempSync(join(tmpdir(), "deploy-dry-run-"));
  try {
    const built = await wrangler(["deploy", "--dry-run", "--env", env, "-c", config, "--outdir", outdir]);
    if (built.code !== 0) return { ok: false, summary: `${built.stderr}${built.stdout}`.trim().split("\n").slice(-12).join("\n") };
    const bytes = readdirSync(outdir).filter((f) => !f.endsWith(".map")).reduce((sum, f) => sum + statSync(join(outdir, f)).size, 0);
    const total = /Total Upload: [^\n]*/.exec(`${built.stdout}\n${built.stderr}`)?.[0] ?? `${(bytes / 1024).toFixed(1)} KiB`;
    return { ok: true, summary: total };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

export async function main(argv: string[], out: (line: string) => void): Promise<number> {
  let values: ReturnType<typeof parseCommandLine<typeof FLAGS>>["values"];
  try {
    ({ values } = parseCommandLine(argv, FLAGS));
    if (values.help) {
      out(HELP);
      return 0;
    }
    if (!values.env) throw new UsageError("--env is required (staging or production); the top level is the local demo and is never deployed");
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    out(`deploy: ${error.message}\n(see npm run deploy -- --help)`);
    return 2;
  }
  const env = values.env;
  const config = resolve(values.config ?? "wrangler.toml");
  let toml: Toml;
  try {
    toml = parseToml(readFileSync(config, "utf8")) as Toml;
  } catch (error) {
    out(`deploy: cannot read ${config}: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
  const checked = checkEnvironment(toml, env);
  const problems: ConfigFinding[] = [...checked.findings];
  const notes: string[] = [];

  let secrets: Map<string, string | true> | null = null;
  try {
    secrets = values["secrets-file"] ? readSecretsFile(values["secrets-file"]) : null;
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    out(`deploy: ${error.message}`);
    return 2;
  }
  if (secrets === null && checked.findings.every((f) => !f.path.startsWith("--env") && f.path !== `env.${env}`)) {
    const remote = await remoteSecrets(env, config, checked.worker);
    if (remote instanceof Map) secrets = remote;
    else problems.push(remote);
  }
  if (secrets !== null) {
    for (const name of MAY_BE_VARS) if (!secrets.has(name) && checked.vars[name] !== undefined) secrets.set(name, checked.vars[name]!);
    const found = checkSecrets(secrets);
    for (const p of found.problems) problems.push({ path: `secret ${p.name}`, problem: p.problem });
    for (const n of found.notes) notes.push(`${n.name} ${n.problem}`);
  }

  out(`${values["dry-run"] ? "dry run: " : ""}${checked.worker} ([env.${env}] of ${config})`);
  for (const note of notes) out(`  note: ${note}`);
  if (problems.length > 0) {
    out(`not deployed: ${problems.length} problem${problems.length === 1 ? "" : "s"}`);
    for (const p of problems) out(`  ${p.path}: ${p.problem}`);
    return 1;
  }
  if (values["dry-run"]) {
    const built = await dryRunBuild(env, config);
    if (!built.ok) {
      out(`not deployed: wrangler could not build the upload:\n${built.summary}`);
      return 1;
    }
    out(`  configuration and secrets: ok`);
    out(`  upload built, not sent: ${built.summary}`);
    return 0;
  }
  const args = ["deploy", "--env", env, "-c", config, ...(values["secrets-file"] ? ["--secrets-file", values["secrets-file"]] : [])];
  out(`  configuration and secrets: ok; npx wrangler ${args.join(" ")}`);
  const deployed = await wrangler(args, 600_000);
  out(`${deployed.stdout}${deployed.stderr}`.trim());
  return deployed.code === 0 ? 0 : 1;
}

// Run as a script (npm run deploy), not when a test imports main.
if (process.argv[1] && resolve(process.argv[1]) === resolve(new URL(import.meta.url).pathname)) {
  main(process.argv.slice(2), (line) => process.stdout.write(`${line}\n`)).then(
    (code) => (process.exitCode = code),
    (error: unknown) => {
      process.stderr.write(`deploy: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
