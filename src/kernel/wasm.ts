/**
 * The WASM kernel behind the Kernel interface. The worker builds one per registry version
 * (src/routing/context.ts), the bench and the simulator build it from the same .wasm file.
 * Per request only numbers cross the boundary: the request is written into the REQUEST region,
 * route() runs, and the answer is read back from the OUT/RESULTS/PATH regions.
 */
import * as L from "../../assembly/layout";
import { PRECISIONS, type Registry } from "../registry/schema";
import { appendEntry, carryOver, emptyLedger, type Ledger } from "./ledger";
import { packFleet, packRegistry, type PackedFleet, type PackedRegistry } from "./pack";
import type { FleetNode, Kernel, KernelCandidate, KernelRejection, KernelRequest, KernelResult, KernelStatus } from "./types";

interface KernelExports {
  memory: WebAssembly.Memory;
  abi_version(): number;
  init_registry(): number;
  init_fleet(): number;
  route(): number;
}

const STATUS: Record<number, KernelStatus> = {
  [L.STATUS_OK]: "ok",
  [L.STATUS_NO_MODEL]: "no_model",
  [L.STATUS_NO_GPU]: "no_gpu",
};

export class KernelAbiError extends Error {}

export class WasmKernel implements Kernel {
  private readonly exports: KernelExports;
  private packed: PackedRegistry | null = null;
  private fleet: PackedFleet = { nodes: [], gpus: [], replicas: { sources: [], loaders: [] } };
  /** Every recorded placement no snapshot reflects yet; the kernel's counts are derived from it at each pack. */
  private log: Ledger = emptyLedger();
  private ownWeight = 1;
  /** Whether the last request set allow/deny flags, so the next one knows to clear them. */
  private flagsDirty = false;

  /** Instantiates the module and checks its ABI against assembly/layout.ts; throws KernelAbiError on mismatch. */
  constructor(module: WebAssembly.Module) {
    const instance = new WebAssembly.Instance(module, { env: { abort: kernelAbort } });
    this.exports = checkedExports(instance.exports);
    const abi = this.exports.abi_version();
    if (abi !== L.ABI_VERSION) throw new KernelAbiError(`kernel ABI ${abi}, host expects ${L.ABI_VERSION}; rebuild with npm run build:kernel`);
  }

  /** Size of the kernel's linear memory: the packed registry and fleet plus fixed regions. */
  memoryBytes(): number {
    return this.exports.memory.buffer.byteLength;
  }

  loadRegistry(registry: Registry): void {
    this.packed = packRegistry(registry, this.exports.memory);
    if (this.exports.init_registry() !== 0) throw new KernelAbiError("kernel rejected the packed registry header");
    this.flagsDirty = false;
    this.writeOwnWeight();
    this.packFleet(this.fleet.nodes);
  }

  loadFleet(nodes: readonly FleetNode[]): void {
    if (!this.packed) throw new Error("loadRegistry must come before loadFleet");
    this.packFleet(nodes);
  }

  setOwnWeight(weight: number): void {
    if (!(weight >= 1)) throw new RangeError(`own-placement weight must be at least 1, got ${weight}`);
    this.ownWeight = weight;
    if (this.packed) this.writeOwnWeight();
  }

  private writeOwnWeight(): void {
    new Float64Array(this.exports.memory.buffer, L.CONFIG_BASE, L.CONFIG_SLOTS)[L.C_OWN_WEIGHT] = this.ownWeight;
  }

  /** What this kernel placed that no current snapshot reflects yet (see ledger.ts). */
  ledger(): Ledger {
    return { entries: this.log.entries.slice() };
  }

  private packFleet(nodes: readonly FleetNode[]): void {
    const packed = this.packed!;
    this.log = carryOver(this.log, nodes, new Set(packed.modelIndex.keys()));
    this.fleet = packFleet(nodes, packed, this.exports.memory, this.log);
    this.exports.init_fleet();
  }

