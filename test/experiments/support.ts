/** Helpers for the experiment tests: calls through the real worker (SELF) and a tiny registry. */
import { createExecutionContext, env, SELF, waitOnExecutionContext } from "cloudflare:test";
import { expect } from "vitest";
import type { Report } from "../../src/experiments/report-schema";
import type { Experiment } from "../../src/experiments/schema";
import { ADMIN, postJson, putJson } from "../support/http";
import { model, registry } from "../support/builders";
import worker from "../../src/index";

let counter = 0;
/** Durable Objects outlive a test (only KV is cleared), so every test names its own experiments. */
export function uniqueId(prefix = "exp"): string {
  return `${prefix}-${Date.now().toString(36)}-${++counter}`;
}

/**
 * Calls the worker's own fetch handler (the module SELF serves) with a fresh execution context
 * and waits for its waitUntil tasks. Used for bursts: SELF's loopback slows down sharply beyond
 * ~100 requests in flight in this pool, while the handler itself takes 1,000 at once.
 */
export async function callWorker(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Response> {
  const ctx = createExecutionContext();
  const init: RequestInit = body === undefined ? { method, headers } : { method, headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) };
  const response = await worker.fetch(new Request(`http://router${path}`, init), env, ctx);
  await waitOnExecutionContext(ctx);
  return response;
}

export async function getJson<T>(path: string): Promise<T> {
  const response = await SELF.fetch(`http://router${path}`);
  expect(response.status).toBe(200);
  return (await response.json()) as T;
}

export async function createExperiment(body: Record<string, unknown>): Promise<Experiment> {
  const response = await postJson("/v1/experiments", body, ADMIN);
  expect(response.status).toBe(201);
  return (await response.json()) as Experiment;
}

export function postEvent(id: string, event: Record<string, unknown>): Promise<Response> {
  return postJson(`/v1/experiments/${id}/events`, event);
}

export function getReport(id: string): Promise<Report> {
  return getJson<Report>(`/v1/experiments/${id}`);
}

/**
 * A registry where "code" is served by alpha (top), beta and gamma (gamma has a 4k context), and
 * code_rust has no models of its own, so it resolves to code.
 */
export function tinyRegistry() {
  const { version: _version, ...doc } = registry([
    model("alpha", { categories: { code: { base_score: 30, confidence: 0 } } }),
    model("beta", { categories: { code: { base_score: 20, confidence: 0 } } }),
    model("gamma", { context_length: 4096, categories: { code: { base_score: 10, confidence: 0 }, math: { base_score: 10, confidence: 0 } } }),
  ]);
  return doc;
}

/** Stores a registry without starting canaries. */
export async function putRegistry(doc: unknown, query = "?canary=false"): Promise<Response> {
  return putJson(`/v1/registry${query}`, doc, ADMIN);
}
