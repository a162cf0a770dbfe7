/**
 * The node's answer body on its way to the client, watched: time to first byte and to the end,
 * usage (SSE: from the events; JSON: from the kept text, read later), and how it ended. Chunks
 * pass through as they arrive (nothing is held back). Two endings change what the client sees:
 *
 * - the node's stream fails mid-way (reset, truncated): the client's stream is errored, not
 *   closed. With a Content-Length (proxy.ts sends such bodies through a FixedLengthStream) the
 *   client sees a broken response (curl exit 18). Without one workerd still ends the chunked
 *   body with its clean terminator (cloudflare/workerd#6818), so an event stream first gets a
 *   last `data: {"error": …}` event: OpenAI's SDKs raise it as an APIError, as they do for
 *   vLLM's own mid-stream errors;
 * - an event stream that ends without `data: [DONE]` (every OpenAI-compatible server sends it
 *   last) is treated the same way: the answer is incomplete.
 *
 * The client going away cancels the node's body, which closes the node's connection (the node
 * stops generating). Called by proxy.ts; meter.done feeds outcome.ts in waitUntil.
 */
import { SseReader, type Usage } from "./usage";

/** How the answer ended. */
export type StreamEnding = "complete" | "upstream_error" | "incomplete" | "cancelled";

export interface MeteredAnswer {
  ending: StreamEnding;
  /** Milliseconds from the request's arrival to the first body byte passed on; null when none was. */
  first_byte_ms: number | null;
  total_ms: number;
  bytes: number;
  /** SSE: read from the events. JSON: null here (see `text`). */
  usage: Usage | null;
  /** SSE: an error event was seen. */
  error_event: boolean;
  /** JSON: the whole body's chunks when it is at most KEEP_BYTES, for outcome.ts to read (off the response path); else null. */
  kept: Uint8Array[] | null;
  /** JSON: chunks holding at least the last TAIL_BYTES, for the usage of a larger body. */
  tail: Uint8Array[] | null;
}

/** JSON bodies up to this size are kept whole to be read after the response. */
export const KEEP_BYTES = 1024 * 1024;
/** Of a larger JSON body, the end is kept: `usage` is its last member. */
export const TAIL_BYTES = 16 * 1024;

/** The event that ends a broken stream: OpenAI's error shape, which the SDKs raise mid-stream. */
const BROKEN_EVENT = new TextEncoder().encode(
  `data: ${JSON.stringify({ error: { message: "the node's stream broke off before it finished", type: "server_error", param: null, code: "upstream_stream_error" } })}\n\n`,
);

export interface Meter {
  body: ReadableStream<Uint8Array>;
  done: Promise<MeteredAnswer>;
}

export interface MeterOptions {
  sse: boolean;
  started_ms: number;
  now: () => number;
  /** The client's disconnect: a read that fails after it fired is a cancellation, not the node's fault. */
  signal?: AbortSignal | undefined;
}

export function meter(upstream: ReadableStream<Uint8Array>, options: MeterOptions): Meter {
  const reader = upstream.getReader();
  const sse = options.sse ? new SseReader() : null;
  const kept: Uint8Array[] = [];
  let keptBytes = 0;
  let tail: Uint8Array[] = [];
  let tailBytes = 0;
  let first: number | null = null;
  let bytes = 0;
  let finish!: (answer: MeteredAnswer) => void;
  const done = new Promise<MeteredAnswer>((resolve) => (finish = resolve));
  let finished = false;

  const end = (ending: StreamEnding): void => {
    if (finished) return;
    finished = true;
    finish({
      ending,
      first_byte_ms: first,
      total_ms: Math.max(0, options.now() - options.started_ms),
      bytes,
      usage: sse?.usage ?? null,
      error_event: sse?.error ?? false,
      kept: sse || keptBytes > KEEP_BYTES || keptBytes !== bytes ? null : kept,
      tail: sse ? null : tail,
    });
  };

  const body = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        let result: ReadableStreamReadResult<Uint8Array>;
        try {
          result = await reader.read();
        } catch (error) {
          // The client's disconnect aborts the node's body too (proxy.ts passes its signal upstream).
          if (options.signal?.aborted) {
            controller.error(error);
            end("cancelled");
            return;
          }
          if (sse) controller.enqueue(BROKEN_EVENT);
          controller.error(error);
          end("upstream_error");
          return;
        }
        if (result.done) {
          sse?.end();
          if (sse && !sse.done) {
            controller.enqueue(BROKEN_EVENT);
            controller.error(new Error("the node's event stream ended without [DONE]"));
            end("incomplete");
            return;
          }
          controller.close();
          end("complete");
          return;
        }
        const chunk = result.value;
        first ??= Math.max(0, options.now() - options.started_ms);
        bytes += chunk.byteLength;
        if (sse) sse.push(chunk);
        else {
          if (keptBytes <= KEEP_BYTES) {
            kept.push(chunk);
            keptBytes += chunk.byteLength;
          }
          tail.push(chunk);
          tailBytes += chunk.byteLength;
          while (tail.length > 1 && tailBytes - tail[0]!.byteLength >= TAIL_BYTES) tailBytes -= tail.shift()!.byteLength;
        }
        controller.enqueue(chunk);
      },
      async cancel(reason) {
        end("cancelled");
        await reader.cancel(reason).catch(() => undefined);
      },
    },
    { highWaterMark: 0 },
  );
  return { body, done };
}

/** Chunks as text (UTF-8; a character cut at the start of a tail becomes U+FFFD). */
export function decodeChunks(chunks: readonly Uint8Array[]): string {
  return new TextDecoder().decode(concat(chunks));
}

function concat(chunks: readonly Uint8Array[]): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.byteLength, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}
