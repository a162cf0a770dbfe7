/**
 * `npm run sim` as a command: run in-process through main() with collecting streams. Checks the
 * help text, usage errors naming the flag, that a run writes a report JSON and an SVG chart, and
 * which traffic mix a --registry file gets (the sensitivity sweeps of docs/simulator.md rely on it).
 */
import { mkdir, mkdtemp, readFile, rm, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { kernelIsStale } from "../../cli/sim/kernel-module";
import { main } from "../../cli/sim/main";
import type { CliIo } from "../../cli/shared/io";
import { DEMO_REGISTRY } from "../../src/registry/store";
import { DEMO_CATEGORY_MIX } from "../../src/sim/config";
import type { ScenarioReport } from "../../src/sim/run";

function io(): { io: CliIo; out: () => string; err: () => string } {
  let out = "";
  let err = "";
  return {
    io: { stdout: { write: (s: string) => (out += s) }, stderr: { write: (s: string) => (err += s) }, env: {} },
    out: () => out,
    err: () => err,
  };
}

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

describe("npm run sim", () => {
  it("prints help", async () => {
    const t = io();
    expect(await main(["--help"], t.io)).toBe(0);
    expect(t.out()).toContain("Usage: npm run sim");
    expect(t.out()).toContain("--scenario");
  });

  it.each([
    [["--nodes", "0"], "--nodes"],
    [["--scenario", "windy"], "--scenario"],
    [["--policies", "static,oracle"], "oracle"],
    [["--gpu-mix", "80"], "--gpu-mix"],
    [["--rate", "-1"], "--rate"],
    [["--isolates", "0"], "--isolates"],
    [["--kernel", "/nonexistent/kernel.wasm"], "--kernel"],
    [["--bogus"], "bogus"],
  ])("rejects %j with exit 2 naming the flag", async (argv, named) => {
    const t = io();
    expect(await main(argv, t.io)).toBe(2);
    expect(t.err()).toContain(named);
    expect(t.out()).toBe("");
  });

  it("runs a scenario, prints the table and writes JSON and SVG", async () => {
    const dir = await mkdtemp(join(tmpdir(), "sim-cli-"));
    dirs.push(dir);
    const t = io();
    const code = await main(["--nodes", "3", "--gpus-per-node", "2", "--duration", "120", "--seed", "5", "--policies", "static,dynamic-bench", "--out", dir], t.io);
    expect(code).toBe(0);
    expect(t.out()).toContain("(a) static tiers");
    expect(t.out()).toContain("(c) dynamic + bench + fallback");
    const report = JSON.parse(await readFile(join(dir, "steady.json"), "utf8")) as ScenarioReport & { kernel_sha256: string };
    expect(report.fleet).toMatchObject({ nodes: 3, gpus: 6 });
    expect(report.config.seed).toBe(5);
    expect(report.kernel_sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(report.results.map((r) => r.policy)).toEqual(["static", "dynamic-bench"]);
    const svg = await readFile(join(dir, "steady.svg"), "utf8");
    expect(svg.startsWith("<svg")).toBe(true);
    expect(svg).toContain("Latency CDF");
    expect(svg).toContain("(c) dynamic + bench + fallback");
    expect(svg.trimEnd().endsWith("</svg>")).toBe(true);
  });

  /** Runs a tiny steady scenario with `registry` written to a file; returns the report. */
  async function runWithRegistry(registry: unknown): Promise<ScenarioReport> {
    const dir = await mkdtemp(join(tmpdir(), "sim-cli-"));
    dirs.push(dir);
    const file = join(dir, "registry.json");
    await writeFile(file, JSON.stringify(registry));
    const t = io();
    const code = await main(["--nodes", "2", "--gpus-per-node", "2", "--duration", "60", "--policies", "dynamic-bench", "--registry", file, "--out", dir], t.io);
    expect(t.err()).not.toContain("sim:");
    expect(code).toBe(0);
    return JSON.parse(await readFile(join(dir, "steady.json"), "utf8")) as ScenarioReport;
  }

  it("keeps the demo traffic mix for a copy of the demo registry with edited placement config", async () => {
    const edited = { ...DEMO_REGISTRY, config: { ...DEMO_REGISTRY.config, gpu: { ...DEMO_REGISTRY.config.gpu, request_load_pct: 0, placement_choices: 1 } } };
    const report = await runWithRegistry(edited);
    expect(report.config.trace.category_mix).toEqual(DEMO_CATEGORY_MIX);
    expect(report.gpu_config).toMatchObject({ request_load_pct: 0, placement_choices: 1 });
  });

  it("falls back to a uniform mix when the registry's taxonomy differs from the demo's", async () => {
    // Same ids, but general_chat hangs off the root: a different taxonomy, so the demo shares do not apply.
    const reparented = { ...DEMO_REGISTRY, categories: DEMO_REGISTRY.categories.map((c) => (c.id === "general_chat" ? { ...c, parent: null } : c)) };
    const report = await runWithRegistry(reparented);
    const mix = report.config.trace.category_mix;
    expect(Object.keys(mix).sort()).toEqual(DEMO_REGISTRY.categories.map((c) => c.id).sort());
    expect(new Set(Object.values(mix))).toEqual(new Set([1]));
  });
});

describe("the kernel the simulator runs", () => {
  it("is rebuilt only when assembly/ is newer than build/kernel.wasm, so --help starts at once", async () => {
    const dir = await mkdtemp(join(tmpdir(), "sim-kernel-"));
    dirs.push(dir);
    const sources = join(dir, "assembly");
    await mkdir(join(sources, "nested"), { recursive: true });
    await writeFile(join(sources, "nested", "score.ts"), "// source\n");
    const wasm = join(dir, "kernel.wasm");
    expect(kernelIsStale(wasm, sources)).toBe(true); // missing
    await writeFile(wasm, "wasm");
    const past = new Date(Date.now() - 60_000);
    await utimes(join(sources, "nested", "score.ts"), past, past);
    expect(kernelIsStale(wasm, sources)).toBe(false);
    await utimes(join(sources, "nested", "score.ts"), new Date(), new Date(Date.now() + 60_000));
    expect(kernelIsStale(wasm, sources)).toBe(true);
    // `npm run sim` no longer builds the kernel before parsing its flags.
    const scripts = (JSON.parse(await readFile(new URL("../../package.json", import.meta.url), "utf8")) as { scripts: Record<string, string> }).scripts;
    expect(scripts["sim"]).toBe("tsx cli/sim/index.ts");
  });
});
