/**
 * Where a kernel decision's time goes, at one size (1,000 models × 1,000 GPUs by default), for
 * the WASM kernel and the TS reference side by side (`npm run bench -- --kernel`). Measured from
 * outside the kernel, with request and fleet variants that stop at each phase, so the kernel's
 * code is timed exactly as it runs:
 *
 *   scan, all rejected constraints no model meets (max_params_b ≈ 0): every level of the walk is
 *                     scanned and every model rejected, nothing ranked or placed; as a 422 it
 *                     also turns every rejection into a JS object, so it bounds the refusal path
 *                     rather than isolating the scan
 *   scan + score      the request mix on the same registry with no fleet: candidates are
 *                     filtered, scored and ranked (top-k from a heap); placement is skipped
 *   decision          the request mix on the 1k-GPU fleet, nothing recorded, no repack
 *   placement         decision − (scan + score)
 *   repack            loadFleet of a new generation (every node one push newer), per call;
 *                     a router pays it once per CACHE_TTL_MS at most, not per decision
 *
 * And the bound the decision is compared with: the bytes a decision must read (the requested
 * category's column and every GPU row, from the ABI 3 layout) and the time to touch each of their
 * cache lines once (a strided read of an array that large, in a loop of the same kind).
 */
import { loadKernelModule } from "../cli/sim/kernel-module";
import { ReferenceKernel } from "../src/kernel/reference";
import type { Kernel, KernelRequest } from "../src/kernel/types";
import { WasmKernel } from "../src/kernel/wasm";
import { syntheticFleet, syntheticRegistry } from "../test/support/synthetic";
import { compare } from "./measure";

const NOW = 1_800_000_000_000;

/** Bytes per category-column entry the scan reads: model index, base, benchmark and confidence, and the model's memory, context, params and flags. */
const ENTRY_BYTES = 4 + 3 * 8 + 3 * 8 + 1;
/** Bytes per GPU row placement reads: node, healthy, sorted, rank, sent, mark, loader (i32) and free, temperature, utilization, total, reserved (f64). */
const GPU_BYTES = 7 * 4 + 5 * 8;

export interface KernelStages {
  models: number;
  gpus: number;
  /** µs per call, median of alternating rounds. */
  wasm: Record<string, number>;
  reference: Record<string, number>;
  /** reference ÷ WASM, per stage. */
  speedup: Record<string, number>;
  /** Average bytes a decision must read (category column + GPU rows). */
  scan_bytes: number;
  /** µs to touch every 64-byte line of scan_bytes once. */
  scan_limit_us: number;
}

export async function benchKernelStages(options: { models: number; gpus: number; rounds: number; minMs: number }): Promise<KernelStages> {
  const module = await loadKernelModule();
  const registry = syntheticRegistry({ models: options.models, seed: 1 });
  const fleet = syntheticFleet({ gpus: options.gpus, seed: 2, now_ms: NOW, modelIds: registry.models.map((m) => m.id) });
  const views = [fleet, fleet.map((n) => ({ ...n, taken_at_ms: n.taken_at_ms + 5000 }))];
  const make = (kind: "wasm" | "reference", withFleet: boolean): Kernel => {
    const k: Kernel = kind === "wasm" ? new WasmKernel(module) : new ReferenceKernel();
    k.loadRegistry(registry);
    k.loadFleet(withFleet ? fleet : []);
    return k;
  };
  const categories = registry.categories.map((c) => c.id);
  const mix: KernelRequest[] = Array.from({ length: 997 }, (_, i) => ({
    category: categories[i % categories.length]!,
    constraints: i % 2 ? { max_memory_mb: 40000 } : {},
    top_k: 3,
    now_ms: NOW,
    seed: (i * 2654435761) >>> 0,
    record: false,
  }));
  const nothingFits = mix.map((r) => ({ ...r, constraints: { max_params_b: 1e-9 } }));

  const stages = (kind: "wasm" | "reference") => {
    const full = make(kind, true);
    const bare = make(kind, false);
    const repacked = make(kind, true);
    return {
      "scan, all rejected": (i: number) => full.route(nothingFits[i % nothingFits.length]!),
      "scan + score": (i: number) => bare.route(mix[i % mix.length]!),
      decision: (i: number) => full.route(mix[i % mix.length]!),
      repack: (i: number) => repacked.loadFleet(views[i % 2]!),
    };
  };
  const wasmOps = stages("wasm");
  const refOps = stages("reference");
  const contenders: Record<string, (i: number) => void> = {};
  for (const [name, op] of Object.entries(wasmOps)) contenders[`wasm ${name}`] = op;
  for (const [name, op] of Object.entries(refOps)) contenders[`reference ${name}`] = op;
  const us = compare(contenders, { rounds: options.rounds, minMs: options.minMs });
  const pick = (kind: string): Record<string, number> => {
    const out: Record<string, number> = {};
    for (const name of Object.keys(wasmOps)) out[name] = round(us[`${kind} ${name}`]!);
    out["placement"] = round(Math.max(0, out["decision"]! - out["scan + score"]!));
    return out;
  };
  const wasm = pick("wasm");
  const reference = pick("reference");
  const speedup = Object.fromEntries(Object.keys(wasm).map((k) => [k, wasm[k]! > 0 ? round(reference[k]! / wasm[k]!) : 0]));

  const perCategory = new Map<string, number>();
  for (const m of registry.models) for (const c of Object.keys(m.categories)) perCategory.set(c, (perCategory.get(c) ?? 0) + 1);
  const avgEntries = mix.reduce((n, r) => n + (perCategory.get(r.category) ?? 0), 0) / mix.length;
  const scan_bytes = Math.round(avgEntries * ENTRY_BYTES + fleet.reduce((n, node) => n + node.gpus.length, 0) * GPU_BYTES);
  return { models: options.models, gpus: options.gpus, wasm, reference, speedup, scan_bytes, scan_limit_us: round(touchLines(scan_bytes, options)) };
}

/** µs to read one value per 64-byte line of an array of `bytes` (the array stays in cache between calls, as the kernel's memory does). */
function touchLines(bytes: number, options: { rounds: number; minMs: number }): number {
  const words = new Float64Array(Math.ceil(bytes / 8)).fill(1);
  let sink = 0;
  const us = compare(
    {
      touch: () => {
        let s = 0;
        for (let i = 0; i < words.length; i += 8) s += words[i]!;
        sink += s;
      },
    },
    options,
  );
  if (sink < 0) console.log(sink);
  return us["touch"]!;
}

const round = (x: number): number => Math.round(x * 100) / 100;
