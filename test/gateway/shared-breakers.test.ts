/**
 * The shared breakers: the Durable Object through RPC (real storage), Retry-After parsing, and an
 * isolate's copy (breaker-cache.ts) reading it. Each test uses its own object name or fresh state.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { CircuitBreakers, FAILURES_TO_OPEN, OPEN_MS } from "../../src/gateway/breaker";
import { SharedBreakerCache, type SharedCall } from "../../src/gateway/breaker-cache";
import { breakerReports } from "../../src/gateway/breaker-reports";
import { BusyNodes, MAX_BUSY_MS, retryAfterMs } from "../../src/gateway/busy";
import { MAX_REPORTS, SHARED_BREAKERS } from "../../src/gateway/shared-breaker-schema";

let n = 0;
const fresh = () => env.BREAKERS.getByName(`breakers-test-${Date.now()}-${++n}`);

describe("Retry-After", () => {
  const now = Date.parse("2026-05-01T12:00:00Z");
  it("reads delay-seconds and HTTP-dates, caps both at MAX_BUSY_MS, and refuses anything else", () => {
    expect(retryAfterMs("7", now)).toBe(7000);
    expect(retryAfterMs(" 0 ", now)).toBe(0);
    expect(retryAfterMs("3600", now)).toBe(MAX_BUSY_MS);
    expect(retryAfterMs("Fri, 01 May 2026 12:00:20 GMT", now)).toBe(20_000);
    expect(retryAfterMs("Friday, 01-May-26 12:00:20 GMT", now)).toBe(20_000);
    expect(retryAfterMs("Fri May  1 12:00:20 2026", now)).not.toBeNull();
    expect(retryAfterMs("Fri, 01 May 2026 11:00:00 GMT", now)).toBe(0);
    expect(retryAfterMs("Sat, 02 May 2026 12:00:00 GMT", now)).toBe(MAX_BUSY_MS);
    for (const bad of [null, "", "-1", "1.5", "soon", "2026-05-01T12:00:20Z", "Fri, 99 Foo 2026 GMT"]) expect(retryAfterMs(bad, now)).toBeNull();
  });

  it("busy nodes are kept until their time, then forgotten", () => {
    const busy = new BusyNodes();
    busy.mark("a", 1000);
    busy.mark("a", 500);
    busy.mark("b", 2000);
    expect(busy.busy(0)).toEqual([["a", 1000], ["b", 2000]]);
    expect(busy.busy(1000)).toEqual([["b", 2000]]);
  });
});

describe("BreakerObject", () => {
  it("opens a node after FAILURES_TO_OPEN reported failures, for OPEN_MS; a success clears it", async () => {
    const stub = fresh();
    for (let i = 1; i < FAILURES_TO_OPEN; i++) {
      const { state } = await stub.report([{ kind: "failure", node: "n1" }]);
      expect(state.nodes).toEqual([{ node: "n1", failures: i, open_until_ms: 0, busy_until_ms: 0 }]);
    }
    const before = Date.now();
    const opened = (await stub.report([{ kind: "failure", node: "n1" }])).state.nodes[0]!;
    expect(opened.failures).toBe(FAILURES_TO_OPEN);
    expect(opened.open_until_ms).toBeGreaterThanOrEqual(before + OPEN_MS);
    expect(opened.open_until_ms).toBeLessThanOrEqual(Date.now() + OPEN_MS);
    expect((await stub.state()).nodes.map((x) => x.node)).toEqual(["n1"]);
    expect((await stub.report([{ kind: "success", node: "n1" }])).state.nodes).toEqual([]);
    // Afterwards it counts from zero again.
    expect((await stub.report([{ kind: "failure", node: "n1" }])).state.nodes[0]!.open_until_ms).toBe(0);
  });

  it("keeps the later busy time, and a success does not concern unknown nodes", async () => {
    const stub = fresh();
    const until = Date.now() + 20_000;
    await stub.report([{ kind: "busy", node: "b", until_ms: until }, { kind: "busy", node: "b", until_ms: until - 5000 }, { kind: "success", node: "nobody" }]);
    expect((await stub.state()).nodes).toEqual([{ node: "b", failures: 0, open_until_ms: 0, busy_until_ms: until }]);
    // A busy time already past is not held.
    await stub.report([{ kind: "busy", node: "c", until_ms: Date.now() - 1 }]);
    expect((await stub.state()).nodes.map((x) => x.node)).toEqual(["b"]);
  });

  it("refuses malformed reports and stores nothing, not even the valid ones beside them", async () => {
    const stub = fresh();
    const tooMany = Array.from({ length: MAX_REPORTS + 1 }, () => ({ kind: "failure", node: "x" }));
    const malformed = [[{ kind: "failure" }], [{ kind: "busy", node: "x" }], [{ kind: "open", node: "x" }], [{ kind: "failure", node: "" }], [{ kind: "failure", node: "x", extra: 1 }], tooMany, "nope"];
    for (const bad of malformed) expect(await stub.report([{ kind: "failure", node: "ok" }, ...(Array.isArray(bad) ? bad : [bad])] as never)).toMatchObject({ accepted: false });
    expect((await stub.state()).nodes).toEqual([]);
  });
});

describe("an isolate's copy", () => {
  it("waits for the first read, then excludes shared open and busy nodes and its own open breakers; reads again only after REFRESH_MS", async () => {
    // The shared object itself: these tests share the worker's storage, so use node names no other test uses.
    const stub = env.BREAKERS.getByName(SHARED_BREAKERS);
    for (let i = 0; i < FAILURES_TO_OPEN; i++) await stub.report([{ kind: "failure", node: "copy-dead" }]);
    await stub.report([{ kind: "busy", node: "copy-busy", until_ms: Date.now() + 10_000 }]);

    const calls: SharedCall[] = [];
    const tasks: Array<Promise<unknown>> = [];
    const ctx = { env, waitUntil: (t: Promise<unknown>) => void tasks.push(t) };
    const cache = new SharedBreakerCache((call) => calls.push(call));
    const breakers = new CircuitBreakers();
    for (let i = 0; i < FAILURES_TO_OPEN; i++) breakers.for("http://own:1", "copy-own", 0).failure(Date.now());

    const excluded = await cache.exclusions(ctx, breakers, Date.now());
    expect(excluded.get("copy-dead")).toMatchObject({ reason: "open" });
    expect(excluded.get("copy-busy")).toMatchObject({ reason: "busy" });
    expect(excluded.get("copy-own")).toMatchObject({ reason: "open" });
    expect(calls).toEqual(["read"]);
    expect(cache.suspects("copy-dead")).toBe(true);
    expect(cache.suspects("copy-healthy")).toBe(false);

    // Within REFRESH_MS: no call at all.
    await cache.exclusions(ctx, breakers, Date.now());
    expect(calls).toEqual(["read"]);
    // Later: one read, in waitUntil.
    await cache.exclusions(ctx, breakers, Date.now() + 5000);
    await Promise.all(tasks);
    expect(calls).toEqual(["read", "read"]);

    // Reports: one call per request that has any, none for a healthy answer.
    const attempt = { endpoint: "http://x:1", model: "m", status: null, message: null };
    expect(breakerReports([{ ...attempt, node: "copy-healthy", error: null, status: 200 }], cache)).toEqual([]);
    const reports = breakerReports([{ ...attempt, node: "copy-dead", error: null, status: 200 }, { ...attempt, node: "copy-429", error: "busy", status: 429, busy_until_ms: Date.now() + 3000 }], cache);
    expect(reports.map((r) => r.kind)).toEqual(["success", "busy"]);
    cache.report(ctx, reports);
    await Promise.all(tasks);
    expect(calls).toEqual(["read", "read", "report"]);
    const after = await cache.exclusions(ctx, new CircuitBreakers(), Date.now());
    expect(after.has("copy-dead")).toBe(false);
    expect(after.get("copy-429")).toMatchObject({ reason: "busy" });
  });
});
