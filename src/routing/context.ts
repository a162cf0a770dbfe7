/**
 * What a routing decision reads, cached per isolate: the live registry with its packed WASM
 * kernel (rebuilt only when the version changes) and the fleet view (repacked only when its
 * generation changes). After the TTL the next request asks KV for the registry version
 * (one small read) and the fleet source for its view.
 */
import type { Env } from "../env";
import { intSetting } from "../env";
import type { Model, Registry } from "../registry/schema";
import { RegistryStore } from "../registry/store";
import { Taxonomy } from "../registry/taxonomy";
import type { FleetNode } from "../kernel/types";
import { WasmKernel } from "../kernel/wasm";

/** The fleet as routing sees it; `generation` changes whenever any node's snapshot does. */
export interface FleetSnapshot {
  generation: string;
  nodes: FleetNode[];
}

/** Where the fleet comes from (the telemetry view over KV in the worker). */
export interface FleetSource {
  snapshot(env: Env, now_ms: number): Promise<FleetSnapshot>;
}

export const EMPTY_FLEET: FleetSource = {
  snapshot: async () => ({ generation: "empty", nodes: [] }),
};

/** One registry version with its kernel; immutable, so a request can hold it across awaits. */
export interface LoadedRegistry {
  registry: Registry;
  taxonomy: Taxonomy;
  kernel: WasmKernel;
  models: Map<string, Model>;
  /** Generation of the fleet packed into `kernel`. */
  fleetGeneration: string | null;
  fleet: FleetNode[];
  nodes: Map<string, FleetNode>;
}

export interface RoutingContextOptions {
  kernelModule: WebAssembly.Module;
  fleetSource: FleetSource;
}

const DEFAULT_TTL_MS = 2000;

export class RoutingContext {
  private loaded: LoadedRegistry | null = null;
  private checkedAt = -Infinity;

  constructor(private readonly options: RoutingContextOptions) {}

  /** The registry, kernel and fleet to decide with now. */
  async get(env: Env, now_ms: number): Promise<LoadedRegistry> {
    const ttl = intSetting(env.CACHE_TTL_MS, DEFAULT_TTL_MS);
    let loaded = this.loaded;
    if (!loaded || now_ms - this.checkedAt >= ttl) {
      const store = new RegistryStore(env.ROUTER_KV);
      const version = await store.currentVersion();
      if (!loaded || loaded.registry.version !== version) loaded = this.build(await store.load(version));
      const fleet = await this.options.fleetSource.snapshot(env, now_ms);
      if (loaded.fleetGeneration !== fleet.generation) setFleet(loaded, fleet);
      this.loaded = loaded;
      this.checkedAt = now_ms;
    }
    return loaded;
  }

  /** Makes a just-stored registry live in this isolate without waiting for the TTL. */
  install(registry: Registry): void {
    const previous = this.loaded;
    const next = this.build(registry);
    if (previous?.fleetGeneration) setFleet(next, { generation: previous.fleetGeneration, nodes: previous.fleet });
    this.loaded = next;
  }

  private build(registry: Registry): LoadedRegistry {
    const kernel = new WasmKernel(this.options.kernelModule);
    kernel.loadRegistry(registry);
    return {
      registry,
      taxonomy: new Taxonomy(registry.categories),
      kernel,
      models: new Map(registry.models.map((m) => [m.id, m])),
      fleetGeneration: null,
      fleet: [],
      nodes: new Map(),
    };
  }
}

function setFleet(loaded: LoadedRegistry, fleet: FleetSnapshot): void {
  loaded.kernel.loadFleet(fleet.nodes);
  loaded.fleetGeneration = fleet.generation;
  loaded.fleet = fleet.nodes;
  loaded.nodes = new Map(fleet.nodes.map((n) => [n.id, n]));
}
