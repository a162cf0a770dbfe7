/**
 * What the worker's own operations cost in Cloudflare's billed units, read off the code and
 * checked against it by test/deploy/operations.test.ts (which counts the KV and Durable Object
 * calls of a real refresh and a real push in the Workers runtime). budget.ts turns them into
 * operations per day. No Node or Workers APIs here: both test projects import it.
 */

/** Billed operation kinds (Cloudflare's names: Workers requests, KV reads/writes/lists, DO requests). */
export interface Operations {
  workerRequests: number;
  kvReads: number;
  kvWrites: number;
  kvLists: number;
  doRequests: number;
}

/**
 * One accepted push (POST /v1/telemetry): the request; a KV read of the node's last snapshot
 * (src/telemetry/push.ts); one NodeObject call (node-object.ts), which writes the node's KV key
 * once; and at most one metrics flush into MetricsObject (the push is counted, and an isolate
 * flushes at most once per METRICS_FLUSH_MS: one per push when pushes are all it serves).
 */
export const PER_PUSH: Operations = { workerRequests: 1, kvReads: 1, kvWrites: 1, kvLists: 0, doRequests: 2 };

/**
 * One refresh of an isolate's cached view, at most once per CACHE_TTL_MS while it serves routing
 * or chat requests (src/routing/context.ts, src/experiments/running.ts): the registry pointer (a
 * read), the fleet (a list per 1,000 nodes, plus a read per node too big for KV metadata) and the
 * experiments index (a list). For a fleet of up to 1,000 nodes that fit in metadata. Each list is
 * skipped when another isolate of the same data center made it less than TTL/2 ago
 * (src/colo-copy.ts shares it through the Cache API): budget.ts counts lists per location.
 */
export const PER_REFRESH: Operations = { workerRequests: 0, kvReads: 1, kvWrites: 0, kvLists: 2, doRequests: 0 };
