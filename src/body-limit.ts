/**
 * Request bodies read with a limit that holds while they stream: a declared Content-Length over
 * the limit is refused before a byte is read, and a chunked body is counted as it arrives and
 * refused (413, its stream cancelled) the moment it passes the limit. So no route ever holds more
 * than its limit of one request in memory. Used by jsonBody (src/validate.ts), the telemetry
 * signature check and the dashboard's login form; docs/security.md lists every limit.
 */
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "./env";
import { Problem } from "./errors";

export function tooLarge(maxBytes: number): Problem {
  return new Problem({
    status: 413,
    title: "Payload too large",
    detail: `the body is larger than ${maxBytes} bytes`,
    errors: [{ path: "body", message: `at most ${maxBytes} bytes` }],
  });
}

/** The whole body of `request`, at most `maxBytes` of it; throws the 413 Problem beyond. */
export async function readLimited(request: Request, maxBytes: number): Promise<Uint8Array> {
  const declared = request.headers.get("content-length");
  if (declared !== null && Number(declared) > maxBytes) throw tooLarge(maxBytes);
  if (request.body === null) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      // Stop reading: the rest is never pulled from the client.
      await reader.cancel().catch(() => undefined);
      throw tooLarge(maxBytes);
    }
    chunks.push(value);
  }
  const body = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return body;
}

/**
 * Middleware: reads the body with readLimited and hands the bytes to Hono's body cache, so every
 * later reader through `c.req` (validators, `c.req.json()`, `arrayBuffer()`, `parseBody()`) sees
 * at most `maxBytes` without the stream being read again. The request is not rebuilt around the
 * bytes: a second Request per call was a measurable share of a route decision (bench/inprocess).
 * `c.req.raw.body` is spent afterwards; nothing downstream reads it (the proxy forwards `rawBody`).
 */
export function limitBody(maxBytes: number): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (c.req.raw.body === null) return next();
    const body = await readLimited(c.req.raw, maxBytes);
    // Hono keeps promises in the cache (its type says values): #cachedBody returns and chains them.
    const cache = c.req.bodyCache as Record<string, Promise<unknown>>;
    cache["arrayBuffer"] = Promise.resolve(body.buffer);
    // What Request.text() gives: UTF-8 with a leading BOM dropped and bad bytes as U+FFFD.
    cache["text"] = Promise.resolve(utf8.decode(body));
    await next();
  };
}

const utf8 = new TextDecoder("utf-8");
