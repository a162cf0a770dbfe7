/**
 * The one editable alias table: benchmark labels as sources write them → canonical catalog names.
 * Used by the demo-registry build (data/benchmarks.csv labels), the model-card enricher (dataset
 * names and types from model-index, row labels of card tables) and the validator's near-miss
 * suggestions. Variants that measure something else (MBPP+, MATH-500, MMLU-Pro, ARC-Easy) map to
 * their own names or to nothing, never to the base.
 */

/** canonical name → labels that mean it (compared after normalizeLabel). */
export const BENCHMARK_ALIASES: Record<string, string[]> = {
  HumanEval: ["humaneval", "humaneval (prompted)", "openai_humaneval", "openai/openai_humaneval", "human eval", "human-eval"],
  "HumanEval+": ["humaneval+", "humanevalplus", "humaneval plus", "humaneval_plus", "humaneval-plus", "evalplus/humanevalplus"],
  MBPP: ["mbpp", "google-research-datasets/mbpp", "mbpp (sanitized)", "muennighoff/mbpp"],
  "MBPP+": ["mbpp+", "mbppplus", "mbpp plus", "mbpp_plus", "mbpp-plus", "evalplus/mbppplus"],
  "MBPP EvalPlus (base)": ["mbpp ++ base version", "mbpp evalplus (base)", "mbpp evalplus base"],
  GSM8K: ["gsm8k", "gsm-8k", "gsm-8k (cot)", "gsm8k (cot)", "openai/gsm8k", "grade school math 8k"],
  MATH: ["math", "math (cot)", "hendrycks/competition_math", "competition_math", "hendrycks math", "lighteval/math", "eleutherai/hendrycks_math"],
  "MATH-500": ["math-500", "math500", "huggingfaceh4/math-500"],
  MMLU: ["mmlu", "mmlu (cot)", "cais/mmlu", "hendrycks_test", "hails/mmlu_no_train", "massive multitask language understanding"],
  "MMLU-Pro": ["mmlu-pro", "mmlu pro", "mmlu_pro", "mmlu-pro (cot)", "mmlu pro (cot)", "tiger-lab/mmlu-pro"],
  "MMLU-redux": ["mmlu-redux", "mmlu redux", "edinburgh-dawg/mmlu-redux"],
  "ARC-Challenge": ["arc-c", "arc-challenge", "arc challenge", "arc (ai2 reasoning challenge)", "ai2_arc", "allenai/ai2_arc", "arc_challenge", "ai2 reasoning challenge (25-shot)", "ai2 reasoning challenge"],
  HellaSwag: ["hellaswag", "rowan/hellaswag", "hellaswag (10-shot)"],
  // Embeddings: the English MTEB average (56 datasets) and its retrieval part (15 datasets).
  MTEB: ["mteb average (56)", "mteb average", "mteb avg", "mteb (56)", "mteb english average"],
  "MTEB Retrieval": ["mteb retrieval (15)", "mteb retrieval", "retrieval (15)"],
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

// "MMLU (5-Shot)", "GSM8k (5-shot)", "HellaSwag, 10-shot": the Open LLM Leaderboard and many
// cards put the shot count into the label. It is a setting, not a different benchmark.
const SHOTS_SUFFIX = /\s*(?:\(\s*(\d+)[- ]?shots?\s*\)|,\s*(\d+)[- ]?shots?)\s*$/i;

/** The shot count a label carries ("MMLU (5-Shot)" → 5), or null. */
export function shotsInLabel(label: string): number | null {
  const match = SHOTS_SUFFIX.exec(label);
  return match ? Number(match[1] ?? match[2]) : null;
}

/** The canonical name for a source's label, or null when the table does not know it. */
export function canonicalBenchmark(label: string): string | null {
  const direct = byAlias.get(normalizeLabel(label));
  if (direct !== undefined) return direct;
  const withoutShots = label.replace(SHOTS_SUFFIX, "");
  return withoutShots === label ? null : (byAlias.get(normalizeLabel(withoutShots)) ?? null);
}

/**
 * A near-miss suggestion for an unknown benchmark name: the alias table's reading when it names
 * a catalog entry (`humaneval` → `HumanEval`), else the closest catalog name by edit distance.
 * The validator puts it into its "unknown benchmark" errors.
 */
export function suggestBenchmark(label: string, catalog: readonly string[]): string | null {
  const canonical = canonicalBenchmark(label);
  if (canonical !== null && catalog.includes(canonical)) return canonical;
  return nearestName(label, catalog);
}

/** The candidate closest to `label` (case-insensitive edit distance, at most ~a quarter of its length), or null. */
export function nearestName(label: string, candidates: readonly string[]): string | null {
  const wanted = normalizeLabel(label);
  const limit = Math.max(1, Math.floor(wanted.length / 4));
  let best: string | null = null;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const distance = editDistance(wanted, normalizeLabel(candidate));
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return bestDistance <= limit ? best : null;
}

/** Levenshtein distance, two rows. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min(previous[j]! + 1, current[j - 1]! + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length]!;
}
