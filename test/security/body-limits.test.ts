/**
 * Finding 3 (unauthenticated memory exhaustion): every route that reads a body enforces its limit
 * while the body streams. Each route gets a chunked body (no Content-Length) far above its limit,
 * produced lazily, and must answer 413 having pulled little more than the limit from the client.
 * The app is called directly in this isolate, so the count is exactly what the router pulled.
 * The list is checked against /openapi.json, so a new route with a body must be added here.
 */
import { createExecutionContext, env, SELF, waitOnExecutionContext } from "cloudflare:test";
import kernelModule from "../../build/kernel.wasm";
import { createApp } from "../../src/app";
import { KvFleetSource } from "../../src/telemetry/fleet";
import { describe, expect, it } from "vitest";
import { ADMIN, expectProblem } from "../support/http";

const KiB = 1024;
const MiB = 1024 * KiB;
const CHUNK = 64 * KiB;

interface Case {
  method: string;
  path: string;
  limit: number;
  contentType: string;
  headers?: Record<string, string>;
}

const CASES: Case[] = [
  { method: "POST", path: "/login", limit: 4 * KiB, contentType: "application/x-www-form-urlencoded" },
  { method: "POST", path: "/v1/telemetry", limit: 256 * KiB, contentType: "text/csv" },
  { method: "POST", path: "/v1/route", limit: MiB, contentType: "application/json" },
  { method: "POST", path: "/v1/chat/completions", limit: MiB, contentType: "application/json" },
  { method: "POST", path: "/v1/completions", limit: MiB, contentType: "application/json" },
  { method: "POST", path: "/v1/embeddings", limit: MiB, contentType: "application/json" },
  { method: "PUT", path: "/v1/registry", limit: 16 * MiB, contentType: "application/json", headers: ADMIN },
  { method: "POST", path: "/v1/experiments", limit: 64 * KiB, contentType: "application/json", headers: ADMIN },
  { method: "POST", path: "/v1/experiments/{id}/events", limit: 16 * KiB, contentType: "application/json" },
];

/** A body of `total` bytes made on demand, counting how much the router actually pulled. */
function lazyBody(total: number): { stream: ReadableStream<Uint8Array>; pulled: () => number } {
  let pulled = 0;
  const chunk = new Uint8Array(CHUNK).fill(0x61);
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (pulled >= total) return controller.close();
      pulled += CHUNK;
      controller.enqueue(chunk);
    },
    cancel() {
      // The router stopped reading: expected.
    },
  }, { highWaterMark: 0 });
  return { stream, pulled: () => pulled };
}

const app = createApp({ kernelModule, fleetSource: new KvFleetSource() });

describe("bodies over the limit, chunked", () => {
  for (const c of CASES) {
    it(`${c.method} ${c.path}: 413 at ${c.limit / KiB} KiB, without reading the rest`, async () => {
      const total = Math.max(64 * MiB, c.limit * 4);
      const body = lazyBody(total);
      const request = new Request(`http://router${c.path.replace("{id}", "exp-limits")}`, {
        method: c.method,
        headers: { "content-type": c.contentType, ...c.headers },
        body: body.stream,
      });
      const ctx = createExecutionContext();
      const response = await app.fetch(request, env, ctx);
      await waitOnExecutionContext(ctx);
      const problem = await expectProblem(response, 413);
      expect(problem.errors).toEqual([{ path: "body", message: `at most ${c.limit} bytes` }]);
      // What was pulled: the limit, plus what the runtime buffers ahead (a few chunks).
      expect(body.pulled()).toBeLessThanOrEqual(c.limit + CHUNK);
      expect(body.pulled()).toBeLessThan(total);
    });
  }

  it("covers every operation of /openapi.json that takes a body", async () => {
    const doc = (await (await SELF.fetch("http://router/openapi.json")).json()) as { paths: Record<string, Record<string, { requestBody?: unknown }>> };
    const withBody = Object.entries(doc.paths).flatMap(([path, ops]) => Object.entries(ops).filter(([, op]) => op.requestBody).map(([method]) => `${method.toUpperCase()} ${path}`));
    expect(withBody.sort()).toEqual(CASES.map((c) => `${c.method} ${c.path}`).sort());
  });
});

describe("limits declared up front", () => {
  it("a Content-Length over the limit is refused before reading", async () => {
    const response = await SELF.fetch("http://router/login", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: `token=${"x".repeat(8 * KiB)}`,
    });
    await expectProblem(response, 413);
  });
});
