/**
 * Finding 6 (lost registry updates): every PUT /v1/registry goes through one writer (a Durable
 * Object) that numbers versions and compares `version`. Concurrent PUTs without `version` each get
 * their own, dense version whose stored document is theirs, and each is in the history; PUTs based
 * on the same version: exactly one wins, the others get 409. Through the real worker and KV.
 */
import { env, SELF } from "cloudflare:test";
import { beforeEach, describe, expect, it } from "vitest";
import type { Registry } from "../../src/registry/schema";
import type { VersionEntry } from "../../src/registry/object";
import { ADMIN, clearKv, expectProblem, putJson } from "../support/http";
import { model, registry } from "../support/builders";

beforeEach(() => clearKv(env.ROUTER_KV));

/** A registry whose one model is named `id`, so each stored version shows whose document it is. */
function doc(id: string, version?: number): Omit<Registry, "version"> & { version?: number } {
  const { version: _v, ...base } = registry([model(id, { categories: { code: { base_score: 10, confidence: 0 } } })]);
  return version === undefined ? base : { ...base, version };
}

async function put(body: unknown): Promise<{ status: number; version: number | null }> {
  const response = await putJson("/v1/registry?canary=false", body, ADMIN);
  const json = (await response.json()) as { version?: number };
  return { status: response.status, version: response.status === 200 ? json.version! : null };
}

async function history(): Promise<{ current: number; versions: VersionEntry[] }> {
  return (await (await SELF.fetch("http://router/v1/registry/versions?limit=1000")).json()) as { current: number; versions: VersionEntry[] };
}

async function sha256(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

describe("the history", () => {
  it("before any PUT: at the demo registry's version 1, no entries", async () => {
    const response = await SELF.fetch("http://router/v1/registry/versions");
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ current: 1, versions: [] });
  });
});

describe("concurrent PUTs without version", () => {
  it("10 at once: 10 distinct, dense versions, each holding its own document, all in the history", async () => {
    const ids = Array.from({ length: 10 }, (_, i) => `writer-${i}`);
    const results = await Promise.all(ids.map((id) => put(doc(id))));
    expect(results.map((r) => r.status)).toEqual(ids.map(() => 200));
    const versions = results.map((r) => r.version!);
    expect([...versions].sort((a, b) => a - b)).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    const { current, versions: entries } = await history();
    expect(current).toBe(11);
    for (const [i, version] of versions.entries()) {
      const stored = await env.ROUTER_KV.get(`registry:v:${version}`, "text");
      const parsed = JSON.parse(stored!) as Registry;
      // The version the client was told holds the client's own document.
      expect(parsed.models.map((m) => m.id)).toEqual([ids[i]]);
      expect(parsed.version).toBe(version);
      const entry = entries.find((e) => e.version === version);
      expect(entry).toMatchObject({ based_on: null, models: 1, sha256: await sha256(stored!) });
    }
  });
});

describe("concurrent PUTs based on one version", () => {
  it("in each of 10 waves of 3, exactly one wins and the others get 409 naming the version", async () => {
    let current = 1;
    for (let wave = 0; wave < 10; wave++) {
      const results = await Promise.all([0, 1, 2].map((k) => put(doc(`wave-${wave}-${k}`, current))));
      const winners = results.filter((r) => r.status === 200);
      expect(winners).toHaveLength(1);
      expect(results.filter((r) => r.status === 409)).toHaveLength(2);
      expect(winners[0]!.version).toBe(current + 1);
      current += 1;
    }
    const { current: now, versions } = await history();
    expect(now).toBe(11);
    expect(versions.map((v) => v.based_on)).toEqual([10, 9, 8, 7, 6, 5, 4, 3, 2, 1]);
  });

  it("a stale version gets 409 and stores nothing", async () => {
    expect((await put(doc("first"))).status).toBe(200);
    const problem = await expectProblem(await putJson("/v1/registry", doc("stale", 1), ADMIN), 409);
    expect(problem.errors).toEqual([{ path: "version", message: "expected 2" }]);
    expect((await history()).versions.map((v) => v.version)).toEqual([2]);
    expect(await env.ROUTER_KV.get("registry:v:3")).toBeNull();
  });
});
