/**
 * The running experiments as the router sees them, cached per isolate like the fleet view: after
 * CACHE_TTL_MS (default 2 s) the next decision lists the KV index once (keys and metadata only),
 * or takes the list another isolate of the data center made less than TTL/2 ago (colo-copy.ts);
 * definitions are fetched only for experiments that are new to this isolate, since a definition
 * never changes while it runs. After a create or stop in this isolate (invalidate) the next
 * refresh lists KV itself and shares what it found. Built once in app.ts and shared by the route
 * and experiment routers.
 */
import { z } from "@hono/zod-openapi";
import { coloCache, readColoCopy, writeColoCopy } from "../colo-copy";
import { intSetting, type Env } from "../env";
import { ExperimentStatusSchema, type Experiment } from "./schema";
import { ExperimentStore, type ExperimentListing } from "./store";

/** The shared copy's cache key (any URL; the Cache API is keyed by it within the zone). */
export const EXPERIMENTS_CACHE_KEY = "https://experiments-index.router.internal/v1/experiments";

const ListingsSchema = z.array(z.strictObject({ id: z.string().min(1), status: ExperimentStatusSchema, category: z.string(), include_descendants: z.boolean() }));

const DEFAULT_TTL_MS = 2000;

export class RunningExperiments {
  private running: readonly Experiment[] = [];
  private checkedAt = -Infinity;
  private inFlight: Promise<readonly Experiment[]> | null = null;
  /** Set by invalidate(): the next refresh must not take a shared copy older than the change. */
  private bypassShared = false;

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
    this.bypassShared = true;
  }

  /**
   * Routing must not fail because of the experiment index: an unreadable list keeps the last
   * known set, and an unreadable definition drops only that experiment (both logged).
   */
  private async refresh(env: Env, now_ms: number): Promise<readonly Experiment[]> {
    const store = new ExperimentStore(env.ROUTER_KV);
    const known = new Map(this.running.map((e) => [e.id, e]));
    let checkedAt = now_ms;
    try {
      const ttl = intSetting(env.CACHE_TTL_MS, DEFAULT_TTL_MS);
      const cache = coloCache(ttl);
      const bypass = this.bypassShared;
      let listings: ExperimentListing[] | null = null;
      if (cache && !bypass) {
        const shared = await readColoCopy(cache, EXPERIMENTS_CACHE_KEY, ListingsSchema, now_ms, ttl / 2);
        if (shared) [listings, checkedAt] = [shared.value, shared.at];
      }
      if (!listings) {
        listings = await store.list();
        if (cache) await writeColoCopy(cache, EXPERIMENTS_CACHE_KEY, listings, now_ms, ttl / 2);
      }
      this.bypassShared = false;
      const listed = listings.filter((l) => l.status === "running");
      const definitions = await Promise.all(listed.map((l) => known.get(l.id) ?? store.tryGet(l.id)));
      this.running = definitions.filter((e): e is Experiment => e !== null && e.status === "running");
    } catch (error) {
      console.error("experiment index unreadable; routing keeps the last known running experiments:", error);
    }
    this.checkedAt = checkedAt;
    return this.running;
  }
}
