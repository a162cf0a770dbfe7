/**
 * The experiments the operator surface shows: running ones first, then the most recently created,
 * at most `limit`, each with its Durable Object's counters. One KV list plus one RPC per
 * experiment shown; an experiment whose object cannot be read is left out (logged), never fatal.
 * Called by GET /metrics and the dashboard.
 */
import type { Env } from "../env";
import { ExperimentObjects } from "../experiments/objects";
import type { ExperimentSnapshot } from "../experiments/schema";
import { ExperimentStore } from "../experiments/store";

export async function experimentSnapshots(env: Env, limit: number): Promise<ExperimentSnapshot[]> {
  const all = await new ExperimentStore(env.ROUTER_KV).all();
  const shown = all
    .sort((a, b) => Number(b.status === "running") - Number(a.status === "running") || b.created_at.localeCompare(a.created_at) || a.id.localeCompare(b.id))
    .slice(0, limit);
  const objects = new ExperimentObjects(env.EXPERIMENTS);
  const snapshots = await Promise.all(
    shown.map((e) =>
      objects.snapshot(e.id).catch((error: unknown) => {
        console.error(`operator: experiment ${e.id} unreadable, left out:`, error);
        return null;
      }),
    ),
  );
  return snapshots.filter((s): s is ExperimentSnapshot => s !== null);
}
