/**
 * One Durable Object per agent (named by the agent id): the nodes it holds, for the cap on nodes
 * per agent. A node's object (node-object.ts) asks here when the agent claims the node, and
 * refreshes the entry at most once an hour while the node keeps pushing, so the cap costs nothing
 * on an ordinary push. An entry lapses a day and an hour after its last refresh: slightly after the
 * node's own claim, so a lapsed node is never counted as free while it still holds its owner.
 *
 * Storage: one entry per held node in the object's SQLite key-value store; nothing is written for
 * a refused claim, and the object empties itself when its last entry lapses. RPC methods only.
 */
import { DurableObject } from "cloudflare:workers";
import { z } from "@hono/zod-openapi";
import type { Env } from "../env";
import { NODE_TTL_S } from "./store";

/** How often an owning node refreshes its entry here (node-object.ts), at most. */
export const AGENT_TOUCH_MS = 3_600_000;

/** How long an entry counts after its last refresh. */
const ENTRY_TTL_MS = NODE_TTL_S * 1000 + AGENT_TOUCH_MS;
const PREFIX = "node:";

export const ClaimSchema = z.strictObject({ ok: z.boolean(), nodes: z.number().int().min(0) });
export type Claim = z.infer<typeof ClaimSchema>;

export class AgentObject extends DurableObject<Env> {
  /** The entries, node → last refresh (ms), read from storage once per instance; storage stays the truth. */
  private cache: Map<string, number> | null = null;

  private entries(): Map<string, number> {
    if (this.cache === null) {
      this.cache = new Map();
      for (const [key, value] of this.ctx.storage.kv.list<unknown>({ prefix: PREFIX })) {
        const at = z.number().safeParse(value);
        if (at.success) this.cache.set(key.slice(PREFIX.length), at.data);
        else this.ctx.storage.kv.delete(key);
      }
    }
    return this.cache;
  }

  /** Drops lapsed entries; called only when the count matters, so a refresh costs one write. */
  private prune(now: number): Map<string, number> {
    const entries = this.entries();
    for (const [node, at] of entries) {
      if (now - at < ENTRY_TTL_MS) continue;
      entries.delete(node);
      this.ctx.storage.kv.delete(PREFIX + node);
    }
    return entries;
  }

  /** Whether `node` could be claimed now (held already, or room under the cap), changing nothing. */
  mayClaim(node: string, now: number, maxNodes: number): Claim {
    const entries = this.entries();
    if (entries.has(node) || entries.size < maxNodes) return { ok: true, nodes: entries.size };
    const live = this.prune(now);
    return { ok: live.size < maxNodes, nodes: live.size };
  }

  /** Records (or refreshes) `node` unless the agent already holds `maxNodes` others. */
  async claim(node: string, now: number, maxNodes: number): Promise<Claim> {
    const entries = this.entries();
    if (!entries.has(node) && entries.size >= maxNodes && this.prune(now).size >= maxNodes) return { ok: false, nodes: entries.size };
    entries.set(node, now);
    this.ctx.storage.kv.put(PREFIX + node, now);
    if ((await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(now + ENTRY_TTL_MS);
    return { ok: true, nodes: entries.size };
  }

  /** The node went to another agent or was deleted by the operator. */
  async release(node: string): Promise<void> {
    this.entries().delete(node);
    this.ctx.storage.kv.delete(PREFIX + node);
    if (this.prune(Date.now()).size === 0) await this.empty();
  }

  /** The nodes the agent holds now (for tests and operators; routing never asks). */
  nodes(now: number): string[] {
    return [...this.prune(now).keys()].sort();
  }

  override async alarm(): Promise<void> {
    const entries = this.prune(Date.now());
    if (entries.size === 0) return this.empty();
    await this.ctx.storage.setAlarm(Math.min(...entries.values()) + ENTRY_TTL_MS);
  }

  private async empty(): Promise<void> {
    this.cache = null;
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
  }
}
