/**
 * Schemas of the OpenAI-compatible endpoints (POST /v1/chat/completions, /v1/completions,
 * /v1/embeddings, GET /v1/models); also their OpenAPI components. Only what the router reads is
 * checked: `model`, the prompt (`messages`, `prompt`, `input`), `stream`, `stream_options` and
 * `max_tokens`. The node receives the client's bytes, not these parsed values (body.ts).
 */
import { z } from "@hono/zod-openapi";

const ContentPartSchema = z.looseObject({ type: z.string().min(1) });

export const ChatMessageSchema = z
  .looseObject({
    role: z.string().min(1).max(64).openapi({ example: "user" }),
    content: z
      .union([z.string(), z.array(ContentPartSchema), z.null()])
      .optional()
      .openapi({ description: "Text, content parts, or null; omitted only when the message has tool_calls or function_call" }),
  })
  // OpenAI: content is "required unless tool_calls or function_call is specified".
  .refine((m) => m.content !== undefined || m["tool_calls"] !== undefined || m["function_call"] !== undefined, {
    message: "content is required unless the message has tool_calls or function_call",
    path: ["content"],
  })
  .openapi("ChatMessage");

const ModelField = z.string().min(1).max(256).openapi({
  description: "'auto' (the endpoint's default category), 'auto:<category>', or a registry model id; GET /v1/models lists them",
  example: "auto:code",
});
const StreamField = z.boolean().optional().openapi({ description: "Server-sent events, passed through chunk by chunk" });
const StreamOptionsField = z
  .looseObject({ include_usage: z.boolean().optional() })
  .optional()
  .openapi({ description: "With include_usage the last event carries `usage`; the router counts its tokens" });
/** Read for the context check only; the node validates the value itself (a negative one reaches it and is its 400). */
const MaxTokensField = z.number().optional().openapi({ description: "Tokens to generate; the chosen model's context must hold the prompt plus these" });

export const ChatRequestSchema = z
  .looseObject({
    model: ModelField,
    messages: z.array(ChatMessageSchema).min(1).max(10_000),
    stream: StreamField,
    stream_options: StreamOptionsField,
    max_tokens: MaxTokensField,
    max_completion_tokens: MaxTokensField,
  })
  .openapi("ChatCompletionRequest", { description: "An OpenAI chat completion request; the node receives it byte for byte, only `model` replaced" });

export type ChatRequest = z.infer<typeof ChatRequestSchema>;

/** A prompt or embedding input: text, texts, token ids, or lists of token ids (OpenAI's four forms). */
const TextOrTokens = z.union([
  z.string(),
  z.array(z.string()).min(1).max(10_000),
  z.array(z.number().int().min(0)).min(1).max(1_000_000),
  z.array(z.array(z.number().int().min(0)).min(1)).min(1).max(10_000),
]);

export const CompletionRequestSchema = z
  .looseObject({
    model: ModelField,
    prompt: TextOrTokens.openapi({ description: "A string, strings, token ids, or lists of token ids; each prompt must fit the model's context with max_tokens" }),
    stream: StreamField,
    stream_options: StreamOptionsField,
    max_tokens: MaxTokensField,
  })
  .openapi("CompletionRequest", { description: "An OpenAI (legacy) completion request; the node receives it byte for byte, only `model` replaced" });

export type CompletionRequest = z.infer<typeof CompletionRequestSchema>;

export const EmbeddingRequestSchema = z
  .looseObject({
    model: ModelField.openapi({ example: "auto" }),
    input: TextOrTokens.openapi({ description: "A string, strings, token ids, or lists of token ids; each input must fit the model's context" }),
  })
  .openapi("EmbeddingRequest", { description: "An OpenAI embeddings request; the node receives it byte for byte, only `model` replaced" });

export type EmbeddingRequest = z.infer<typeof EmbeddingRequestSchema>;

/** Optional request headers: the A/B unit and a request id (also forwarded upstream). */
export const ChatHeadersSchema = z.object({
  "x-unit-id": z.string().min(1).max(256).optional().openapi({ description: "User or session id for sticky A/B assignment" }),
  "x-request-id": z.string().min(1).max(128).optional().openapi({ description: "Your request id: the A/B unit when x-unit-id is absent, and sent upstream" }),
});

export const ModelEntrySchema = z
  .object({
    id: z.string().openapi({ example: "auto:code" }),
    object: z.literal("model"),
    created: z.number().int().openapi({ description: "Unix seconds: when the registry version was stored" }),
    owned_by: z.string().openapi({ description: "The Hugging Face owner of a model; 'router' for the auto entries" }),
  })
  .openapi("ModelEntry");

export const ModelListSchema = z
  .object({ object: z.literal("list"), data: z.array(ModelEntrySchema) })
  .openapi("ModelList");

export type ModelList = z.infer<typeof ModelListSchema>;
