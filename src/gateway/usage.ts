/**
 * Reading what an answer said about itself: OpenAI's `usage` (tokens) and whether a 200 carried an
 * error object instead of a result. Pure; called by meter.ts while a body streams (SSE lines) and
 * by outcome.ts after it ended (JSON bodies), never on the response path.
 */

/** Token counts as OpenAI's `usage` reports them; embeddings have no completion tokens. */
export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
}

/** The `usage` of a parsed answer or stream chunk, or null when it has none (or `usage: null`). */
export function usageOf(value: unknown): Usage | null {
  if (value === null || typeof value !== "object") return null;
  const usage = (value as Record<string, unknown>)["usage"];
  if (usage === null || typeof usage !== "object") return null;
  const u = usage as Record<string, unknown>;
  const prompt = count(u["prompt_tokens"]);
  const completion = count(u["completion_tokens"]);
  if (prompt === null && completion === null) return null;
  return { prompt_tokens: prompt ?? 0, completion_tokens: completion ?? 0 };
}

function count(x: unknown): number | null {
  return typeof x === "number" && Number.isInteger(x) && x >= 0 && x <= Number.MAX_SAFE_INTEGER ? x : null;
}

/** An error object where a result should be: `{"error": {…}}` (OpenAI, vLLM streams) or `{"object": "error", …}` (vLLM). */
export function isErrorBody(value: unknown): boolean {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return false;
  const v = value as Record<string, unknown>;
  return (v["error"] !== undefined && v["error"] !== null) || v["object"] === "error";
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** What a whole JSON answer says: its usage and whether it is an error object. */
export function readJsonAnswer(text: string): { usage: Usage | null; error: boolean } {
  const value = parse(text);
  return { usage: usageOf(value), error: isErrorBody(value) };
}

/**
 * The usage of a JSON answer too large to keep whole, from its last KiBs: OpenAI-compatible
 * servers write `usage` as the last member, so the text from its last `"usage":` on, closed as an
 * object, parses (the extra closing brace of the answer is dropped first).
 */
export function usageFromTail(tail: string): Usage | null {
  const at = tail.lastIndexOf('"usage"');
  if (at < 0) return null;
  let rest = tail.slice(at).trimEnd();
  if (rest.endsWith("}")) rest = rest.slice(0, -1);
  return usageOf(parse(`{${rest}}`));
}

/**
 * Follows a server-sent event stream line by line: `[DONE]` seen, an error event seen, the last
 * non-null usage. Only data lines that mention `usage` or `error` are parsed, so content chunks cost
 * a substring search each.
 */
export class SseReader {
  done = false;
  error = false;
  usage: Usage | null = null;
  private partial = "";
  private readonly decoder = new TextDecoder();

  push(chunk: Uint8Array): void {
    const text = this.partial + this.decoder.decode(chunk, { stream: true });
    const lines = text.split(/\r\n|\r|\n/);
    this.partial = lines.pop()!;
    for (const line of lines) this.line(line);
  }

  end(): void {
    const rest = this.partial + this.decoder.decode();
    this.partial = "";
    if (rest !== "") this.line(rest);
  }

  private line(line: string): void {
    if (!line.startsWith("data:")) return;
    const data = line.slice(line.charCodeAt(5) === 32 ? 6 : 5);
    if (data === "[DONE]") {
      this.done = true;
      return;
    }
    if (!data.includes('"usage"') && !data.includes('"error"')) return;
    const value = parse(data);
    if (isErrorBody(value)) this.error = true;
    this.usage = usageOf(value) ?? this.usage;
  }
}
