/**
 * The parts of a Hub API record (`/api/models/{repo}`) and a config.json the registry can use:
 * parameter count from safetensors metadata, context length from the model config, license and
 * tags. Unknown shapes yield nulls, never exceptions. Called by main.ts; pure.
 */

export interface ApiInfo {
  /** Total parameters (safetensors.total, else the sum of safetensors.parameters). */
  params: number | null;
  license: string | null;
  tags: string[];
  context: ContextInfo | null;
}

export interface ContextInfo {
  tokens: number;
  /** Which key said so, e.g. "config.json max_position_embeddings". */
  from: string;
}

// The names configs give the trained context window, most specific first.
const CONTEXT_KEYS = ["max_position_embeddings", "max_sequence_length", "seq_length", "n_positions", "max_seq_len", "n_ctx"];

export function readApiRecord(text: string): ApiInfo | null {
  const record = parseObject(text);
  if (record === null) return null;
  const tags = Array.isArray(record.tags) ? record.tags.filter((t): t is string => typeof t === "string") : [];
  const card = isRecord(record.cardData) ? record.cardData : {};
  const licenseTag = tags.find((t) => t.startsWith("license:"));
  const license = typeof card.license === "string" ? card.license : licenseTag ? licenseTag.slice("license:".length) : null;
  return { params: paramsOf(record.safetensors), license, tags, context: contextOf(record.config, "API record config") };
}

/** Context length from a config.json (or its text_config for multimodal wrappers). */
export function readConfig(text: string): ContextInfo | null {
  return contextOf(parseObject(text), "config.json");
}

function paramsOf(safetensors: unknown): number | null {
  if (!isRecord(safetensors)) return null;
  if (isPositive(safetensors.total)) return safetensors.total;
  if (!isRecord(safetensors.parameters)) return null;
  const counts = Object.values(safetensors.parameters).filter(isPositive);
  return counts.length > 0 ? counts.reduce((a, b) => a + b, 0) : null;
}

function contextOf(config: unknown, where: string): ContextInfo | null {
  if (!isRecord(config)) return null;
  for (const source of [config, config.text_config]) {
    if (!isRecord(source)) continue;
    for (const key of CONTEXT_KEYS) {
      const value = source[key];
      if (isPositive(value) && Number.isInteger(value)) return { tokens: value, from: `${where} ${source === config ? "" : "text_config."}${key}` };
    }
  }
  return null;
}

function parseObject(text: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(text);
    return isRecord(value) ? value : null;
  } catch {
    return null;
  }
}

function isPositive(value: unknown): value is number {
  return typeof value === "number" && Number.isFinite(value) && value > 0;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
