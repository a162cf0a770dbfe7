/**
 * The running experiments as the router sees them, cached per isolate like the fleet view: after
 * CACHE_TTL_MS (default 2 s) the next decision lists the KV index once (keys and metadata only);
 * definitions are fetched only for experiments that are new to this isolate, since a definition
 * never changes while it runs. Built once in app.ts and shared by the route and experiment routers.
 */
import { intSetting, type Env } from "../env";
import type { Experiment } from "./schema";
import { ExperimentStore } from "./store";

const DEFAULT_TTL_MS = 2000;

export class RunningExperiments {
  private running: readonly Experiment[] = [];
  private checkedAt = -Infinity;
  private inFlight: Promise<readonly Experiment[]> | null = null;

  /** Running experiments, at most one TTL old; concurrent refreshes share one KV list. */
  async get(env: Env, now_ms: number): Promise<readonly Experiment[]> {
    if (now_ms - this.checkedAt < intSetting(env.CACHE_TTL_MS, DEFAULT_TTL_MS)) return this.running;
    this.inFlight ??= this.refresh(env, now_ms).finally(() => {
      this.inFlight = null;
    });
    return this.inFlight;
  }

  /** Forgets the cache so the next decision in this isolate sees a create or stop at once. */
  invalidate(): void {
    this.checkedAt = -Infinity;
  }

  /**
   * Routing must not fail because of the experiment index: an unreadable list keeps the last
   * known set, and an unreadable definition drops only that experiment (both logged).
   */
  private async refresh(env: Env, now_ms: number): Promise<readonly Experiment[]> {
    const store = new ExperimentStore(env.ROUTER_KV);
    const known = new Map(this.running.map((e) => [e.id, e]));
    try {
      const listed = (await store.list()).filter((l) => l.status === "running");
      const definitions = await Promise.all(listed.map((l) => known.get(l.id) ?? store.tryGet(l.id)));
      this.running = definitions.filter((e): e is Experiment => e !== null && e.status === "running");
    } catch (error) {
      console.error("experiment index unreadable; routing keeps the last known running experiments:", error);
    }
    this.checkedAt = now_ms;
    return this.running;
  }
}
