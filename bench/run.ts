/**
 * `npm run bench`: every benchmark of the router, printed as tables and written to
 * bench/results/latest.json. Ratios are measured side by side in this one run; compare
 * absolute numbers only between runs on the same machine.
 */
import { writeFileSync, mkdirSync } from "node:fs";
import os from "node:os";
import { benchKernel } from "./kernel";
import { table } from "./measure";

const SIZES = [100, 1000, 10000].flatMap((models) => [0, 10, 1000].map((gpus) => ({ models, gpus })));

function machine(): string {
  const cpu = os.cpus()[0]?.model ?? "unknown CPU";
  return `${cpu}, ${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
}

async function main(): Promise<void> {
  console.error(`bench on ${machine()}`);
  const kernel = benchKernel(SIZES, "build/kernel.wasm");
  console.log("\nKernel: µs per decision (median of 3 alternating rounds), WASM vs TS reference\n");
  console.log(
    table(
      ["models", "GPUs", "WASM µs", "reference µs", "WASM speed-up", "WASM decisions/s", "WASM memory MiB"],
      kernel.map((r) => [r.models, r.gpus, r.wasm_us, r.reference_us, `${r.speedup}×`, r.wasm_decisions_per_s, r.wasm_memory_mib]),
    ),
  );
  mkdirSync("bench/results", { recursive: true });
  const result = { date: new Date().toISOString(), machine: machine(), kernel };
  writeFileSync("bench/results/latest.json", JSON.stringify(result, null, 2) + "\n");
  console.log("\nwrote bench/results/latest.json");
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
