/**
 * `agent run`: sample every interval, push the newest snapshot, and while the router is down keep
 * sampling but hold only the latest one, retrying with exponential backoff and jitter. One log
 * line per push attempt. Stops when `signal` aborts (SIGINT/SIGTERM in main.ts). The clock,
 * sleep and random source come in as arguments so the policy is deterministic under test
 * (main.ts passes Date.now, sleepFor and Math.random).
 */
import type { Snapshot } from "../../src/telemetry/snapshot";
import type { PushResult } from "./push";

export interface LoopDeps {
  intervalMs: number;
  maxBackoffMs: number;
  sample: (seq: number, now_ms: number) => Promise<Snapshot>;
  push: (snapshot: Snapshot, signal: AbortSignal) => Promise<PushResult>;
  now: () => number;
  /** Waits `ms` or until `signal` aborts, whichever is first. */
  sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  random: () => number;
  log: (line: string) => void;
  signal: AbortSignal;
}

/**
 * Delay before retry number `failures` (1-based): interval · 2^(failures−1), capped, then scaled
 * by a random factor in [0.5, 1) ("equal jitter") so agents that lost the router together do not
 * come back in lockstep.
 */
export function backoffMs(failures: number, intervalMs: number, maxBackoffMs: number, random: number): number {
  const base = Math.min(maxBackoffMs, intervalMs * 2 ** Math.max(0, failures - 1));
  return Math.round(base * (0.5 + random / 2));
}

/** The real sleep: a timer that an abort cuts short. */
export function sleepFor(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, Math.max(0, ms));
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}

/** Runs until the signal aborts; returns how many snapshots the router accepted. */
export async function runLoop(deps: LoopDeps): Promise<number> {
  let seq = 0;
  let pending: Snapshot | null = null;
  let replaced = 0;
  let failures = 0;
  let nextSample = deps.now();
  let nextSend = deps.now();
  let accepted = 0;
  while (!deps.signal.aborted) {
    const now = deps.now();
    if (now >= nextSample) {
      nextSample = now + deps.intervalMs;
      try {
        const snapshot = await deps.sample(seq, now);
        seq = snapshot.seq;
        if (pending) replaced++; // samples dropped unsent since the last answered push
        pending = snapshot; // only the newest sample is ever sent
      } catch (error) {
        deps.log(`sample failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    if (pending && deps.now() >= nextSend && !deps.signal.aborted) {
      const sending: Snapshot = pending;
      const result = await deps.push(sending, deps.signal);
      if (deps.signal.aborted) break;
      const head = `push node=${sending.node} seq=${sending.seq} gpus=${sending.gpus.length}${replaced ? ` (newest of ${replaced + 1} samples)` : ""}`;
      if (result.outcome === "retry") {
        failures++;
        const wait = backoffMs(failures, deps.intervalMs, deps.maxBackoffMs, deps.random());
        nextSend = deps.now() + wait;
        deps.log(`${head} -> ${result.status ?? "no answer"} ${result.detail}; retry ${failures} in ${(wait / 1000).toFixed(1)}s (${result.ms} ms)`);
      } else {
        if (pending === sending) pending = null;
        if (result.outcome === "accepted") accepted++;
        failures = 0;
        replaced = 0;
        nextSend = deps.now();
        deps.log(`${head} -> ${result.status} ${result.detail} (${result.ms} ms)`);
      }
    }
    const wake = pending ? Math.min(nextSample, nextSend) : nextSample;
    await deps.sleep(wake - deps.now(), deps.signal);
  }
  return accepted;
}
