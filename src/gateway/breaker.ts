/**
 * A circuit breaker per upstream endpoint, so the proxy stops sending requests to a node that
 * keeps failing and tries it again later. Pure: every call takes `now_ms`. States:
 *
 *   closed ──(FAILURES_TO_OPEN consecutive failures)──> open ──(OPEN_MS later)──> half-open
 *   half-open: one trial request is let through; success → closed, failure → open again.
 *
 * A trial that never reports (its request vanished) is given up after OPEN_MS, and another trial
 * is allowed. Breakers live per isolate (CircuitBreakers below, built once in src/app.ts): each
 * isolate learns on its own that a node is down, which costs each isolate a few failed attempts.
 */

/** Consecutive failures (network error, timeout, 5xx) that open a closed breaker. */
export const FAILURES_TO_OPEN = 3;
/** How long an open breaker refuses requests before letting one trial through. */
export const OPEN_MS = 30_000;

export type BreakerState = "closed" | "open" | "half_open";

export class CircuitBreaker {
  private failures = 0;
  private openedAt: number | null = null;
  private trialStartedAt: number | null = null;

  /** The state at `now_ms`: an open breaker past OPEN_MS is half-open. */
  state(now_ms: number): BreakerState {
    if (this.openedAt === null) return "closed";
    return now_ms - this.openedAt >= OPEN_MS ? "half_open" : "open";
  }

  /**
   * Whether a request may go to this endpoint now. In half-open this grants the one trial, so
   * the caller must report its result with success() or failure().
   */
  tryAcquire(now_ms: number): boolean {
    const state = this.state(now_ms);
    if (state === "closed") return true;
    if (state === "open") return false;
    if (this.trialStartedAt !== null && now_ms - this.trialStartedAt < OPEN_MS) return false;
    this.trialStartedAt = now_ms;
    return true;
  }

  /** The upstream answered (2xx–4xx): it is up. */
  success(): void {
    this.failures = 0;
    this.openedAt = null;
    this.trialStartedAt = null;
  }

  /** The request ended without saying anything about the endpoint (the client went away): a half-open trial slot is free again. */
  release(): void {
    this.trialStartedAt = null;
  }

  /** Network error, timeout or 5xx. A failed trial, or the last of FAILURES_TO_OPEN in a row, opens it. */
  failure(now_ms: number): void {
    this.failures++;
    if (this.openedAt !== null || this.failures >= FAILURES_TO_OPEN) {
      this.openedAt = now_ms;
      this.trialStartedAt = null;
    }
  }

  /** Milliseconds until an open breaker lets a trial through (0 when it would now). */
  retryInMs(now_ms: number): number {
    return this.openedAt === null ? 0 : Math.max(0, this.openedAt + OPEN_MS - now_ms);
  }
}

/** One breaker per endpoint, with the node name last seen using it (for the metrics gauge). */
export interface BreakerEntry {
  endpoint: string;
  node: string;
  breaker: CircuitBreaker;
}

/** Endpoints remembered per isolate; beyond this, closed breakers are forgotten first. */
export const MAX_BREAKERS = 1024;

/** The isolate's breakers, keyed by endpoint URL. Read by the proxy and by GET /metrics. */
export class CircuitBreakers {
  private readonly entries = new Map<string, BreakerEntry>();

  /** The breaker of `endpoint`, made closed on first use. */
  for(endpoint: string, node: string, now_ms: number): CircuitBreaker {
    let entry = this.entries.get(endpoint);
    if (!entry) {
      if (this.entries.size >= MAX_BREAKERS) this.evict(now_ms);
      entry = { endpoint, node, breaker: new CircuitBreaker() };
      this.entries.set(endpoint, entry);
    }
    entry.node = node;
    return entry.breaker;
  }

  /** Every known endpoint with its breaker, for the `router_gateway_breaker_open` gauge. */
  list(): readonly BreakerEntry[] {
    return [...this.entries.values()];
  }

  private evict(now_ms: number): void {
    for (const [endpoint, entry] of this.entries) {
      if (entry.breaker.state(now_ms) === "closed") this.entries.delete(endpoint);
    }
    // All open: drop the oldest-inserted, so memory stays bounded whatever the fleet does.
    if (this.entries.size >= MAX_BREAKERS) this.entries.delete(this.entries.keys().next().value!);
  }
}
