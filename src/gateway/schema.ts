/**
 * Schemas of the OpenAI-compatible endpoints (POST /v1/chat/completions, GET /v1/models); also
 * their OpenAPI components. Only what the router reads is checked: `model`, `messages` and
 * `stream`. Every other OpenAI field is passed to the upstream untouched.
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

export const ChatRequestSchema = z
  .looseObject({
    model: z.string().min(1).max(256).openapi({
      description: "'auto' (the default category), 'auto:<category>', or a registry model id; GET /v1/models lists them",
      example: "auto:code",
    }),
    messages: z.array(ChatMessageSchema).min(1).max(10_000),
    stream: z.boolean().optional().openapi({ description: "Server-sent events, passed through chunk by chunk" }),
  })
  .openapi("ChatCompletionRequest", { description: "An OpenAI chat completion request; fields not listed here are forwarded as they are" });

export type ChatRequest = z.infer<typeof ChatRequestSchema>;

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
