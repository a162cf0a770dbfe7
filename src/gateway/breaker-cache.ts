/**
 * The isolate's copy of the shared breakers (shared-breakers.ts), and what it reports to them.
 * Built once per isolate (src/app.ts) and asked once per proxied request for the nodes to exclude
 * at decision time: the isolate's own open breakers (breaker.ts) and busy nodes (busy.ts), plus
 * the shared object's open and busy nodes.
 *
 * Cost, by design (measured in docs/gateway.md, "Shared breakers"):
 *   - the first request of an isolate waits for one read (at most COLD_READ_MS), so a fresh
 *     isolate never tries a node another isolate found dead;
 *   - after that a request never waits: when the copy is older than REFRESH_MS, one read starts in
 *     waitUntil and the request uses the copy it has (at most one read in flight per isolate);
 *   - failures, busy answers and the first success after failures are reported in waitUntil, one
 *     call per request that had any, and the call's answer refreshes the copy.
 * So at steady state an isolate calls the object at most about once per REFRESH_MS, whatever its
 * traffic, plus once per request that met a failing or busy node.
 */
import type { Env } from "../env";
import type { CircuitBreakers } from "./breaker";
import { BusyNodes } from "./busy";
import { ReportAnswerSchema, SHARED_BREAKERS, SharedStateSchema, type BreakerReport, type SharedNode, type SharedState } from "./shared-breaker-schema";

/** How old the copy may get before a read starts (ms). */
export const REFRESH_MS = 1000;
/** How long the first request of an isolate waits for the first read (ms); past it, it routes on what the isolate knows. */
export const COLD_READ_MS = 1000;
/** A read that has not come back by then no longer blocks the next one (ms). */
const READ_STUCK_MS = 10_000;

/** Why a node is left out of a decision, and until when (ms since the epoch). */
export interface Exclusion {
  reason: "open" | "busy";
  until_ms: number;
}

/** What the cache needs from the request: bindings, and somewhere to put work past the response. */
export interface CacheContext {
  env: Pick<Env, "BREAKERS">;
  waitUntil: (task: Promise<unknown>) => void;
}

/** Calls made to the shared object, by kind, for `router_gateway_shared_breaker_calls_total`. */
export type SharedCall = "read" | "report";

export class SharedBreakerCache {
  readonly busy = new BusyNodes();
  private shared = new Map<string, SharedNode>();
  private readAt = -Infinity;
  private readStartedAt = -Infinity;

  /** `onCall` counts each call to the object (the metrics recorder in the worker). */
  constructor(private readonly onCall: (call: SharedCall) => void = () => undefined) {}

  /** Nodes not to place this request on, with why and until when. */
  async exclusions(ctx: CacheContext, breakers: CircuitBreakers, now_ms: number): Promise<Map<string, Exclusion>> {
    if (this.readAt === -Infinity && this.readStartedAt === -Infinity) await this.coldRead(ctx);
    else if (now_ms - this.readAt >= REFRESH_MS && now_ms - this.readStartedAt >= READ_STUCK_MS) ctx.waitUntil(this.read(ctx));
    const out = new Map<string, Exclusion>();
    const add = (node: string, reason: Exclusion["reason"], until_ms: number) => {
      const seen = out.get(node);
      if (!seen || until_ms > seen.until_ms) out.set(node, { reason, until_ms });
    };
    for (const entry of breakers.list()) {
      if (entry.breaker.state(now_ms) === "open") add(entry.node, "open", now_ms + entry.breaker.retryInMs(now_ms));
    }
    for (const [node, until] of this.busy.busy(now_ms)) add(node, "busy", until);
    for (const node of this.shared.values()) {
      if (node.open_until_ms > now_ms) add(node.node, "open", node.open_until_ms);
      if (node.busy_until_ms > now_ms) add(node.node, "busy", node.busy_until_ms);
    }
    return out;
  }

  /** Whether the shared object holds something against `node` (so a success there is worth reporting). */
  suspects(node: string): boolean {
    return this.shared.has(node);
  }

  /** Sends reports after the response; the answer refreshes the copy. Failures to report are logged, never thrown. */
  report(ctx: CacheContext, reports: readonly BreakerReport[]): void {
    if (reports.length === 0) return;
    for (const r of reports) if (r.kind === "busy") this.busy.mark(r.node, r.until_ms);
    this.onCall("report");
    const task = Promise.resolve()
      .then(() => ctx.env.BREAKERS.getByName(SHARED_BREAKERS).report(reports))
      .then((answer) => {
        const { accepted, state } = ReportAnswerSchema.parse(answer);
        if (!accepted) console.error("gateway: breaker reports refused by the shared object");
        this.accept(state, Date.now());
      })
      .catch((error: unknown) => console.error("gateway: breaker report not delivered:", error));
    ctx.waitUntil(task);
  }

  private async coldRead(ctx: CacheContext): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, COLD_READ_MS)));
    const read = this.read(ctx);
    await Promise.race([read, timeout]);
    clearTimeout(timer);
    // Still running past the wait: let it finish after the response.
    ctx.waitUntil(read);
  }

  private async read(ctx: CacheContext): Promise<void> {
    this.readStartedAt = Date.now();
    this.onCall("read");
    try {
      this.accept(await ctx.env.BREAKERS.getByName(SHARED_BREAKERS).state(), Date.now());
    } catch (error) {
      // The object unreachable: route on the isolate's own breakers, and try again after REFRESH_MS.
      this.readAt = Date.now();
      console.error("gateway: shared breakers not read:", error);
    } finally {
      this.readStartedAt = -Infinity;
    }
  }

  private accept(raw: unknown, now_ms: number): void {
    const state: SharedState = SharedStateSchema.parse(raw);
    this.shared = new Map(state.nodes.map((n) => [n.node, n]));
    this.readAt = now_ms;
  }
}
