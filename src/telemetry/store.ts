/**
 * Telemetry in KV: one key per node (`telemetry:node:<name>`), its value the last accepted
 * snapshot, its metadata the compact routing state (compact.ts). Nothing else is written on a
 * push, so no key is shared between nodes and each key is written at most once per push
 * interval (KV takes about one write per second per key).
 *
 * KV operations: a push costs one read (the node's key, for the sequence check) and one write.
 * The fleet view costs one `list` per 1,000 nodes plus one read per node whose state overflowed
 * the metadata. Everything read back is validated with zod; a node whose stored state is invalid
 * is left out of the view (and logged) rather than failing routing.
 */
import type { FleetNode } from "../kernel/types";
import { CompactSchema, decodeCompact, encodeCompact } from "./compact";
import { SnapshotSchema, toFleetNode, type Snapshot } from "./snapshot";

export const NODE_PREFIX = "telemetry:node:";
/** A node that stops pushing disappears from the fleet after a day. */
export const NODE_TTL_S = 86_400;

const StoredSchema = SnapshotSchema.extend({ received_at: SnapshotSchema.shape.taken_at });
export type StoredSnapshot = Snapshot & { received_at: string };

export interface FleetRead {
  nodes: FleetNode[];
  /** Changes whenever any node's accepted sequence number does. */
  generation: string;
  /** KV calls made: list pages plus value reads of overflowed nodes. */
  kvCalls: number;
}

export class TelemetryStore {
  constructor(private readonly kv: KVNamespace) {}

  /** The last accepted snapshot of a node, or null (absent, or unreadable: a good push repairs it). */
  async read(node: string): Promise<StoredSnapshot | null> {
    const text = await this.kv.get(NODE_PREFIX + node, "text");
    if (text === null) return null;
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      raw = undefined;
    }
    const parsed = StoredSchema.safeParse(raw);
    if (!parsed.success) {
      console.warn(`telemetry: stored snapshot of node '${node}' is unreadable; left out until its agent pushes again`);
      return null;
    }
    return parsed.data;
  }

  /** Stores an accepted snapshot with its compact routing state as metadata. */
  async write(snapshot: Snapshot, receivedAt: Date): Promise<void> {
    const stored: StoredSnapshot = { ...snapshot, received_at: receivedAt.toISOString() };
    await this.kv.put(NODE_PREFIX + snapshot.node, JSON.stringify(stored), {
      metadata: encodeCompact(toFleetNode(snapshot), snapshot.seq),
      expirationTtl: NODE_TTL_S,
    });
  }

  /** Every node, from list metadata (plus a read for each node whose state did not fit in it). */
  async fleet(): Promise<FleetRead> {
    const entries: Array<Promise<{ node: FleetNode | null; tag: string }>> = [];
    let kvCalls = 0;
    let cursor: string | undefined;
    do {
      const page: KVNamespaceListResult<unknown, string> = await this.kv.list({ prefix: NODE_PREFIX, ...(cursor ? { cursor } : {}) });
      kvCalls++;
      for (const key of page.keys) {
        const id = key.name.slice(NODE_PREFIX.length);
        const compact = CompactSchema.safeParse(key.metadata);
        const node = compact.success ? decodeCompact(id, compact.data) : null;
        if (node !== null) {
          entries.push(Promise.resolve({ node, tag: `${id}@${compact.data!.s}` }));
          continue;
        }
        // Overflowed (or unreadable) metadata: read this node's value, in parallel with the others.
        if (!compact.success) console.warn(`telemetry: metadata of node '${id}' is invalid; reading its value instead`);
        kvCalls++;
        entries.push(this.read(id).then((stored) => ({ node: stored ? toFleetNode(stored) : null, tag: `${id}@${stored?.seq ?? "-"}` })));
      }
      cursor = page.list_complete ? undefined : page.cursor;
    } while (cursor !== undefined);
    const resolved = (await Promise.all(entries)).filter((e): e is { node: FleetNode; tag: string } => e.node !== null);
    const nodes = resolved.map((e) => e.node);
    const generation = resolved.map((e) => e.tag);
    return { nodes, generation: generation.join(","), kvCalls };
  }
}
