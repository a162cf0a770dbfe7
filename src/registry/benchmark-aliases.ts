/**
 * The one editable alias table: benchmark labels as sources write them → canonical catalog names.
 * Used by the demo-registry build (data/benchmarks.csv labels), the model-card enricher (dataset
 * names and types from model-index) and the validator's near-miss suggestions. Variants that
 * measure something else (MBPP+, MATH-500, MMLU-Pro) map to their own names, never to the base.
 */

/** canonical name → labels that mean it (compared after normalizeLabel). */
export const BENCHMARK_ALIASES: Record<string, string[]> = {
  HumanEval: ["humaneval", "humaneval (prompted)", "openai_humaneval", "openai/openai_humaneval", "human eval", "human-eval"],
  "HumanEval+": ["humaneval+", "humanevalplus", "humaneval plus", "evalplus/humanevalplus"],
  MBPP: ["mbpp", "google-research-datasets/mbpp", "mbpp (sanitized)"],
  "MBPP+": ["mbpp+", "mbppplus", "mbpp plus", "evalplus/mbppplus"],
  "MBPP EvalPlus (base)": ["mbpp ++ base version", "mbpp evalplus (base)", "mbpp evalplus base"],
  GSM8K: ["gsm8k", "gsm-8k", "gsm-8k (cot)", "gsm8k (cot)", "openai/gsm8k", "grade school math 8k"],
  MATH: ["math", "math (cot)", "hendrycks/competition_math", "competition_math", "hendrycks math", "lighteval/math"],
  "MATH-500": ["math-500", "math500", "huggingfaceh4/math-500"],
  MMLU: ["mmlu", "mmlu (cot)", "cais/mmlu", "hendrycks_test", "massive multitask language understanding"],
  "MMLU-Pro": ["mmlu-pro", "mmlu pro", "mmlu-pro (cot)", "mmlu pro (cot)", "tiger-lab/mmlu-pro"],
  "MMLU-redux": ["mmlu-redux", "mmlu redux", "edinburgh-dawg/mmlu-redux"],
  "ARC-Challenge": ["arc-c", "arc-challenge", "arc challenge", "arc (ai2 reasoning challenge)", "ai2_arc", "allenai/ai2_arc", "arc_challenge", "ai2 reasoning challenge (25-shot)", "ai2 reasoning challenge"],
  HellaSwag: ["hellaswag", "rowan/hellaswag", "hellaswag (10-shot)"],
};

/** Lowercase, trimmed, inner whitespace collapsed; punctuation such as '+' is kept on purpose. */
export function normalizeLabel(label: string): string {
  return label.trim().toLowerCase().replace(/\s+/g, " ");
}

const byAlias = new Map<string, string>();
for (const [canonical, aliases] of Object.entries(BENCHMARK_ALIASES)) {
  byAlias.set(normalizeLabel(canonical), canonical);
  for (const alias of aliases) byAlias.set(normalizeLabel(alias), canonical);
}

/** The canonical name for a source's label, or null when the table does not know it. */
export function canonicalBenchmark(label: string): string | null {
  return byAlias.get(normalizeLabel(label)) ?? null;
}
