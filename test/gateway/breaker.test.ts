/** The circuit breaker as pure code: every transition driven by an explicit clock. */
import { describe, expect, it } from "vitest";
import { CircuitBreaker, CircuitBreakers, FAILURES_TO_OPEN, MAX_BREAKERS, OPEN_MS } from "../../src/gateway/breaker";

/** A breaker opened at `t` by FAILURES_TO_OPEN failures in a row. */
function opened(t: number): CircuitBreaker {
  const b = new CircuitBreaker();
  for (let i = 0; i < FAILURES_TO_OPEN; i++) b.failure(t);
  return b;
}

describe("CircuitBreaker", () => {
  it("stays closed below three consecutive failures, and a success resets the count", () => {
    expect(FAILURES_TO_OPEN).toBe(3);
    const b = new CircuitBreaker();
    b.failure(0);
    b.failure(1);
    expect(b.state(2)).toBe("closed");
    expect(b.tryAcquire(2)).toBe(true);
    b.success();
    b.failure(3);
    b.failure(4);
    expect(b.state(5)).toBe("closed");
    b.failure(5);
    expect(b.state(5)).toBe("open");
  });

  it("refuses requests for 30 s once open, and says how long is left", () => {
    expect(OPEN_MS).toBe(30_000);
    const b = opened(1000);
    expect(b.tryAcquire(1000)).toBe(false);
    expect(b.tryAcquire(1000 + OPEN_MS - 1)).toBe(false);
    expect(b.state(1000 + OPEN_MS - 1)).toBe("open");
    expect(b.retryInMs(1000 + 10_000)).toBe(OPEN_MS - 10_000);
  });

  it("half-open after 30 s lets exactly one trial through; its success closes the breaker", () => {
    const b = opened(0);
    expect(b.state(OPEN_MS)).toBe("half_open");
    expect(b.retryInMs(OPEN_MS)).toBe(0);
    expect(b.tryAcquire(OPEN_MS)).toBe(true);
    expect(b.tryAcquire(OPEN_MS + 1)).toBe(false); // the trial is still out
    b.success();
    expect(b.state(OPEN_MS + 2)).toBe("closed");
    expect(b.tryAcquire(OPEN_MS + 2)).toBe(true);
    expect(b.tryAcquire(OPEN_MS + 2)).toBe(true);
  });

  it("a failed trial re-opens it for another 30 s from the failure", () => {
    const b = opened(0);
    expect(b.tryAcquire(OPEN_MS + 500)).toBe(true);
    b.failure(OPEN_MS + 700);
    expect(b.state(OPEN_MS + 700)).toBe("open");
    expect(b.tryAcquire(2 * OPEN_MS + 699)).toBe(false);
    expect(b.state(2 * OPEN_MS + 700)).toBe("half_open");
    expect(b.tryAcquire(2 * OPEN_MS + 700)).toBe(true);
  });

  it("a trial that never reports is given up after 30 s, and another is allowed", () => {
    const b = opened(0);
    expect(b.tryAcquire(OPEN_MS)).toBe(true);
    expect(b.tryAcquire(2 * OPEN_MS - 1)).toBe(false);
    expect(b.tryAcquire(2 * OPEN_MS)).toBe(true);
  });

  it("after closing, it needs three new failures in a row to open again", () => {
    const b = opened(0);
    b.tryAcquire(OPEN_MS);
    b.success();
    b.failure(OPEN_MS + 1);
    b.failure(OPEN_MS + 2);
    expect(b.state(OPEN_MS + 3)).toBe("closed");
  });
});

describe("CircuitBreakers", () => {
  it("keeps one breaker per endpoint and remembers the node last seen on it", () => {
    const breakers = new CircuitBreakers();
    const a = breakers.for("http://10.0.0.1:8000", "node-a", 0);
    expect(breakers.for("http://10.0.0.1:8000", "node-a2", 0)).toBe(a);
    expect(breakers.for("http://10.0.0.2:8000", "node-b", 0)).not.toBe(a);
    expect(breakers.list().map((e) => [e.endpoint, e.node])).toEqual([
      ["http://10.0.0.1:8000", "node-a2"],
      ["http://10.0.0.2:8000", "node-b"],
    ]);
  });

  it("stays bounded: closed breakers are forgotten first, open ones kept", () => {
    const breakers = new CircuitBreakers();
    for (let i = 0; i < FAILURES_TO_OPEN; i++) breakers.for("http://down:8000", "down", 0).failure(0);
    for (let i = 0; i < MAX_BREAKERS + 10; i++) breakers.for(`http://n${i}:8000`, `n${i}`, 1);
    expect(breakers.list().length).toBeLessThanOrEqual(MAX_BREAKERS);
    const down = breakers.list().find((e) => e.endpoint === "http://down:8000");
    expect(down?.breaker.state(1)).toBe("open");
  });
});
