/**
 * Kernel bench: decisions per second of the WASM kernel and the TS reference on synthetic
 * registries and fleets (test/support/synthetic.ts), side by side in one run.
 */
import { loadKernelModule } from "../cli/sim/kernel-module";
import { ReferenceKernel } from "../src/kernel/reference";
import type { Kernel, KernelRequest } from "../src/kernel/types";
import { WasmKernel } from "../src/kernel/wasm";
import { syntheticFleet, syntheticRegistry } from "../test/support/synthetic";
import { compare } from "./measure";

export interface KernelRow {
  models: number;
  gpus: number;
  wasm_us: number;
  reference_us: number;
  /** reference µs / wasm µs: how many times faster WASM is. */
  speedup: number;
  wasm_decisions_per_s: number;
  wasm_memory_mib: number;
}

const NOW = 1_800_000_000_000;
/** Decisions between fleet reloads: one isolate at ~500 decisions/s between 2 s cache refreshes. */
const RELOAD_EVERY = 1000;

/** A request mix: every category, some with constraints, the way clients send them; distinct seeds. */
function requests(categories: string[]): KernelRequest[] {
  const mix = categories.flatMap((category, i) => [
    { category, constraints: {}, top_k: 3, now_ms: NOW },
    { category, constraints: i % 2 ? { max_memory_mb: 40000 } : { min_context: 32768, max_params_b: 40 }, top_k: 3, now_ms: NOW },
  ]);
  // Built once, so the timed loop allocates nothing of its own.
  return Array.from({ length: 997 }, (_, i) => ({ ...mix[i % mix.length]!, seed: (i * 2654435761) >>> 0 }));
}

export async function benchKernel(sizes: Array<{ models: number; gpus: number }>, minMs = 250): Promise<KernelRow[]> {
  const module = await loadKernelModule();
  const rows: KernelRow[] = [];
  for (const { models, gpus } of sizes) {
    const registry = syntheticRegistry({ models, seed: 1 });
    const fleet = syntheticFleet({ gpus, seed: 2, now_ms: NOW, modelIds: registry.models.map((m) => m.id) });
    const wasm = new WasmKernel(module);
    const reference = new ReferenceKernel();
    for (const k of [wasm, reference] as Kernel[]) {
      k.loadRegistry(registry);
      k.loadFleet(fleet);
    }
    const mix = requests(registry.categories.map((c) => c.id));
    // New snapshots arrive while the router decides: every RELOAD_EVERY decisions the fleet is
    // reloaded with every node one push newer (which also resets what the kernel counted since).
    const views = [fleet, fleet.map((n) => ({ ...n, taken_at_ms: n.taken_at_ms + 5000 }))];
    const decide = (k: Kernel) => (i: number) => {
      if (i % RELOAD_EVERY === 0) k.loadFleet(views[(i / RELOAD_EVERY) % 2]!);
      k.route(mix[i % mix.length]!);
    };
    const us = compare({ wasm: decide(wasm), reference: decide(reference) }, { rounds: 3, minMs });
    rows.push({
      models,
      gpus,
      wasm_us: round(us["wasm"]!),
      reference_us: round(us["reference"]!),
      speedup: round(us["reference"]! / us["wasm"]!),
      wasm_decisions_per_s: Math.round(1e6 / us["wasm"]!),
      wasm_memory_mib: round(wasm.memoryBytes() / 1048576),
    });
    process.stderr.write(`  kernel ${models} models × ${gpus} GPUs: wasm ${round(us["wasm"]!)} µs, reference ${round(us["reference"]!)} µs\n`);
  }
  return rows;
}

const round = (x: number): number => Math.round(x * 100) / 100;