  route(request: KernelRequest): KernelResult {
    const packed = this.packed;
    if (!packed) throw new Error("no registry loaded");
    const category = packed.taxonomy.indexOf(request.category);
    if (category < 0) throw new RangeError(`unknown category '${request.category}'`);
    const memory = this.exports.memory.buffer;
    const c = request.constraints;
    const req = new Float64Array(memory, L.REQUEST_BASE, 16);
    req[L.R_CATEGORY] = category;
    req[L.R_MIN_CONTEXT] = c.min_context ?? 0;
    req[L.R_MAX_MEMORY] = c.max_memory_mb ?? Infinity;
    req[L.R_MAX_PARAMS] = c.max_params_b ?? Infinity;
    req[L.R_MIN_SCORE] = c.min_score ?? -Infinity;
    req[L.R_PRECISION] = c.precision === undefined ? -1 : PRECISIONS.indexOf(c.precision);
    req[L.R_USE_ALLOW] = c.allow_models ? 1 : 0;
    req[L.R_USE_DENY] = c.deny_models ? 1 : 0;
    req[L.R_TOP_K] = request.top_k;
    req[L.R_NOW_MS] = request.now_ms;
    req[L.R_STALE_AFTER_MS] = packed.registry.config.gpu.stale_after_s * 1000;
    req[L.R_HEADROOM_MB] = packed.registry.config.gpu.memory_headroom_mb;
    req[L.R_SEED] = (request.seed ?? 0) >>> 0;
    req[L.R_RECORD] = request.record === false ? 0 : 1;
    req[L.R_USE_EXCLUDE] = this.writeNodeFlags(request.exclude_nodes) ? 1 : 0;
    this.writeListFlags(request, packed);

    this.exports.route();
    const result = this.readResult(packed, request.explain === true);
    const chosen = result.results[0];
    if (request.record !== false && chosen?.placement) {
      const p = chosen.placement;
      appendEntry(this.log, { node: p.node, gpu: p.gpu_index, engine: p.engine, model: chosen.model, memory: p.serving ? 0 : chosen.memory_mb, serving: p.serving, at_ms: request.now_ms });
    }
    return result;
  }

  /** Marks the excluded nodes; false (nothing written) when the request excludes none of the fleet's. */
  private writeNodeFlags(exclude: readonly string[] | undefined): boolean {
    if (!exclude || exclude.length === 0 || this.fleet.nodes.length === 0) return false;
    const header = new Int32Array(this.exports.memory.buffer, L.HEADER_BASE, L.HEADER_SLOTS);
    const flags = new Uint8Array(this.exports.memory.buffer, header[L.H_NODE_FLAGS], this.fleet.nodes.length);
    flags.fill(0);
    const set = new Set(exclude);
    let any = false;
    this.fleet.nodes.forEach((node, n) => {
      if (!set.has(node.id)) return;
      flags[n] = L.NODE_EXCLUDED;
      any = true;
    });
    return any;
  }

  private writeListFlags(request: KernelRequest, packed: PackedRegistry): void {
    const { allow_models: allow, deny_models: deny } = request.constraints;
    if (!allow && !deny && !this.flagsDirty) return;
    const header = new Int32Array(this.exports.memory.buffer, L.HEADER_BASE, L.HEADER_SLOTS);
    const flags = new Uint8Array(this.exports.memory.buffer, header[L.H_MODEL_FLAGS], packed.registry.models.length);
    flags.fill(0);
    for (const id of allow ?? []) {
      const m = packed.modelIndex.get(id);
      if (m !== undefined) flags[m]! |= L.FLAG_ALLOWED;
    }
    for (const id of deny ?? []) {
      const m = packed.modelIndex.get(id);
      if (m !== undefined) flags[m]! |= L.FLAG_DENIED;
    }
    this.flagsDirty = Boolean(allow || deny);
  }

