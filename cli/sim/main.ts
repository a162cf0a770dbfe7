/**
 * `npm run sim`: the fleet simulator's command line. Parses flags into a SimConfig, loads the
 * kernel from build/kernel.wasm (the same module the worker bundles), runs the scenarios through
 * src/sim, prints a table per scenario and writes <out>/<scenario>.json and .svg. Progress goes
 * to stderr. index.ts runs it; tests import it.
 */
import { createHash } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { validateRegistry } from "../../src/registry/validation";
import { DEMO_REGISTRY } from "../../src/registry/store";
import type { Registry } from "../../src/registry/schema";
import { renderChart } from "../../src/sim/chart";
import { DEFAULT_CONFIG, SCENARIOS, type ScenarioName, type SimConfig } from "../../src/sim/config";
import { POLICIES } from "../../src/sim/policies";
import { categoryMixFor, runScenario, unknownCategories } from "../../src/sim/run";
import { SATURATION_TARGET, findSaturatedRate } from "../../src/sim/saturation";
import { UsageError, nonNegative, parseCommandLine, positiveInt } from "../shared/args";
import type { CliIo } from "../shared/io";
import { loadFile } from "../validate/source";
import { KERNEL_PATH, ensureKernel, loadKernelModule } from "./kernel-module";
import { renderSweep, renderTable, type SweepRow } from "./table";

export const HELP = `Usage: npm run sim -- [options]

Simulates a GPU fleet serving a seeded request trace and replays it against each routing policy,
driving the worker's own WASM kernel and decide(). Prints a table per scenario and writes
<out>/<scenario>.json and <out>/<scenario>.svg. Modelling choices: docs/simulator.md.

  --scenario NAME      steady | bursty | degraded | saturated | all (default steady); saturated runs at
                       the rate where static serves 80%, found first by bisection on static alone
  --nodes N            nodes in the fleet (default ${DEFAULT_CONFIG.fleet.nodes})
  --gpus-per-node N    GPUs per node (default ${DEFAULT_CONFIG.fleet.gpus_per_node})
  --gpu-mix LIST       GB:share pairs, e.g. 16:0.15,24:0.25,40:0.2,80:0.3,141:0.1 (the default)
  --sites N            sites the nodes are spread over (default ${DEFAULT_CONFIG.fleet.sites})
  --slots N            concurrent requests per GPU (default ${DEFAULT_CONFIG.fleet.slots})
  --seed N             seed of the fleet layout, trace and telemetry losses (default ${DEFAULT_CONFIG.seed})
  --duration S         simulated seconds (default ${DEFAULT_CONFIG.trace.duration_s})
  --rate R             base arrivals per GPU per second (default ${DEFAULT_CONFIG.trace.rate_per_gpu})
  --push-interval S    telemetry push interval (default ${DEFAULT_CONFIG.telemetry.push_interval_s}); a list (1,2,5,10) sweeps
  --push-delay S       push-to-readable delay (default ${DEFAULT_CONFIG.telemetry.push_delay_s})
  --view-ttl S         router's fleet cache TTL (default ${DEFAULT_CONFIG.telemetry.view_ttl_s})
  --isolates N         router isolates sharing the traffic, each with its own cache and placement
                       ledger (default ${DEFAULT_CONFIG.telemetry.isolates}); a list (1,2,4,8,16) sweeps: every
                       isolates × push-interval pair, blind policies once, one table and <scenario>-sweep.json
  --engine-telemetry on|off
                       agents report the serving engines' load (default on); off: GPU telemetry only
  --prealloc SHARE     vLLM-style preallocation: a resident model holds SHARE of its GPU (e.g. 0.9)
                       and its KV cache lives inside it (default off: a model holds its footprint)
  --policies LIST      comma-separated ids (default all: ${POLICIES.map((p) => p.id).join(",")})
  --registry FILE      registry JSON (default: the demo registry); keeps the demo traffic mix when
                       its taxonomy is the demo's (e.g. an edited copy), else uniform over its categories
  --kernel FILE        routing kernel .wasm (default build/kernel.wasm, rebuilt first when assembly/
                       has changed since); a saved copy keeps a long series of runs on one kernel
  --out DIR            where the JSON and SVG go (default build/sim)
  -h, --help           this text

Exit codes: 0 done, 2 usage error.
`;

