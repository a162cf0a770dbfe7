/**
 * docs/deploy.md's plan and cost section against the code: its table must be what
 * scripts/deploy/budget.ts computes from the code's constants (agent interval, CACHE_TTL_MS,
 * METRICS_FLUSH_MS, the agent claim refresh, the node TTL) and the operations per push and per
 * refresh that operations.test.ts counts. Runs in the Workers project because those constants live
 * in modules that import cloudflare:workers. On a mismatch the expected table is in the diff.
 */
import { describe, expect, it } from "vitest";
import guide from "../../docs/deploy.md?raw";
import { budgetMarkdown, DEFAULTS, FREE_PER_DAY, freeMinutes, GUIDE_FLEETS, perDay, VIEW_FLEETS, viewMarkdown } from "../../scripts/deploy/budget";

const between = (start: string, end: string) => guide.slice(guide.indexOf(start) + start.length, guide.indexOf(end)).trim();

describe("docs/deploy.md's operations per day", () => {
  it("shows the table the code's constants give", () => {
    expect(between("<!-- budget table: start -->", "<!-- budget table: end -->")).toBe(budgetMarkdown(GUIDE_FLEETS));
  });

  it("shows the routing view's cost at 100 and 1,000 isolates that the code's constants give", () => {
    expect(between("<!-- view table: start -->", "<!-- view table: end -->")).toBe(viewMarkdown(VIEW_FLEETS));
  });

  it("counts lists per data center: at most twice per TTL there, once per TTL for an isolate alone", () => {
    // Each listing is two lists (fleet and experiments index), 43,200 refreshes a day at a 2 s TTL.
    expect(perDay({ nodes: 1, busyIsolates: 1 }).kvLists).toBe(2 * 43_200);
    expect(perDay({ nodes: 1, busyIsolates: 10, locations: 1 }).kvLists).toBe(2 * 2 * 43_200);
    expect(perDay({ nodes: 1, busyIsolates: 10 }).kvLists).toBe(10 * 2 * 43_200);
  });

  it("states the defaults it assumes and the Free plan verdict with the code's numbers", () => {
    expect(DEFAULTS).toEqual({ intervalMs: 5000, cacheTtlMs: 2000, flushMs: 1000, agentTouchMs: 3_600_000, nodeTtlS: 86_400 });
    const node = perDay({ nodes: 1, busyIsolates: 0 });
    const isolate = perDay({ nodes: 0, busyIsolates: 1 });
    // One node's pushes: 17,280 KV writes a day against 1,000; one isolate's refreshes: 86,400 lists against 1,000.
    expect(node.kvWrites).toBe(17_280);
    expect(isolate.kvLists).toBe(86_400);
    expect(Math.round(freeMinutes(node).kvWrites)).toBe(83);
    expect(Math.round(freeMinutes(isolate).kvLists)).toBe(17);
    expect(FREE_PER_DAY.kvLists).toBe(1_000);
    const verdict = between("<!-- free plan verdict: start -->", "<!-- free plan verdict: end -->");
    expect(verdict).toContain(`${node.kvWrites.toLocaleString("en-US")} KV writes a day`);
    expect(verdict).toContain("83 minutes");
    expect(verdict).toContain(`${isolate.kvLists.toLocaleString("en-US")} KV list operations a day`);
    expect(verdict).toContain("17 minutes");
    expect(verdict).toMatch(/needs the Workers Paid plan/);
  });
});
