/**
 * The node's serving engines as the agent reads them on every sample: all engines concurrently,
 * each within `timeoutMs`, alongside nvidia-smi. Notes (why a field is unknown, why an engine is
 * not sent) are logged when they change for that engine, so `run` does not repeat the same
 * warning every interval; `once` and `parse` read once and so log everything.
 */
import type { EngineInput } from "../../../src/telemetry/engines/schema";
import { readEngine, type EngineMemory } from "./read";
import type { EngineTarget } from "./targets";

export { engineTargets, parseEngineFlag, type EngineTarget } from "./targets";

/** Default time one engine read may take: well under the shortest push interval (1 s). */
export const DEFAULT_ENGINE_TIMEOUT_MS = 2000;

export class EngineReader {
  private readonly memory = new Map<string, EngineMemory>();
  private readonly lastNotes = new Map<string, string>();
  private readonly logged = new Set<string>();

  constructor(
    readonly targets: readonly EngineTarget[],
    private readonly timeoutMs: number,
    private readonly log: (line: string) => void,
  ) {}

  /** Reads every engine; the ones whose kind is still unknown are left out (and logged). */
  async read(): Promise<EngineInput[]> {
    const reads = await Promise.all(
      this.targets.map((target) => {
        const memory = this.memory.get(target.url) ?? { kind: null, models: null };
        this.memory.set(target.url, memory);
        return readEngine(target, memory, this.timeoutMs).then((read) => ({ target, read }));
      }),
    );
    const engines: EngineInput[] = [];
    for (const { target, read } of reads) {
      const label = `engine ${read.engine?.kind ?? "?"} ${target.url}`;
      const notes = read.notes.join("; ");
      if (notes !== (this.lastNotes.get(target.url) ?? "")) this.log(notes ? `${label}: ${notes}` : `${label}: read`);
      this.lastNotes.set(target.url, notes);
      if (read.engine) engines.push(read.engine);
    }
    return engines;
  }

  /**
   * Drops GPU indices an engine names that nvidia-smi did not list: a wrong gpus= must not cost
   * the node its GPU telemetry (the router refuses a snapshot whose engines name absent GPUs).
   */
  fitGpus(engines: EngineInput[], indices: ReadonlySet<number>): EngineInput[] {
    return engines.map((engine) => {
      const gpus = engine.gpus ?? null;
      if (gpus === null || gpus.every((g) => indices.has(g))) return engine;
      const kept = gpus.filter((g) => indices.has(g));
      const line = `engine ${engine.kind}: gpus ${gpus.filter((g) => !indices.has(g)).join(",")} not among nvidia-smi's GPUs (${[...indices].join(",")}); sending ${kept.length ? kept.join(",") : "gpus unknown"}`;
      if (!this.logged.has(line)) this.log(line);
      this.logged.add(line);
      return { ...engine, gpus: kept.length ? kept : null };
    });
  }
}

/** One line per engine for `once`: kind, served names and load, unknown shown as '?'. */
export function describeEngine(engine: EngineInput): string {
  const v = (x: number | null | undefined) => (x === null || x === undefined ? "?" : String(x));
  return `engine ${engine.kind} (${engine.mode}) models=[${engine.models.join(", ")}] gpus=${engine.gpus ? engine.gpus.join(",") : "?"} running=${v(engine.running)} waiting=${v(engine.waiting)} kv_cache_usage=${v(engine.kv_cache_usage)} requests_total=${v(engine.requests_total)}`;
}
