/**
 * The billed operations docs/deploy.md multiplies out (scripts/deploy/operations.ts), counted on
 * the real code in the Workers runtime: every KV call and every Durable Object call the worker
 * makes is counted through wrappers around its bindings while a routing request refreshes the
 * cached view and while an agent pushes. If the code starts reading the fleet another way, these
 * counts change and this test says the guide's numbers must be redone.
 */
import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import kernelModule from "../../build/kernel.wasm";
import { createApp } from "../../src/app";
import { KvFleetSource } from "../../src/telemetry/fleet";
import { signatureHeaders } from "../../src/telemetry/signature";
import { NODE_PREFIX } from "../../src/telemetry/store";
import { PER_PUSH, PER_REFRESH } from "../../scripts/deploy/operations";
import { clearFleet, gpu, snapshot, TEST_AGENT, TEST_KEYS } from "../support/telemetry";

interface Counts {
  kvReads: number;
  kvWrites: number;
  kvLists: number;
  doRequests: number;
}

/** The test bindings with every KV and Durable Object call counted (DO calls by RPC method). */
function counted(settings: Record<string, string>): { bindings: Cloudflare.Env; counts: Counts } {
  const counts: Counts = { kvReads: 0, kvWrites: 0, kvLists: 0, doRequests: 0 };
  const kind: Record<string, keyof Counts> = { get: "kvReads", getWithMetadata: "kvReads", put: "kvWrites", delete: "kvWrites", list: "kvLists" };
  const kv = new Proxy(env.ROUTER_KV, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (typeof prop !== "string" || typeof value !== "function") return value;
      return (...args: unknown[]) => {
        counts[kind[prop] ?? "kvReads"]++;
        return Reflect.apply(value, target, args);
      };
    },
  });
  // Typed loosely on purpose: the stubs' RPC types are too deep for the checker to follow through a Proxy.
  const namespace = (ns: unknown): unknown =>
    new Proxy(ns as { getByName(name: string): object }, {
      get(target, prop) {
        const value = Reflect.get(target, prop);
        if (prop !== "getByName") return typeof value === "function" ? value.bind(target) : value;
        return (name: string) => {
          const stub = target.getByName(name);
          return new Proxy(stub as Record<string | symbol, unknown>, {
            get(s, method) {
              const call = Reflect.get(s, method);
              if (typeof call !== "function") return call;
              return (...args: unknown[]) => {
                counts.doRequests++;
                // Not call.apply(...): on an RPC stub, even .apply is a remote method.
                return (s[method] as (...a: unknown[]) => unknown)(...args);
              };
            },
          });
        };
      },
    });
  const bindings = { ...env, ...settings, ROUTER_KV: kv, NODES: namespace(env.NODES), AGENTS: namespace(env.AGENTS), METRICS: namespace(env.METRICS), EXPERIMENTS: namespace(env.EXPERIMENTS) };
  return { bindings: bindings as Cloudflare.Env, counts };
}

function reset(counts: Counts): void {
  for (const key of Object.keys(counts) as Array<keyof Counts>) counts[key] = 0;
}

async function call(app: ReturnType<typeof createApp>, bindings: Cloudflare.Env, request: Request): Promise<Response> {
  const ctx = createExecutionContext();
  const response = await app.fetch(request, bindings, ctx);
  await waitOnExecutionContext(ctx);
  return response;
}

async function signedPush(body: object): Promise<Request> {
  const text = JSON.stringify(body);
  const headers = await signatureHeaders(TEST_AGENT, TEST_KEYS[0], text, Date.now() / 1000);
  return new Request("http://router/v1/telemetry", { method: "POST", headers: { "content-type": "application/json", ...headers }, body: text });
}

beforeAll(() => clearFleet(env.ROUTER_KV));

describe("billed operations, counted on the real code", () => {
  it("one refresh of the cached view: the registry pointer, the fleet list and the experiments list", async () => {
    const app = createApp({ kernelModule, fleetSource: new KvFleetSource() });
    // A 1 ms cache, so the second request refreshes exactly once (and its count is flushed at once: one DO call).
    const { bindings, counts } = counted({ CACHE_TTL_MS: "1", METRICS_FLUSH_MS: "0" });
    const route = () => new Request("http://router/v1/route", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ category: "code" }) });
    await (await call(app, bindings, route())).text();
    await new Promise((r) => setTimeout(r, 5));
    reset(counts);
    await (await call(app, bindings, route())).text();
    expect({ ...counts }).toEqual({ kvReads: PER_REFRESH.kvReads, kvWrites: 0, kvLists: PER_REFRESH.kvLists, doRequests: 1 });
  });

  it("one accepted push of a known node: one KV read here, the node's object (which writes its key once), one metrics flush", async () => {
    const app = createApp({ kernelModule, fleetSource: new KvFleetSource() });
    const { bindings, counts } = counted({ METRICS_FLUSH_MS: "0" });
    const first = await call(app, bindings, await signedPush(snapshot("ops-node", [gpu(0, 1000)])));
    expect(first.status, await first.clone().text()).toBe(202);
    reset(counts);
    const second = snapshot("ops-node", [gpu(0, 2000)]);
    expect((await call(app, bindings, await signedPush(second))).status).toBe(202);
    // The KV write happens inside NodeObject, on its own binding: seen here as the stored seq.
    expect({ ...counts }).toEqual({ kvReads: PER_PUSH.kvReads, kvWrites: 0, kvLists: 0, doRequests: PER_PUSH.doRequests });
    expect(((await env.ROUTER_KV.get(`${NODE_PREFIX}ops-node`, "json")) as { seq: number }).seq).toBe(second.seq);
    expect(PER_PUSH.kvWrites).toBe(1);
  });
});
