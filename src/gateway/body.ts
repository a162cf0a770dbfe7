/**
 * Byte-faithful forwarding: the body a node receives is the client's body with only the value of
 * the top-level `model` member replaced. Nothing is re-serialized, so big integers (`"seed":
 * 9223372036854775807`), key order, duplicate keys, unicode escapes, whitespace and `__proto__`
 * reach the node as the client sent them.
 *
 * How: rawBody() (route middleware, after jsonBody's size and media-type checks) reads the body
 * once as bytes, refuses bytes that are not UTF-8 (RFC 8259 §8.1) and caches them, so Hono's
 * validator parses the same bytes. modelSpans() finds where each top-level `model` value sits with
 * jsonc-parser's tokenizing visitor (it reports offsets and decodes escaped member names, so
 * `"mod\u0065l"` is found too); withModel() splices the served name into those spans. Used by
 * routes.ts (once per request) and upstream.ts (once per attempt).
 */
import type { MiddlewareHandler } from "hono";
import { visit } from "jsonc-parser";
import type { AppEnv } from "../env";
import { Problem } from "../errors";

/** The client's body as sent: its UTF-8 text and where its top-level `model` values are. */
export interface RawBody {
  text: string;
  spans: readonly ModelSpan[];
}

/** A top-level `model` member's value: UTF-16 offset and length in RawBody.text. */
export interface ModelSpan {
  offset: number;
  length: number;
}

const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const encoder = new TextEncoder();

declare module "hono" {
  interface ContextVariableMap {
    rawBody: RawBody;
  }
}

/**
 * Reads the body as bytes before the validator does (Hono caches it, and the validator's
 * JSON.parse then reads these same bytes), checks they are UTF-8, and leaves a RawBody in
 * `c.var.rawBody`. Bytes that are not UTF-8 are a 400 naming `body`.
 */
export function rawBody(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const bytes = await c.req.arrayBuffer();
    let text: string;
    try {
      text = decoder.decode(bytes);
    } catch {
      throw new Problem({
        status: 400,
        title: "Invalid request",
        detail: "the body is not UTF-8 text (RFC 8259 §8.1)",
        errors: [{ path: "body", message: "not UTF-8" }],
      });
    }
    c.set("rawBody", { text, spans: modelSpans(text) });
    await next();
  };
}

/**
 * Where each top-level `model` member's value is in `text`, in document order (a duplicated
 * `model` has several). Only the root object's members are visited: nested objects and arrays are
 * skipped (their `model` keys are not ours). `text` is expected to be valid JSON already (the
 * validator parsed it); on anything else the spans found so far are returned.
 */
export function modelSpans(text: string): ModelSpan[] {
  const spans: ModelSpan[] = [];
  let depth = 0;
  let pendingModel = false;
  visit(text, {
    onObjectBegin: () => {
      pendingModel = false;
      depth++;
      // The root object's members are visited; anything nested is skipped whole.
      return depth === 1;
    },
    onObjectEnd: () => {
      depth--;
    },
    onArrayBegin: () => {
      pendingModel = false;
      depth++;
      return false;
    },
    onArrayEnd: () => {
      depth--;
    },
    onObjectProperty: (property) => {
      pendingModel = depth === 1 && property === "model";
    },
    onLiteralValue: (_value, offset, length) => {
      if (pendingModel && depth === 1) spans.push({ offset, length });
      pendingModel = false;
    },
  });
  return spans;
}

/** The body with every top-level `model` value replaced by `model` as a JSON string; every other byte as sent. */
export function withModel(body: RawBody, model: string): Uint8Array {
  if (body.spans.length === 0) return encoder.encode(body.text);
  const value = JSON.stringify(model);
  let out = "";
  let at = 0;
  for (const span of body.spans) {
    out += body.text.slice(at, span.offset) + value;
    at = span.offset + span.length;
  }
  out += body.text.slice(at);
  return encoder.encode(out);
}
