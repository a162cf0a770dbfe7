/**
 * What an engine serves, read from its own API: the ids of the OpenAI-compatible GET /v1/models
 * (vLLM, SGLang, TGI, llama.cpp server) or the loaded models of Ollama's GET /api/ps. Names are
 * kept verbatim (the router maps them to registry ids by id or hf_repo); a name the snapshot
 * schema cannot carry (spaces, over 256 characters) is dropped with a note, never rewritten.
 */
import { z } from "@hono/zod-openapi";
import { ServedNameSchema } from "../../../src/telemetry/engines/schema";

/** The response is not what the engine documents; the message says what was wrong. */
export class ServedError extends Error {
  override readonly name = "ServedError";
}

/** Most served names one engine entry carries (EngineSchema.models). */
export const MAX_SERVED = 64;

// Only the fields read; engines add others (owned_by, max_model_len, permission, meta, …).
const OpenAiModels = z.object({ data: z.array(z.object({ id: z.string() })) });
const OllamaPs = z.object({ models: z.array(z.object({ name: z.string().optional(), model: z.string().optional() })) });

export interface Served {
  models: string[];
  notes: string[];
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new ServedError(`${what} is not JSON`);
  }
}

function issue(error: z.ZodError): string {
  const first = error.issues[0];
  return first ? `${first.path.join(".") || "(root)"}: ${first.message}` : "invalid";
}

function keep(names: string[]): Served {
  const notes: string[] = [];
  const models: string[] = [];
  for (const name of names) {
    if (models.includes(name)) continue;
    if (!ServedNameSchema.safeParse(name).success) notes.push(`served name ${JSON.stringify(name.slice(0, 80))} dropped: not printable ASCII without spaces, 1-256 characters`);
    else if (models.length >= MAX_SERVED) notes.push(`served name ${JSON.stringify(name)} dropped: more than ${MAX_SERVED} models`);
    else models.push(name);
  }
  return { models, notes };
}

/** The model ids of a GET /v1/models body. Throws ServedError when it is not an OpenAI model list. */
export function servedFromOpenAi(text: string): Served {
  const parsed = OpenAiModels.safeParse(parseJson(text, "/v1/models"));
  if (!parsed.success) throw new ServedError(`/v1/models is not an OpenAI model list (${issue(parsed.error)})`);
  return keep(parsed.data.data.map((m) => m.id));
}

/** The loaded models of an Ollama GET /api/ps body (name, else model). Throws ServedError otherwise. */
export function servedFromOllama(text: string): Served {
  const parsed = OllamaPs.safeParse(parseJson(text, "/api/ps"));
  if (!parsed.success) throw new ServedError(`/api/ps is not an Ollama process list (${issue(parsed.error)})`);
  return keep(parsed.data.models.map((m) => m.name ?? m.model ?? ""));
}
