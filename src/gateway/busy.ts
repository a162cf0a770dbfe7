/**
 * A node that answers 429 or 503 with Retry-After is busy, not broken: the gateway moves on to the
 * next candidate and leaves the node alone for that long (in this isolate at once, in every isolate
 * through the shared breakers). This module reads the wait and keeps the isolate's busy nodes.
 * Called by failover.ts and breaker-cache.ts.
 */

/** Longest wait honoured (ms): a node asking for more is retried after this anyway, so a typo in its config cannot park it for a day. */
export const MAX_BUSY_MS = 60_000;

/** The statuses that mean "busy, come back later" when they carry Retry-After (RFC 9110 §10.2.3, RFC 6585 §4). */
export function busyStatus(status: number): boolean {
  return status === 429 || status === 503;
}

/**
 * Retry-After as milliseconds from `now_ms`, capped at MAX_BUSY_MS: delay-seconds (`"7"`) or an
 * HTTP-date (`"Wed, 21 Oct 2026 07:28:00 GMT"`; a date in the past is 0). null when absent or
 * unreadable (then the answer is not a busy signal and is handled as before).
 */
export function retryAfterMs(value: string | null, now_ms: number): number | null {
  if (value === null) return null;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Math.min(MAX_BUSY_MS, Number(text) * 1000);
  // HTTP-date: IMF-fixdate and the two obsolete forms, which Date.parse reads; anything else is not a date.
  if (!/^[A-Za-z]{3,9}, /.test(text) && !/^[A-Za-z]{3} [A-Za-z]{3} /.test(text)) return null;
  const at = Date.parse(text);
  if (!Number.isFinite(at)) return null;
  return Math.min(MAX_BUSY_MS, Math.max(0, at - now_ms));
}

/** The isolate's busy nodes: node → busy until (ms). Bounded; expired entries are dropped as they are met. */
export class BusyNodes {
  private readonly until = new Map<string, number>();

  mark(node: string, until_ms: number): void {
    if (this.until.size >= 1024 && !this.until.has(node)) this.until.delete(this.until.keys().next().value!);
    this.until.set(node, Math.max(this.until.get(node) ?? 0, until_ms));
  }

  /** Nodes busy at `now_ms`, with until when. */
  busy(now_ms: number): Array<[string, number]> {
    const out: Array<[string, number]> = [];
    for (const [node, until] of this.until) {
      if (until > now_ms) out.push([node, until]);
      else this.until.delete(node);
    }
    return out;
  }
}
