/**
 * One Durable Object per node (named by the node): the single writer of that node's telemetry.
 * Every accepted push runs here, one at a time, as check-then-write: owner, sequence number, then
 * the KV write routing reads, then the new owner and sequence. Two agents racing for a new node, or
 * out-of-order pushes of one node, are therefore decided in one order, and KV's value never goes
 * backwards. KV stays the read path (store.ts); this object only guards the write.
 *
 * Storage: one small record (owner, seq, last accepted time) in the object's SQLite key-value
 * store, written only when a push is accepted, so a refused push leaves no storage behind. An
 * alarm deletes the record a day after the last push (NODE_TTL_S, the KV key's lifetime), which
 * releases the node. RPC methods only; the worker reaches it through nodes.ts.
 */
import { DurableObject } from "cloudflare:workers";
import { z } from "@hono/zod-openapi";
import type { Env } from "../env";
import { SnapshotSchema, type Snapshot } from "./snapshot";
import { AGENT_TOUCH_MS, ClaimSchema } from "./agent-object";
import { NODE_PREFIX, NODE_TTL_S, TelemetryStore } from "./store";

const StateSchema = z.strictObject({
  node: z.string(),
  owner: z.string(),
  seq: z.number().int().min(0),
  last_ms: z.number(),
  touched_ms: z.number(),
});
type NodeState = z.infer<typeof StateSchema>;

export const AcceptRequestSchema = z.strictObject({
  agent: z.string(),
  snapshot: z.unknown(),
  now_ms: z.number(),
  /** The agent declares this node in AGENT_KEYS: it takes the node over from any claim-first owner. */
  declared: z.boolean(),
  max_nodes: z.number().int().min(1),
});
export type AcceptRequest = z.infer<typeof AcceptRequestSchema>;

export const AcceptOutcomeSchema = z.discriminatedUnion("status", [
  z.strictObject({ status: z.literal("accepted") }),
  z.strictObject({ status: z.literal("owned"), owner: z.string() }),
  z.strictObject({ status: z.literal("stale_seq"), seq: z.number() }),
  z.strictObject({ status: z.literal("node_cap"), nodes: z.number(), max_nodes: z.number() }),
]);
export type AcceptOutcome = z.infer<typeof AcceptOutcomeSchema>;

const STATE_KEY = "state";

export class NodeObject extends DurableObject<Env> {
  private read(): NodeState | null {
    const parsed = StateSchema.safeParse(this.ctx.storage.kv.get(STATE_KEY));
    return parsed.success ? parsed.data : null;
  }

  /** Checks and, when they pass, stores one push. Serialized: no other call runs until it is done. */
  async accept(input: AcceptRequest): Promise<AcceptOutcome> {
    const request = AcceptRequestSchema.parse(input);
    const snapshot = SnapshotSchema.parse(request.snapshot);
    return this.ctx.blockConcurrencyWhile(() => this.decide(request, snapshot));
  }

  private async decide(request: AcceptRequest, snapshot: Snapshot): Promise<AcceptOutcome> {
    const now = request.now_ms;
    const state = this.read();
    const held = state !== null && now - state.last_ms < NODE_TTL_S * 1000 ? state : null;
    if (held && held.owner !== request.agent && !request.declared) return { status: "owned", owner: held.owner };
    if (held && held.owner === request.agent && snapshot.seq <= held.seq) return { status: "stale_seq", seq: held.seq };

    const claiming = held === null || held.owner !== request.agent;
    let touched = held?.touched_ms ?? 0;
    if (claiming || now - touched >= AGENT_TOUCH_MS) {
      const claim = ClaimSchema.parse(await this.env.AGENTS.getByName(request.agent).claim(snapshot.node, now, request.max_nodes));
      if (!claim.ok) return { status: "node_cap", nodes: claim.nodes, max_nodes: request.max_nodes };
      touched = now;
      if (held && held.owner !== request.agent) await this.env.AGENTS.getByName(held.owner).release(snapshot.node);
    }
    await new TelemetryStore(this.env.ROUTER_KV).write(snapshot, new Date(now));
    this.ctx.storage.kv.put(STATE_KEY, { node: snapshot.node, owner: request.agent, seq: snapshot.seq, last_ms: now, touched_ms: touched } satisfies NodeState);
    if ((await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(now + NODE_TTL_S * 1000);
    return { status: "accepted" };
  }

  /**
   * Forgets the node (the operator's DELETE /v1/fleet/nodes/{node}, or tests): its KV key, its
   * record, its agent's entry. `node` is needed only when the object holds no record. Returns
   * whether there was a record.
   */
  async release(node?: string): Promise<boolean> {
    return this.ctx.blockConcurrencyWhile(async () => {
      const state = this.read();
      const name = state?.node ?? node;
      if (name !== undefined) await this.env.ROUTER_KV.delete(NODE_PREFIX + name);
      if (state === null) return false;
      await this.env.AGENTS.getByName(state.owner).release(state.node);
      await this.ctx.storage.deleteAlarm();
      await this.ctx.storage.deleteAll();
      return true;
    });
  }

  /** A day after the last push the node is released; a node still pushing moves the alarm on. */
  override async alarm(): Promise<void> {
    const state = this.read();
    const expires = state ? state.last_ms + NODE_TTL_S * 1000 : 0;
    if (state && expires > Date.now()) {
      await this.ctx.storage.setAlarm(expires);
      return;
    }
    await this.ctx.storage.deleteAll();
  }
}
