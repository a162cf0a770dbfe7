/**
 * The KV layout behind the fleet view: one key per node, compact routing state in its metadata,
 * so one `list` per 1,000 nodes returns the whole fleet; nodes whose state does not fit the
 * 1024-byte metadata cost one extra read each and still come back whole.
 */
import { env } from "cloudflare:test";
import { beforeEach, describe, expect, it } from "vitest";
import { clearFleet, gpu, snapshot } from "../support/telemetry";
import { captureConsole } from "../support/console";
import { decodeCompact, encodeCompact, METADATA_MAX_BYTES } from "../../src/telemetry/compact";
import { SnapshotSchema, toFleetNode } from "../../src/telemetry/snapshot";
import { TelemetryStore } from "../../src/telemetry/store";
import { KvFleetSource } from "../../src/telemetry/fleet";
import { parseNvidiaSmi } from "../../src/telemetry/nvidia-smi";
import { XML_SOURCE, eightGpuXmlFrom } from "../support/nvidia-smi-builders";
import { FIXTURES } from "../fixtures/nvidia-smi";

const eightGpuXml = () => eightGpuXmlFrom(FIXTURES[XML_SOURCE]!);

beforeEach(() => clearFleet(env.ROUTER_KV), 60_000); // 1,200 deletes, slow on a loaded machine

const bytes = (value: unknown) => new TextEncoder().encode(JSON.stringify(value)).length;

describe("compact metadata", () => {
  it("fits a real 8-GPU node (UUIDs, endpoint, five models) in KV's 1024 bytes and decodes to the same routing view", () => {
    const gpus = parseNvidiaSmi(eightGpuXml()).gpus;
    const snap = SnapshotSchema.parse(snapshot("dgx-01", gpus, {
      endpoint: "https://dgx-01.gpu.internal.example.com:8000",
      models: ["qwen2.5-72b-instruct", "llama-3.1-70b-instruct", "qwen2.5-coder-32b-instruct", "deepseek-r1-distill-qwen-32b", "phi-4"],
    }));
    const node = toFleetNode(snap);
    const compact = encodeCompact(node, snap.seq);
    expect("x" in compact).toBe(false);
    expect(bytes(compact)).toBeLessThanOrEqual(METADATA_MAX_BYTES);
    expect(decodeCompact("dgx-01", compact)).toEqual(node);
  });

  it("keeps per-GPU names when a node mixes GPU models", () => {
    const node = toFleetNode(SnapshotSchema.parse(snapshot("mixed", [gpu(0, 1, { name: "A" }), gpu(1, 2, { name: "B" })])));
    expect(decodeCompact("mixed", encodeCompact(node, 1))!.gpus.map((g) => g.name)).toEqual(["A", "B"]);
  });

  it("marks a node that does not fit as overflowed instead of truncating it", () => {
    const gpus = Array.from({ length: 24 }, (_, i) => gpu(i, 1000 * i, { uuid: `GPU-${"f".repeat(32)}-${i}` }));
    const node = toFleetNode(SnapshotSchema.parse(snapshot("huge", gpus)));
    const compact = encodeCompact(node, 5);
    expect(compact).toEqual({ v: 1, s: 5, t: node.taken_at_ms, x: 1 });
    expect(decodeCompact("huge", compact)).toBeNull();
  });
});

describe("TelemetryStore.fleet", () => {
  it("returns 1,200 nodes from two list pages and no value reads", async () => {
    const store = new TelemetryStore(env.ROUTER_KV);
    const now = new Date();
    for (let start = 0; start < 1200; start += 100) {
      await Promise.all(
        Array.from({ length: 100 }, (_, i) => start + i).map((n) =>
          store.write(SnapshotSchema.parse(snapshot(`n${String(n).padStart(4, "0")}`, [gpu(0, n), gpu(1, n + 1)])), now),
        ),
      );
    }
    const read = await store.fleet();
    expect(read.nodes).toHaveLength(1200);
    expect(read.kvCalls).toBe(2);
    const n0777 = read.nodes.find((n) => n.id === "n0777")!;
    expect(n0777.gpus.map((g) => g.memory_free_mb)).toEqual([777, 778]);
    expect(n0777.endpoint).toBe("http://n0777.test:8000");
  }, 60_000);

  it("reads the value of an overflowed node (one extra call) and still returns it whole", async () => {
    const store = new TelemetryStore(env.ROUTER_KV);
    const gpus = Array.from({ length: 24 }, (_, i) => gpu(i, 1000 * i, { uuid: `GPU-${"f".repeat(32)}-${i}` }));
    await store.write(SnapshotSchema.parse(snapshot("huge", gpus)), new Date());
    await store.write(SnapshotSchema.parse(snapshot("small", [gpu(0, 5)])), new Date());
    const read = await store.fleet();
    expect(read.kvCalls).toBe(2);
    expect(read.nodes.map((n) => [n.id, n.gpus.length])).toEqual([["huge", 24], ["small", 1]]);
    expect(read.nodes[0]!.gpus[23]!.memory_free_mb).toBe(23000);
  });

  it("leaves out a node whose stored state is corrupt, and changes generation when a node's seq does", async () => {
    const store = new TelemetryStore(env.ROUTER_KV);
    await env.ROUTER_KV.put("telemetry:node:broken", "{not json", { metadata: { v: 9 } });
    const first = SnapshotSchema.parse(snapshot("fine", [gpu(0, 5)]));
    await store.write(first, new Date());
    const source = new KvFleetSource();
    const unreadable = ["telemetry: metadata of node 'broken' is invalid; reading its value instead", "telemetry: stored snapshot of node 'broken' is unreadable; left out until its agent pushes again"];
    const first_read = await captureConsole(() => source.snapshot(env, Date.now()));
    const before = first_read.result;
    expect(before.nodes.map((n) => n.id)).toEqual(["fine"]);
    expect(first_read.logged).toEqual(unreadable);
    const again = await captureConsole(() => source.snapshot(env, Date.now()));
    expect(again.result).toEqual(before);
    expect(again.logged).toEqual(unreadable);
    await store.write(SnapshotSchema.parse(snapshot("fine", [gpu(0, 6)])), new Date());
    const changed = await captureConsole(() => source.snapshot(env, Date.now()));
    const after = changed.result;
    expect(changed.logged).toEqual(unreadable);
    expect(after.generation).not.toBe(before.generation);
    expect(after.nodes[0]!.gpus[0]!.memory_free_mb).toBe(6);
  });
});
