/**
 * GET with the manners a shared service deserves: a timeout per attempt, retries on 429, 5xx and
 * network errors, Retry-After honoured (capped, so a hostile value cannot stall the run) and
 * exponential backoff with jitter otherwise. Used by hub.ts for every Hub request.
 */

export interface HttpOptions {
  timeoutMs: number;
  /** Retries after the first attempt. */
  retries: number;
  /** Longest wait a Retry-After header can impose, in seconds. */
  maxRetryAfterS: number;
  /** Sent as `Authorization: Bearer …` when set (HF_TOKEN). */
  token?: string | undefined;
  /** Largest body accepted, in bytes. */
  maxBytes: number;
}

export interface HttpAnswer {
  status: number;
  contentType: string;
  text: string;
  /** What happened before this answer ("429, waited 1s"), for the per-model report. */
  retries: string[];
}

export class HttpFailure extends Error {
  override readonly name = "HttpFailure";
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Seconds or an HTTP date → milliseconds to wait, capped; null when absent or unreadable. */
export function retryAfterMs(header: string | null, capS: number, nowMs: number): number | null {
  if (header === null || header.trim() === "") return null;
  const seconds = /^\s*\d+\s*$/.test(header) ? Number(header) : (Date.parse(header) - nowMs) / 1000;
  if (!Number.isFinite(seconds)) return null;
  return Math.min(Math.max(seconds, 0), capS) * 1000;
}

function backoffMs(attempt: number): number {
  const base = Math.min(30_000, 500 * 2 ** attempt);
  return base / 2 + Math.random() * (base / 2);
}

/** The final answer (which may still be a 429/5xx once retries are spent), or HttpFailure on network errors. */
export async function getWithRetry(url: string, options: HttpOptions): Promise<HttpAnswer> {
  const headers: Record<string, string> = { "user-agent": "edge-model-router-enrich/0.1", accept: "*/*" };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  const retries: string[] = [];
  for (let attempt = 0; ; attempt++) {
    const last = attempt >= options.retries;
    let response: Response;
    try {
      response = await fetch(url, { headers, signal: AbortSignal.timeout(options.timeoutMs), redirect: "follow" });
      const length = Number(response.headers.get("content-length") ?? "0");
      if (length > options.maxBytes) {
        await response.body?.cancel();
        throw new HttpFailure(`${url}: body of ${length} bytes is over the ${options.maxBytes}-byte limit`);
      }
      const text = await response.text();
      if (text.length > options.maxBytes) throw new HttpFailure(`${url}: body is over the ${options.maxBytes}-byte limit`);
      if ((response.status === 429 || response.status >= 500) && !last) {
        const wait = retryAfterMs(response.headers.get("retry-after"), options.maxRetryAfterS, Date.now()) ?? backoffMs(attempt);
        retries.push(`${response.status}, waited ${(wait / 1000).toFixed(1)}s`);
        await sleep(wait);
        continue;
      }
      return { status: response.status, contentType: response.headers.get("content-type") ?? "", text, retries };
    } catch (error) {
      if (error instanceof HttpFailure) throw error;
      const reason = error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError") ? `timed out after ${options.timeoutMs} ms` : describe(error);
      if (last) throw new HttpFailure(`${url}: ${reason}${retries.length > 0 ? ` (after retries: ${retries.join("; ")})` : ""}`);
      const wait = backoffMs(attempt);
      retries.push(`${reason}, waited ${(wait / 1000).toFixed(1)}s`);
      await sleep(wait);
    }
  }
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : "";
  return `${error.message}${cause}`;
}
