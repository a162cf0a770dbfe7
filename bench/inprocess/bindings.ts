/**
 * Miniflare-less bindings for `npm run bench -- --inprocess`, in memory and only for the bench:
 * a KV namespace (get text/json, put with metadata, list by prefix), Durable Object namespaces
 * whose stubs answer the RPC methods the request path calls (metrics `apply`, experiment
 * `recordAssignment`) at once, an ExecutionContext that keeps waitUntil tasks, and workerd's
 * FixedLengthStream as a plain pass-through TransformStream. Storage semantics (consistency,
 * TTLs, SQL) are out of scope: the bench times the router's own CPU work, not the runtime's.
 */

interface Entry {
  value: string;
  metadata: unknown;
}

/** Enough of KVNamespace for RegistryStore, TelemetryStore and ExperimentStore. */
export class MemoryKv {
  private readonly entries = new Map<string, Entry>();

  async get(key: string, type?: "text" | "json"): Promise<unknown> {
    const entry = this.entries.get(key);
    if (!entry) return null;
    return type === "json" ? JSON.parse(entry.value) : entry.value;
  }

  async put(key: string, value: string, options: { metadata?: unknown } = {}): Promise<void> {
    this.entries.set(key, { value, metadata: options.metadata ?? null });
  }

  async delete(key: string): Promise<void> {
    this.entries.delete(key);
  }

  async list(options: { prefix?: string } = {}): Promise<{ keys: Array<{ name: string; metadata: unknown }>; list_complete: true; cacheStatus: null }> {
    const prefix = options.prefix ?? "";
    const keys = [...this.entries.keys()]
      .filter((k) => k.startsWith(prefix))
      .sort()
      .map((name) => ({ name, metadata: this.entries.get(name)!.metadata }));
    return { keys, list_complete: true, cacheStatus: null };
  }
}

/** A Durable Object namespace whose every stub answers `methods` (the calls the request path makes). */
export function stubNamespace(methods: Record<string, (...args: unknown[]) => unknown>): unknown {
  const stub = Object.fromEntries(Object.entries(methods).map(([name, fn]) => [name, async (...args: unknown[]) => fn(...args)]));
  return { getByName: () => stub, idFromName: (name: string) => name, get: () => stub };
}

/** The bindings of the router, in memory; the caller fills ROUTER_KV. */
export function memoryEnv(vars: Record<string, string> = {}): { env: Record<string, unknown>; kv: MemoryKv } {
  const kv = new MemoryKv();
  const env = {
    ROUTER_KV: kv,
    METRICS: stubNamespace({
      apply: (batches: unknown) => ({ applied: (batches as unknown[]).length, duplicates: 0, rejected: 0, dropped_series: 0 }),
      read: () => ({ series: [], decisions: [] }),
    }),
    EXPERIMENTS: stubNamespace({ recordAssignment: () => true, recordEvent: () => ({ recorded: true }) }),
    NODES: stubNamespace({}),
    AGENTS: stubNamespace({}),
    ...vars,
  };
  return { env, kv };
}

/** An ExecutionContext that keeps what it was given, so the bench can await it between rounds. */
export class BenchExecutionContext {
  tasks: Array<Promise<unknown>> = [];
  props = {};
  waitUntil(task: Promise<unknown>): void {
    this.tasks.push(task);
  }
  passThroughOnException(): void {}
  /** Waits for every task so far (and forgets them). */
  async settle(): Promise<void> {
    const tasks = this.tasks.splice(0);
    await Promise.allSettled(tasks);
  }
}

/** workerd's FixedLengthStream (proxy.ts uses it for bodies with a Content-Length), as a pass-through. */
export function installWorkerdGlobals(): void {
  const g = globalThis as Record<string, unknown>;
  g["FixedLengthStream"] ??= class FixedLengthStream extends TransformStream<Uint8Array, Uint8Array> {
    constructor(_length: number) {
      super();
    }
  };
}
