/**
 * Serving-engine fields inside the signed snapshot (POST /v1/telemetry): what is accepted and
 * stored, and every absurd value refused with a 400 naming the field, leaving nothing stored.
 */
import { env, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { expectProblem } from "../support/http";
import { gpu, push, snapshot } from "../support/telemetry";
import { TelemetryStore } from "../../src/telemetry/store";
import type { EngineInput } from "../../src/telemetry/engines/schema";
import type { FleetView } from "../../src/telemetry/schema";

const store = () => new TelemetryStore(env.ROUTER_KV);

function engine(overrides: Partial<EngineInput> = {}): EngineInput {
  return {
    kind: "vllm",
    mode: "fixed",
    models: ["Qwen/Qwen2.5-7B-Instruct"],
    gpus: [0],
    running: 3,
    waiting: 1,
    kv_cache_usage: 0.42,
    requests_total: 1200,
    read_at: new Date().toISOString(),
    ...overrides,
  };
}

describe("engines in the snapshot", () => {
  it("stores the engines as sent", async () => {
    const body = snapshot("eng-ok", [gpu(0, 8000), gpu(1, 8000)], {
      engines: [
        engine({ models: ["Qwen/Qwen2.5-7B-Instruct", "llama-3.1-8b-instruct", "someone/not-in-the-registry"] }),
        engine({ kind: "ollama", mode: "on_demand", models: ["qwen2.5:7b"], gpus: null, running: null, waiting: null, kv_cache_usage: null, requests_total: null }),
      ],
    });
    const response = await push(body);
    expect(response.status).toBe(202);
    // Served names map to registry ids by id or (case-insensitively) hf_repo; the rest are named for the agent to warn about.
    expect(((await response.json()) as { engine_models: unknown }).engine_models).toEqual({
      resolved: ["llama-3.1-8b-instruct", "qwen2.5-7b-instruct"],
      unknown: ["qwen2.5:7b", "someone/not-in-the-registry"],
    });
    const stored = await store().read("eng-ok");
    expect(stored!.engines).toHaveLength(2);
    expect(stored!.engines[0]).toMatchObject({ kind: "vllm", running: 3, waiting: 1, kv_cache_usage: 0.42 });
    expect(stored!.engines[1]).toMatchObject({ kind: "ollama", mode: "on_demand", running: null, gpus: null });
  });

  it("defaults to no engines for an agent that sends none", async () => {
    const response = await push(snapshot("eng-none", [gpu(0, 8000)]));
    expect(response.status).toBe(202);
    expect(((await response.json()) as { engine_models: unknown }).engine_models).toBeNull();
    expect((await store().read("eng-none"))!.engines).toEqual([]);
  });

  const absurd: Array<[string, Partial<EngineInput>, string]> = [
    ["a KV-cache usage above 1", { kv_cache_usage: 1.5 }, "engines.0.kv_cache_usage"],
    ["a negative waiting count", { waiting: -1 }, "engines.0.waiting"],
    ["a fractional running count", { running: 2.5 }, "engines.0.running"],
    ["an absurd running count", { running: 5e9 }, "engines.0.running"],
    ["an unknown engine kind", { kind: "triton" as never }, "engines.0.kind"],
    ["an unknown mode", { mode: "elastic" as never }, "engines.0.mode"],
    ["a GPU the snapshot does not have", { gpus: [7] }, "engines.0.gpus.0"],
    ["a GPU listed twice", { gpus: [0, 0] }, "engines.0.gpus"],
    ["a served name with a space", { models: ["my model"] }, "engines.0.models.0"],
    ["a read time that is not a date", { read_at: "yesterday" }, "engines.0.read_at"],
  ];
  for (const [what, overrides, path] of absurd) {
    it(`refuses ${what} with a 400 naming ${path}, storing nothing`, async () => {
      const node = `eng-bad-${path.replace(/\W/g, "-")}`;
      const problem = await expectProblem(await push(snapshot(node, [gpu(0, 8000)], { engines: [engine(overrides)] })), 400);
      expect(problem.errors.map((e) => e.path)).toContain(path);
      expect(await store().read(node)).toBeNull();
    });
  }
});

describe("GET /v1/fleet shows the engines", () => {
  it("each engine with its served names, the registry ids they map to, its load as reported and whether it is known", async () => {
    const readAt = new Date(Date.now() - 1000).toISOString();
    await push(
      snapshot("eng-view", [gpu(0, 8000), gpu(1, 8000)], {
        engines: [
          engine({ models: ["qwen/QWEN2.5-7B-Instruct", "lora-1"], gpus: [1], running: 4, waiting: 0, kv_cache_usage: 0.02, requests_total: 7, read_at: readAt }),
          // /metrics garbage or unreachable: the agent sends every load field null.
          engine({ models: ["llama-3.1-8b-instruct"], gpus: null, running: null, waiting: null, kv_cache_usage: null, requests_total: null, read_at: readAt }),
        ],
      }),
    ).then((r) => expect(r.status).toBe(202));
    await push(snapshot("eng-view-none", [gpu(0, 8000)])).then((r) => expect(r.status).toBe(202));
    const view = (await (await SELF.fetch("http://router/v1/fleet")).json()) as FleetView;
    const byName = new Map(view.nodes.map((n) => [n.node, n]));
    expect(byName.get("eng-view")!.engines).toEqual([
      { kind: "vllm", mode: "fixed", models: ["qwen/QWEN2.5-7B-Instruct", "lora-1"], registry_models: ["qwen2.5-7b-instruct"], gpus: [1], running: 4, waiting: 0, kv_cache_usage: 0.02, requests_total: 7, read_at: readAt, load_known: true },
      { kind: "vllm", mode: "fixed", models: ["llama-3.1-8b-instruct"], registry_models: ["llama-3.1-8b-instruct"], gpus: null, running: null, waiting: null, kv_cache_usage: null, requests_total: null, read_at: readAt, load_known: false },
    ]);
    expect(byName.get("eng-view-none")!.engines).toEqual([]);
  });
});
