/**
 * One bounded GET against an engine: a deadline for the whole exchange (headers and body), a
 * byte limit enforced while the body streams (a hostile or broken engine cannot make the agent
 * buffer more), and no redirects (the agent reads only the address the operator gave it).
 */

/** Why a GET gave no usable body: unreachable, timed out, too large, redirected. */
export class FetchError extends Error {
  override readonly name = "FetchError";
}

export interface Fetched {
  status: number;
  text: string;
}

function reason(error: unknown): string {
  if (error instanceof FetchError) return error.message;
  if (error instanceof Error) {
    if (error.name === "TimeoutError") return "timed out";
    const cause = error.cause instanceof Error ? error.cause.message : "";
    return cause || error.message;
  }
  return String(error);
}

/**
 * GETs `url` and returns its status and body (decoded as UTF-8) whatever the status. Throws
 * FetchError when there is no answer within `timeoutMs`, the body passes `maxBytes`, or the
 * engine redirects.
 */
export async function getBounded(url: string, timeoutMs: number, maxBytes: number): Promise<Fetched> {
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    const response = await fetch(url, { signal, redirect: "manual", headers: { accept: "text/plain, application/json;q=0.9, */*;q=0.1" } });
    if (response.status >= 300 && response.status < 400) {
      await response.body?.cancel();
      throw new FetchError(`redirected (${response.status}) to ${response.headers.get("location") ?? "?"}; give the final URL`);
    }
    const declared = Number(response.headers.get("content-length") ?? "0");
    if (declared > maxBytes) {
      await response.body?.cancel();
      throw new FetchError(`body of ${declared} bytes is over the ${maxBytes}-byte limit`);
    }
    const chunks: Uint8Array[] = [];
    let size = 0;
    if (response.body) {
      const reader = response.body.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        size += value.byteLength;
        if (size > maxBytes) {
          await reader.cancel();
          throw new FetchError(`body passed the ${maxBytes}-byte limit while streaming`);
        }
        chunks.push(value);
      }
    }
    return { status: response.status, text: Buffer.concat(chunks).toString("utf8") };
  } catch (error) {
    throw new FetchError(reason(error));
  }
}

/** The first bytes of a body, quoted for a log line. */
export function quote(text: string, max = 60): string {
  return JSON.stringify(text.length > max ? `${text.slice(0, max)}…` : text);
}