  private readResult(packed: PackedRegistry, explain: boolean): KernelResult {
    const buffer = this.exports.memory.buffer;
    const out = new Int32Array(buffer, L.OUT_BASE, 8);
    const header = new Int32Array(buffer, L.HEADER_BASE, L.HEADER_SLOTS);
    const { models, categories } = packed.registry;
    const status = STATUS[out[L.O_STATUS]!];
    if (!status) throw new Error(`kernel answered status ${out[L.O_STATUS]}`);
    const pathView = new Int32Array(buffer, L.PATH_BASE, out[L.O_PATH_LEN]!);
    const path = Array.from(pathView, (ci) => categories[ci]!.id);
    const view = new DataView(buffer);
    const results: KernelCandidate[] = [];
    for (let r = 0; r < out[L.O_RESULTS]!; r++) {
      const row = L.RESULTS_BASE + r * L.RESULT_STRIDE;
      const gpu = view.getInt32(row + L.RS_GPU, true);
      const flags = view.getInt32(row + L.RS_PLACEMENT_FLAGS, true);
      let placement: KernelCandidate["placement"] = null;
      if (gpu >= 0) {
        const [n, j] = this.fleet.gpus[gpu]!;
        const node = this.fleet.nodes[n]!;
        const engine = view.getInt32(row + L.RS_ENGINE, true);
        placement = {
          node: node.id,
          gpu_index: node.gpus[j]!.index,
          engine: engine >= 0 ? this.fleet.replicas.sources[engine]!.ordinal : null,
          serving: (flags & L.PLACED_SERVING) !== 0,
          stale: (flags & L.PLACED_STALE) !== 0,
        };
      }
      results.push({
        model: models[view.getInt32(row + L.RS_MODEL, true)]!.id,
        precision: PRECISIONS[view.getInt32(row + L.RS_PRECISION, true)]!,
        memory_mb: view.getFloat64(row + L.RS_MEMORY, true),
        score: {
          total: view.getFloat64(row + L.RS_TOTAL, true),
          base: view.getFloat64(row + L.RS_BASE, true),
          benchmark: view.getFloat64(row + L.RS_BENCHMARK, true),
          confidence: view.getFloat64(row + L.RS_CONFIDENCE, true),
        },
        placement,
      });
    }
    // Rejections are only turned into objects when someone will read them.
    const count = explain || status !== "ok" ? out[L.O_REJECTED]! : 0;
    const rejModel = new Int32Array(buffer, header[L.H_REJ_MODEL], count);
    const rejReason = new Int32Array(buffer, header[L.H_REJ_REASON], count);
    const rejLevel = new Int32Array(buffer, header[L.H_REJ_LEVEL], count);
    const rejected: KernelRejection[] = [];
    for (let i = 0; i < count; i++) {
      rejected.push({ model: models[rejModel[i]!]!.id, category: path[rejLevel[i]!]!, reasons: rejReason[i]! });
    }
    const resolved = out[L.O_RESOLVED]!;
    return { status, path, resolved: resolved >= 0 ? categories[resolved]!.id : null, results, rejected };
  }
}

/** The module's exports, checked one by one: a stale or foreign build fails here, not mid-request. */
function checkedExports(exports: WebAssembly.Exports): KernelExports {
  const memory = exports["memory"];
  if (!(memory instanceof WebAssembly.Memory)) throw new KernelAbiError("kernel module exports no memory");
  const fn = (name: string): (() => number) => {
    const f = exports[name];
    if (typeof f !== "function") throw new KernelAbiError(`kernel module lacks the export '${name}'; rebuild with npm run build:kernel`);
    return () => Number(f());
  };
  return { memory, abi_version: fn("abi_version"), init_registry: fn("init_registry"), init_fleet: fn("init_fleet"), route: fn("route") };
}

function kernelAbort(): never {
  throw new Error("kernel aborted");
}