export async function main(argv: string[], io: CliIo): Promise<number> {
  try {
    return await run(argv, io);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr.write(`sim: ${error.message}\n(see --help)\n`);
    return 2;
  }
}

const OPTIONS = {
  scenario: { type: "string" },
  nodes: { type: "string" },
  "gpus-per-node": { type: "string" },
  "gpu-mix": { type: "string" },
  sites: { type: "string" },
  slots: { type: "string" },
  seed: { type: "string" },
  duration: { type: "string" },
  rate: { type: "string" },
  "push-interval": { type: "string" },
  "push-delay": { type: "string" },
  "view-ttl": { type: "string" },
  isolates: { type: "string" },
  "engine-telemetry": { type: "string" },
  prealloc: { type: "string" },
  policies: { type: "string" },
  registry: { type: "string" },
  kernel: { type: "string" },
  out: { type: "string" },
  help: { type: "boolean", short: "h", default: false },
} as const;

async function run(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandLine(argv, OPTIONS);
  if (values.help) {
    io.stdout.write(HELP);
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
  const scenarios = scenarioNames(values.scenario ?? "steady");
  const policies = pickPolicies(values.policies);
  const registry = values.registry === undefined ? DEMO_REGISTRY : await loadRegistry(values.registry);
  const config = buildConfig(values, registry);
  const sweep = sweepSettings(values, config);
  if (values.kernel === undefined) ensureKernel((line) => io.stderr.write(line));
  const kernel = await loadKernel(values.kernel);
  const out = values.out ?? "build/sim";
  await mkdir(out, { recursive: true });
  for (const scenario of scenarios) {
    let scenarioConfig = SCENARIOS[scenario].apply(config);
    if (SCENARIOS[scenario].saturate) scenarioConfig = saturate(scenarioConfig, registry, kernel.module, io);
    if (sweep) {
      await runSweep({ scenario, config: scenarioConfig, sweep, registry, policies, kernel, out, io });
      continue;
    }
    const started = performance.now();
    const report = runScenario({ scenario, config: scenarioConfig, registry, policies, kernelModule: kernel.module, onProgress: progress(io, scenario) });
    const seconds = Math.round((performance.now() - started) / 10) / 100;
    if (io.stderr.isTTY) io.stderr.write("\r\x1b[2K");
    io.stdout.write(`${renderTable(report)}(simulated in ${seconds} s)\n\n`);
    const base = join(out, scenario);
    await writeFile(`${base}.json`, JSON.stringify({ ...report, wall_seconds: seconds, kernel_sha256: kernel.sha256 }, null, 1) + "\n");
    await writeFile(`${base}.svg`, renderChart(report));
    io.stderr.write(`wrote ${base}.json and ${base}.svg\n`);
  }
  return 0;
}

/** Progress on stderr, one line per tenth of each policy's trace. */
function progress(io: CliIo, label: string): (policy: string, done: number) => void {
  let last = -1;
  return (policy, done) => {
    const tenth = Math.floor(done * 10);
    if (tenth === last) return;
    last = tenth;
    io.stderr.write(`${io.stderr.isTTY ? "\r\x1b[2K" : ""}sim ${label} ${policy}: ${Math.round(done * 100)}%${io.stderr.isTTY ? "" : "\n"}`);
  };
}

interface SweepInput {
  scenario: ScenarioName;
  config: SimConfig;
  sweep: Sweep;
  registry: Registry;
  policies: typeof POLICIES;
  kernel: { module: WebAssembly.Module; sha256: string };
  out: string;
  io: CliIo;
}

/**
 * Every combination of isolates × push interval. Policies blind to telemetry give the same result
 * for all of them (same fleet, same trace), so they run once; the live ones run per combination.
 */
async function runSweep(input: SweepInput): Promise<void> {
  const { scenario, config, sweep, registry, kernel, io } = input;
  const started = performance.now();
  const blind = input.policies.filter((p) => !p.live_telemetry);
  const live = input.policies.filter((p) => p.live_telemetry);
  const base = runScenario({ scenario, config, registry, policies: blind, kernelModule: kernel.module, onProgress: progress(io, scenario) });
  const rows: SweepRow[] = [];
  for (const isolates of sweep.isolates) {
    for (const push of sweep.push_intervals) {
      const setting = { ...config, telemetry: { ...config.telemetry, isolates, push_interval_s: push } };
      const label = `${scenario} isolates=${isolates} push=${push}s`;
      const report = live.length > 0 ? runScenario({ scenario, config: setting, registry, policies: live, kernelModule: kernel.module, onProgress: progress(io, label) }) : null;
      rows.push({ isolates, push_interval_s: push, results: report?.results ?? [] });
    }
  }
  const seconds = Math.round((performance.now() - started) / 10) / 100;
  if (io.stderr.isTTY) io.stderr.write("\r\x1b[2K");
  io.stdout.write(`${renderSweep(base, rows)}(simulated in ${seconds} s)\n\n`);
  const file = join(input.out, `${scenario}-sweep.json`);
  await writeFile(file, JSON.stringify({ ...base, sweep: rows, wall_seconds: seconds, kernel_sha256: kernel.sha256 }, null, 1) + "\n");
  io.stderr.write(`wrote ${file}\n`);
}

/** The config at the saturated rate, found by bisection on static alone (progress on stderr). */
function saturate(config: SimConfig, registry: Registry, module: WebAssembly.Module, io: CliIo): SimConfig {
  io.stderr.write(`sim saturated: finding the rate at which static serves ${SATURATION_TARGET * 100}% (static only)\n`);
  const found = findSaturatedRate({
    config,
    registry,
    kernelModule: module,
    onProbe: (p) => io.stderr.write(`  rate ${p.rate_per_gpu.toFixed(4)}/GPU/s: static serves ${(p.served_share * 100).toFixed(1)}%\n`),
  });
  io.stderr.write(`sim saturated: ${found.rate_per_gpu}/GPU/s\n`);
  return { ...config, trace: { ...config.trace, rate_per_gpu: found.rate_per_gpu } };
}

function scenarioNames(raw: string): ScenarioName[] {
  const all = Object.keys(SCENARIOS) as ScenarioName[];
  if (raw === "all") return all;
  const found = all.find((s) => s === raw);
  if (!found) throw new UsageError(`--scenario must be one of ${all.join(", ")}, all; got '${raw}'`);
  return [found];
}

function pickPolicies(raw: string | undefined): typeof POLICIES {
  if (raw === undefined) return POLICIES;
  return raw.split(",").map((id) => {
    const policy = POLICIES.find((p) => p.id === id.trim());
    if (!policy) throw new UsageError(`--policies: unknown policy '${id}'; known: ${POLICIES.map((p) => p.id).join(", ")}`);
    return policy;
  });
}

async function loadRegistry(path: string): Promise<Registry> {
  const loaded = await loadFile(path);
  if (!loaded.ok) throw new UsageError(`--registry ${path}: ${loaded.error}`);
  const result = validateRegistry(loaded.doc);
  if (!result.registry) throw new UsageError(`--registry ${path} is not a valid registry: ${result.errors.slice(0, 3).map((e) => `${e.path}: ${e.message}`).join("; ")}`);
  return result.registry;
}

/** The kernel module and the SHA-256 of its file, which the JSON report records. */
async function loadKernel(path: string | undefined): Promise<{ module: WebAssembly.Module; sha256: string }> {
  try {
    const file = path ?? KERNEL_PATH;
    const sha256 = createHash("sha256").update(await readFile(file)).digest("hex");
    return { module: await loadKernelModule(file), sha256 };
  } catch (error) {
    if (path === undefined) throw error;
    throw new UsageError(`--kernel ${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** GB:share pairs → the fleet's class mix. */
function gpuMix(raw: string): SimConfig["fleet"]["classes"] {
  return raw.split(",").map((pair) => {
    const [gb, share] = pair.split(":").map(Number);
    if (!(gb! > 0) || !(share! >= 0) || pair.split(":").length !== 2) throw new UsageError(`--gpu-mix: '${pair}' is not GB:share (e.g. 80:0.3)`);
    return { memory_gb: gb!, share: share! };
  });
}

type Values = ReturnType<typeof parseCommandLine<typeof OPTIONS>>["values"];

interface Sweep {
  isolates: number[];
  push_intervals: number[];
}

/** Comma-separated --isolates / --push-interval values: a sweep when either lists more than one. */
function sweepSettings(values: Values, config: SimConfig): Sweep | null {
  const list = (raw: string | undefined, flag: string, fallback: number, parse: (v: string, flag: string) => number): number[] =>
    raw === undefined ? [fallback] : raw.split(",").map((v) => parse(v.trim(), flag));
  const isolates = list(values.isolates, "--isolates", config.telemetry.isolates, (v, f) => positiveInt(v, f, 1));
  const push_intervals = list(values["push-interval"], "--push-interval", config.telemetry.push_interval_s, (v, f) => {
    const value = nonNegative(v, f, 0);
    if (value === 0) throw new UsageError(`${f} must be greater than 0`);
    return value;
  });
  return isolates.length > 1 || push_intervals.length > 1 ? { isolates, push_intervals } : null;
}

function onOff(raw: string | undefined, flag: string, fallback: boolean): boolean {
  if (raw === undefined) return fallback;
  if (raw === "on" || raw === "off") return raw === "on";
  throw new UsageError(`${flag} must be on or off, got '${raw}'`);
}

/** A share in (0, 1], or null when the flag is absent. */
function share(raw: string | undefined, flag: string): number | null {
  if (raw === undefined) return null;
  const value = Number(raw);
  if (!(value > 0 && value <= 1)) throw new UsageError(`${flag} must be a share in (0, 1], e.g. 0.9, got '${raw}'`);
  return value;
}

function buildConfig(values: Values, registry: Registry): SimConfig {
  const d = DEFAULT_CONFIG;
  const positive = (raw: string | undefined, flag: string, fallback: number): number => {
    const value = nonNegative(raw, flag, fallback);
    if (value === 0) throw new UsageError(`${flag} must be greater than 0`);
    return value;
  };
  const mix = categoryMixFor(registry, DEMO_REGISTRY, d.trace.category_mix);
  const config: SimConfig = {
    ...d,
    seed: nonNegative(values.seed, "--seed", d.seed),
    fleet: {
      nodes: positiveInt(values.nodes, "--nodes", d.fleet.nodes),
      gpus_per_node: positiveInt(values["gpus-per-node"], "--gpus-per-node", d.fleet.gpus_per_node),
      sites: positiveInt(values.sites, "--sites", d.fleet.sites),
      classes: values["gpu-mix"] === undefined ? d.fleet.classes : gpuMix(values["gpu-mix"]),
      slots: positiveInt(values.slots, "--slots", d.fleet.slots),
    },
    trace: { ...d.trace, category_mix: mix, duration_s: positive(values.duration, "--duration", d.trace.duration_s), rate_per_gpu: positive(values.rate, "--rate", d.trace.rate_per_gpu) },
    telemetry: {
      push_interval_s: positive(values["push-interval"]?.split(",")[0], "--push-interval", d.telemetry.push_interval_s),
      push_delay_s: nonNegative(values["push-delay"], "--push-delay", d.telemetry.push_delay_s),
      view_ttl_s: positive(values["view-ttl"], "--view-ttl", d.telemetry.view_ttl_s),
      isolates: positiveInt(values.isolates?.split(",")[0], "--isolates", d.telemetry.isolates),
      engines: onOff(values["engine-telemetry"], "--engine-telemetry", d.telemetry.engines),
    },
    physics: { ...d.physics, prealloc_share: share(values.prealloc, "--prealloc") },
  };
  if (!Number.isInteger(config.seed)) throw new UsageError(`--seed must be an integer, got '${values.seed}'`);
  const unknown = unknownCategories(config, registry);
  if (unknown.length > 0) throw new UsageError(`the traffic mix names categories the registry lacks: ${unknown.join(", ")}`);
  return config;
}
