/**
 * A client that gives up on a non-streamed request aborts the gateway's upstream request: the
 * incoming request's signal (the `enable_request_signal` flag) is passed to the node's fetch. The
 * node is a slow stand-in on 127.0.0.1 (slow-upstream.setup.ts) that records when the router
 * closed its request. Here the client's disconnect is the request's own AbortSignal, as the
 * runtime fires it: under `wrangler dev` workerd notices a disconnect only when it writes to the
 * client or the socket is reset (docs/gateway.md#cancellation), so the end-to-end tests cover
 * streams and this test covers the wait for a non-streamed answer.
 */
import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { beforeEach, describe, expect, inject, it } from "vitest";
import kernelModule from "../../build/kernel.wasm";
import { createApp } from "../../src/app";
import { KvFleetSource } from "../../src/telemetry/fleet";
import { clearFleet, gpu, pushOk, snapshot } from "../support/telemetry";

/** The router as local development reaches it: only there may node endpoints be on loopback. */
const LOCAL = "http://127.0.0.1";

beforeEach(() => clearFleet(env.ROUTER_KV));

async function seen(requestId: string): Promise<{ at: number; abortedAt: number | null } | null> {
  return (await (await fetch(`${inject("slowUpstream")}/seen/${requestId}`)).json()) as { at: number; abortedAt: number | null } | null;
}

async function until<T>(check: () => Promise<T | null>, ms: number): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== null) return value;
    if (Date.now() > deadline) throw new Error(`nothing after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("a client that gives up", () => {
  it("aborts the node's non-streamed request at once, instead of letting it generate for nobody", async () => {
    await pushOk(snapshot("slow", [gpu(0, 140_000)], { endpoint: inject("slowUpstream"), models: ["qwen2.5-7b-instruct"] }), { origin: LOCAL });
    const app = createApp({ kernelModule, fleetSource: new KvFleetSource() });
    const client = new AbortController();
    const request = new Request(`${LOCAL}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-request-id": "cancel-1" },
      body: JSON.stringify({ model: "qwen2.5-7b-instruct", messages: [{ role: "user", content: "hi" }], delay_ms: 8000 }),
      signal: client.signal,
    });
    const ctx = createExecutionContext();
    const pending = app.fetch(request, env, ctx);
    const arrived = await until(() => seen("cancel-1"), 5000);
    client.abort();
    const response = await pending;
    await waitOnExecutionContext(ctx);
    // Nobody reads this answer; it says what happened for the logs.
    expect(response.status).toBe(499);
    const closed = await until(async () => (await seen("cancel-1"))?.abortedAt ?? null, 5000);
    expect(closed - arrived.at).toBeLessThan(3000);
  });
});
