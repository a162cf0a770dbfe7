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
 * Middleware: reads the body with readLimited and puts it back as a buffered request, so every
 * later reader (validators, handlers) sees at most `maxBytes`.
 */
export function limitBody(maxBytes: number): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (c.req.raw.body === null) return next();
    const body = await readLimited(c.req.raw, maxBytes);
    c.req.raw = new Request(c.req.raw, { body });
    await next();
  };
}
