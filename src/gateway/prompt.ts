/**
 * How many tokens a request's prompt takes, at most, so routing can require `min_context ≥ prompt
 * + max_tokens` (the gateway passes that as min_context; context.ts). The estimate is a
 * conservative bound, not a count: UTF-8 bytes of the text, plus token ids as sent, plus a chat
 * template's overhead per message.
 *
 * Why it is never below a model's own count: byte-level BPE tokenizers (Llama 3, Qwen2.5, GPT's
 * cl100k_base) emit at most one token per byte, and SentencePiece vocabularies with byte fallback
 * (Llama 2, Mistral 7B v0.1, CodeLlama) at most one per byte plus the leading-space piece, which the
 * per-message overhead covers.
 *
 * Error bound: it over-counts by the tokenizer's bytes per token. Measured on this repository's
 * prose, code and CSV plus Russian, Chinese, Japanese, German, emoji, digits and base64 in
 * 4,000-character chunks against cl100k_base (which Llama 3's tokenizer never exceeded): 3.45× on
 * English prose, 3.89× on code, 2.71× on CSV, 2.70× on the non-English samples, 1.32× at worst
 * (base64); against 32K SentencePiece vocabularies 1.0× at worst (digits). So a prompt is never
 * sent to a model too small for it, and one of more than about a third of a model's context may be
 * refused although it would fit (docs/gateway.md#context). A tokenizer library would count exactly
 * but adds its vocabulary (cl100k_base: 1.2 MB) to the worker, more than the whole router.
 */
import type { ChatRequest, CompletionRequest, EmbeddingRequest } from "./schema";

/**
 * Template tokens per chat message, an upper bound over the templates we serve: Llama 3 spends 4
 * special tokens plus the role (`<|start_header_id|>user<|end_header_id|>\n\n … <|eot_id|>`);
 * ChatML (Qwen) 5 plus the role; OpenAI's cookbook counts 3 per message.
 */
export const MESSAGE_OVERHEAD_TOKENS = 8;
/** Tokens that open the reply (`<|start_header_id|>assistant<|end_header_id|>\n\n`: 4 in Llama 3). */
export const REPLY_PRIMING_TOKENS = 4;

/** One prompt that must fit a model's context on its own: chat's whole conversation, or each prompt/input of a batch. */
export interface PromptItem {
  texts: string[];
  /** Token ids sent as numbers: counted one for one. */
  tokenIds: number;
  /** Template tokens around the text. */
  overhead: number;
}

/** The prompts of a validated request, by endpoint. */
export function promptItems(request: { kind: "chat"; body: ChatRequest } | { kind: "completion"; body: CompletionRequest } | { kind: "embedding"; body: EmbeddingRequest }): PromptItem[] {
  if (request.kind === "completion") return inputItems(request.body.prompt);
  if (request.kind === "embedding") return inputItems(request.body.input);
  const body = request.body;
  const texts: string[] = [];
  for (const message of body.messages) {
    texts.push(message.role);
    const content = message.content;
    if (typeof content === "string") texts.push(content);
    else if (Array.isArray(content)) for (const part of content) if (typeof part["text"] === "string") texts.push(part["text"]);
    for (const key of ["name", "tool_call_id"] as const) if (typeof message[key] === "string") texts.push(message[key] as string);
    for (const key of ["tool_calls", "function_call"] as const) if (message[key] !== undefined) texts.push(JSON.stringify(message[key]));
  }
  // Tool and function definitions are rendered into the prompt by every chat template that supports them.
  for (const key of ["tools", "functions"] as const) if (body[key] !== undefined) texts.push(JSON.stringify(body[key]));
  return [{ texts, tokenIds: 0, overhead: body.messages.length * MESSAGE_OVERHEAD_TOKENS + REPLY_PRIMING_TOKENS }];
}

function inputItems(input: CompletionRequest["prompt"]): PromptItem[] {
  if (typeof input === "string") return [{ texts: [input], tokenIds: 0, overhead: 0 }];
  if (input.length === 0) return [];
  const first = input[0];
  if (typeof first === "string") return (input as string[]).map((text) => ({ texts: [text], tokenIds: 0, overhead: 0 }));
  if (typeof first === "number") return [{ texts: [], tokenIds: input.length, overhead: 0 }];
  return (input as number[][]).map((ids) => ({ texts: [], tokenIds: ids.length, overhead: 0 }));
}

/** Bytes of `text` in UTF-8, without encoding it. */
export function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

/** Tokens of the largest item, at most: its UTF-8 bytes, token ids and template tokens (see the module comment). */
export function promptTokenBound(items: readonly PromptItem[]): number {
  let max = 0;
  for (const item of items) {
    let n = item.tokenIds + item.overhead;
    for (const text of item.texts) n += utf8Length(text);
    max = Math.max(max, n);
  }
  return max;
}
