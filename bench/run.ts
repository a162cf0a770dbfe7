/**
 * `npm run bench`: every benchmark of the router, printed as tables and written to
 * bench/results/latest.json. Ratios are measured side by side in this one run; compare
 * absolute numbers only between runs on the same machine.
 *
 *   npm run bench                 kernel + telemetry parsing + end-to-end
 *   npm run bench -- --kernel     kernel only (no wrangler dev)
 *   npm run bench -- --parse      nvidia-smi parsing only
 *   npm run bench -- --e2e        end-to-end only
 *   npm run bench -- --size       the upload: script, modules and source map, raw and gzipped
 *   npm run bench -- --gateway    the OpenAI-compatible gateway against a pass-through worker (not in the default run;
 *                                 5 interleaved rounds, --rounds N for more)
 *   npm run bench -- --inprocess  the router app and baselines through fetch() in this process, with a stage breakdown
 *                                 (not in the default run; --rounds N, default 9; --only a,b to time some targets
 *                                 alone; --profile f.cpuprofile records V8's CPU profile of the timed rounds,
 *                                 summarised by tsx bench/inprocess/profile-summary.ts f.cpuprofile)
 */
import { mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import { benchE2e, type E2eRow } from "./e2e";
import { benchGateway, type GatewayRow, type SharedBreakerCost } from "./gateway";
import { benchKernel, type KernelRow } from "./kernel";
import { benchKernelStages, type KernelStages } from "./kernel-stages";
import type { InProcessResult } from "./inprocess/index";
import { table } from "./measure";
import { benchParse } from "./telemetry";
import { kib, measureUpload, type UploadSize } from "./upload";

const SIZES = [100, 1000, 10000].flatMap((models) => [0, 10, 1000].map((gpus) => ({ models, gpus })));

function machine(): string {
  const cpu = os.cpus()[0]?.model ?? "unknown CPU";
  return `${cpu}, ${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
}

function printKernel(rows: KernelRow[]): void {
  console.log("\nKernel: µs per decision (median of 3 alternating rounds), WASM vs TS reference\n");
  console.log(
    table(
      ["models", "GPUs", "WASM µs", "reference µs", "WASM speed-up", "WASM decisions/s", "WASM memory MiB"],
      rows.map((r) => [r.models, r.gpus, r.wasm_us, r.reference_us, `${r.speedup}×`, r.wasm_decisions_per_s, r.wasm_memory_mib]),
    ),
  );
}

function printKernelStages(r: KernelStages): void {
  console.log(`\nKernel stages at ${r.models} models × ${r.gpus} GPUs: µs per call (median of alternating rounds)\n`);
  console.log(table(["stage", "WASM µs", "reference µs", "WASM speed-up"], Object.keys(r.wasm).map((k) => [k, r.wasm[k]!, r.reference[k]!, `${r.speedup[k]}×`])));
  console.log(`\nbytes a decision must read: ${r.scan_bytes}; touching each 64-byte line once: ${r.scan_limit_us} µs; decision ÷ that: ${(r.wasm["decision"]! / r.scan_limit_us).toFixed(1)}×`);
}

function printE2e(rows: E2eRow[]): void {
  console.log("\nEnd to end: POST /v1/route through wrangler dev (median of rounds), router vs trivial Hono worker\n");
  const byConn = [...new Set(rows.map((r) => r.connections))];
  console.log(
    table(
      ["connections", "target", "req/s", "p50 ms", "p99 ms", "errors", "non-2xx", "router/baseline req/s"],
      byConn.flatMap((connections) => {
        const router = rows.find((r) => r.connections === connections && r.target === "router")!;
        const baseline = rows.find((r) => r.connections === connections && r.target === "baseline")!;
        const ratio = (router.requests_per_s / baseline.requests_per_s).toFixed(2);
        return [router, baseline].map((r) => [connections, r.target, r.requests_per_s, r.p50_ms, r.p99_ms, r.errors, r.non_2xx, r === router ? ratio : ""]);
      }),
    ),
  );
}

function printUpload(size: UploadSize): void {
  console.log("\nUpload: wrangler deploy --dry-run (minified, with source map), raw and gzip -9\n");
  console.log(table(["file", "kind", "raw", "gzip"], size.files.map((f) => [f.file, f.kind, kib(f.raw_bytes), kib(f.gzip_bytes)])));
  console.log(`\nupload (script + modules): ${kib(size.upload_raw_bytes)} raw, ${kib(size.upload_gzip_bytes)} gzipped; wrangler: ${size.wrangler_says ?? "no summary line"}`);
}

function printGateway(rows: GatewayRow[], steps: Record<string, number>, shared: SharedBreakerCost): void {
  console.log("\nGateway: POST /v1/chat/completions through wrangler dev (median of rounds), against a pass-through worker on the same runtime\n");
  console.log(
    table(
      ["connections", "target", "req/s", "p50 ms", "p99 ms", "non-2xx", "errors", "÷ pass-through req/s"],
      rows.map((r) => {
        const base = rows.find((x) => x.connections === r.connections && x.target === "passthrough")!;
        return [r.connections, r.target, r.requests_per_s, r.p50_ms, r.p99_ms, r.non_2xx, r.errors, (r.requests_per_s / base.requests_per_s).toFixed(2)];
      }),
    ),
  );
  console.log("\nGateway CPU steps per request in Node (µs, median of 3 rounds)\n");
  console.log(table(["step", "µs"], Object.entries(steps).map(([k, v]) => [k, v.toFixed(2)])));
  console.log(`\nShared breakers: ${shared.reads} reads + ${shared.reports} reports for ${shared.proxied} proxied requests = ${shared.calls_per_request.toFixed(5)} Durable Object calls per request`);
}

function printInProcess(r: InProcessResult): void {
  console.log(`\nIn process: µs per request through fetch() in Node, in-memory bindings (median of ${r.rounds} interleaved rounds)\n`);
  console.log(table(["target", "CPU µs", "wall µs"], Object.entries(r.requests).map(([k, v]) => [k, v.cpu_us.toFixed(2), v.wall_us.toFixed(2)])));
  console.log("\nRatios (same run; CPU time is the stable one on a shared machine)\n");
  console.log(table(["ratio", "CPU ×", "wall ×"], Object.entries(r.ratios).map(([k, v]) => [k, v.cpu.toFixed(2), v.wall.toFixed(2)])));
  console.log("\nStages of POST /v1/route (ladder: per request; step: per call)\n");
  console.log(table(["stage", "CPU µs", "wall µs"], Object.entries(r.stages).map(([k, v]) => [k, v.cpu_us.toFixed(2), v.wall_us.toFixed(2)])));
}

async function main(): Promise<void> {
  const args = new Set(process.argv.slice(2));
  if (args.has("--help")) {
    console.log("usage: npm run bench [-- --kernel | --parse | --e2e | --size | --gateway [--rounds N] | --inprocess [--rounds N] [--only target,…] [--profile file.cpuprofile]]\n  writes bench/results/latest.json");
    return;
  }
  const all = !args.has("--kernel") && !args.has("--e2e") && !args.has("--parse") && !args.has("--size") && !args.has("--gateway") && !args.has("--inprocess");
  console.error(`bench on ${machine()}`);
  const result: Record<string, unknown> = { date: new Date().toISOString(), machine: machine() };
  if (all || args.has("--kernel")) {
    const kernel = await benchKernel(SIZES);
    printKernel(kernel);
    result["kernel"] = kernel;
    const stages = await benchKernelStages({ models: 1000, gpus: 1000, rounds: 5, minMs: 200 });
    printKernelStages(stages);
    result["kernel_stages"] = stages;
  }
  if (all || args.has("--parse")) {
    const parse = await benchParse();
    console.log("\nTelemetry: nvidia-smi parse time per 8-GPU snapshot (median of alternating rounds)\n");
    console.log(table(["input", "µs per parse"], parse.map((r) => [r.name, r.us_per_parse])));
    result["parse"] = parse;
  }
  if (all || args.has("--e2e")) {
    const e2e = await benchE2e({ connections: [1, 32], seconds: 5, rounds: 2 });
    printE2e(e2e);
    result["e2e"] = e2e;
  }
  if (all || args.has("--size")) {
    const size = await measureUpload();
    printUpload(size);
    result["upload"] = { ...size, map_sources: undefined, map_source_count: size.map_sources.length };
  }
  if (args.has("--gateway")) {
    const at = process.argv.indexOf("--rounds");
    const gateway = await benchGateway({ connections: [1, 32], seconds: 5, rounds: at >= 0 ? Number(process.argv[at + 1]) : 5 });
    printGateway(gateway.rows, gateway.steps, gateway.shared);
    result["gateway"] = gateway;
  }
  if (args.has("--inprocess")) {
    const argv = process.argv.slice(2);
    const at = argv.indexOf("--rounds");
    const rounds = at >= 0 ? Number(argv[at + 1]) : 9;
    if (!Number.isInteger(rounds) || rounds < 1) throw new Error("--rounds takes a positive integer");
    // Imported only here: it shims cloudflare:workers and wraps fetch for its stand-in upstream.
    const { benchInProcess } = await import("./inprocess/index");
    const only = argv.indexOf("--only");
    const profile = argv.indexOf("--profile");
    const inprocess = await benchInProcess({
      rounds,
      minMs: 250,
      ...(only >= 0 ? { only: argv[only + 1]!.split(",") } : {}),
      ...(profile >= 0 ? { profile: argv[profile + 1]! } : {}),
    });
    printInProcess(inprocess);
    result["inprocess"] = inprocess;
  }
  mkdirSync("bench/results", { recursive: true });
  writeFileSync("bench/results/latest.json", JSON.stringify(result, null, 2) + "\n");
  console.log("\nwrote bench/results/latest.json");
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
