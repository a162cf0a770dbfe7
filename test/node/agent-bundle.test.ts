/**
 * The agent as something you install: the bundle (scripts/build-agent.js) runs with plain `node`
 * from a directory holding nothing but itself, and the package's `bin` runs it as
 * `npx edge-model-router agent`: packed with `npm pack` and run with npm's
 * cache empty and the network off, so nothing but the tarball can be installed. Its `once`
 * against wrangler dev is in deploy-guide.test.ts, which pushes with this same bundle.
 */
import { execFile } from "node:child_process";
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SNAPSHOT_SCHEMA_VERSION, SnapshotSchema } from "../../src/telemetry/snapshot";
import { FIXTURE_DIR, REPO_ROOT } from "./agent-support";

const exec = promisify(execFile);
const pkg = JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as {
  version: string;
  bin: Record<string, string>;
  files: string[];
  scripts: Record<string, string>;
  dependencies?: Record<string, string>;
};
const work = mkdtempSync(join(tmpdir(), "agent-bundle-"));
const alone = join(work, "alone");

/** Runs `node agent.mjs …` in the directory that holds only the bundle; never throws. */
async function agent(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return exec(process.execPath, ["agent.mjs", ...args], { cwd: alone, timeout: 30_000 }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }),
  );
}

beforeAll(async () => {
  const built = join(work, "build/agent.mjs");
  const { stdout } = await exec(process.execPath, ["scripts/build-agent.js", "--outfile", built], { cwd: REPO_ROOT, timeout: 120_000 });
  expect(stdout).toMatch(new RegExp(`agent ${pkg.version}, [\\d.]+ KiB`));
  mkdirSync(alone);
  copyFileSync(built, join(alone, "agent.mjs"));
}, 150_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("the bundled agent, alone in a directory", () => {
  it("is one file with a node shebang", () => {
    expect(readdirSync(alone)).toEqual(["agent.mjs"]);
    expect(readFileSync(join(alone, "agent.mjs"), "utf8")).toMatch(/^#!\/usr\/bin\/env node\n/);
  });

  it("prints --help naming itself, and --version", async () => {
    const help = await agent("--help");
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: node agent\.mjs <command> \[options\]/);
    expect(help.stdout).toContain(`--version               print the agent's release (${pkg.version})`);
    const once = await agent("once", "--help");
    expect(once.stdout).toMatch(/^Usage: node agent\.mjs once --url URL/);
    expect((await agent("--version")).stdout).toBe(`${pkg.version}\n`);
  });

  it("parses a real nvidia-smi capture into a snapshot of today's format", async () => {
    const run = await agent("parse", join(FIXTURE_DIR, "h200-driver580/q_idle.xml"), "--node-name", "bundle-node");
    expect(run.code, run.stderr).toBe(0);
    const snapshot = SnapshotSchema.parse(JSON.parse(run.stdout));
    expect(snapshot).toMatchObject({ schema_version: SNAPSHOT_SCHEMA_VERSION, agent_version: pkg.version, node: "bundle-node" });
    expect(snapshot.gpus[0]).toMatchObject({ uuid: "GPU-2f250b0d-4f72-60e2-86e8-f494ff34e761", memory_free_mb: 143156 });
  });

  it("answers usage errors with exit 2 and the command to type", async () => {
    const run = await agent("once");
    expect(run.code).toBe(2);
    expect(run.stderr).toBe("agent: --url is required\n(see node agent.mjs once --help)\n");
  });
});

describe("the package", () => {
  it("has no runtime dependencies: the bin is the bundle, and the worker's libraries are bundled by wrangler", () => {
    // Add libraries to devDependencies: anything in dependencies would be installed by every npx.
    expect(pkg.dependencies ?? {}).toEqual({});
    expect(pkg.bin).toEqual({ "edge-model-router": "dist/agent.mjs" });
    expect(pkg.files).toEqual(["dist/agent.mjs", "deploy/agent/"]);
  });

  it("packs the bundle and deploy/agent/, and `npx edge-model-router agent` runs it from the tarball alone", async () => {
    // Packed from a copy of what `files` names, with the bundle built above, so the repository is
    // not written to (in the repository, prepack builds dist/agent.mjs first).
    expect(pkg.scripts["prepack"]).toBe("npm run build:agent");
    const source = join(work, "package");
    mkdirSync(join(source, "dist"), { recursive: true });
    for (const file of ["package.json", "README.md"]) copyFileSync(join(REPO_ROOT, file), join(source, file));
    cpSync(join(REPO_ROOT, "deploy/agent"), join(source, "deploy/agent"), { recursive: true });
    copyFileSync(join(alone, "agent.mjs"), join(source, "dist/agent.mjs"));
    const packs = join(work, "pack");
    mkdirSync(packs);
    const { stdout } = await exec("npm", ["pack", "--ignore-scripts", "--pack-destination", packs, "--json"], { cwd: source, timeout: 180_000 });
    const [packed] = JSON.parse(stdout.slice(stdout.indexOf("["))) as Array<{ filename: string; files: Array<{ path: string }> }>;
    expect(packed!.files.map((f) => f.path).sort()).toEqual([
      "README.md",
      "deploy/agent/Dockerfile",
      "deploy/agent/agent.env.example",
      "deploy/agent/daemonset.yaml",
      "deploy/agent/edge-model-router-agent.service",
      "dist/agent.mjs",
      "package.json",
    ]);
    // An empty npm cache and --offline: only the tarball itself can be installed.
    const env = { ...process.env, npm_config_cache: join(work, "npm-cache"), npm_config_update_notifier: "false" };
    const run = await exec("npm", ["exec", "--offline", "--yes", `--package=${join(packs, packed!.filename)}`, "--", "edge-model-router", "agent", "--version"], {
      cwd: alone,
      env,
      timeout: 120_000,
    });
    expect(run.stdout).toBe(`${pkg.version}\n`);
    const help = await exec("npm", ["exec", "--offline", "--yes", `--package=${join(packs, packed!.filename)}`, "--", "edge-model-router", "agent", "--help"], { cwd: alone, env, timeout: 120_000 });
    expect(help.stdout).toMatch(/^Usage: edge-model-router agent <command>/);
  });
});
