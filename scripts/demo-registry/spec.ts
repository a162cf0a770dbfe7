/**
 * Hand-entered parts of the demo registry: the taxonomy, the benchmark catalog with the plan's
 * weights, the scoring config, and which categories each model family serves with what base
 * score. Benchmark numbers never come from here: build.ts reads them from data/benchmarks.csv.
 */
import type { Benchmark, Category, RegistryConfig } from "../../src/registry/schema";

export const CONFIG: RegistryConfig = {
  gpu: { max_temperature_c: 80, max_utilization_pct: 95, stale_after_s: 15, memory_headroom_mb: 1024, request_load_pct: 10, thermal_margin_c: 5, placement_choices: 2 },
  serving: { saturation_waiting: 5, saturation_kv_cache_usage: 0.8, default_batch_capacity: 8 },
  memory_rule: { bytes_per_param: { bf16: 2, fp8: 1, int4: 0.55 }, kv_cache_fraction: 0.2, runtime_overhead_mb: 1024 },
  // The old system's static tiers (14/38/76 GB); also the classes the validator checks sizes against.
  gpu_classes: [
    { name: "tier-14gb", memory_mb: 14336 },
    { name: "tier-38gb", memory_mb: 38912 },
    { name: "tier-76gb", memory_mb: 77824 },
  ],
  // Assumed for models whose context length no source states: the smallest stated one (granite-3.0-8b-base).
  default_context_length: 4096,
};

export const BENCHMARKS: Benchmark[] = [
  { name: "HumanEval", weight: 1.0, description: "164 Python problems, functional correctness (pass@1)" },
  { name: "HumanEval+", weight: 1.0, description: "HumanEval with EvalPlus' extra tests" },
  { name: "MBPP", weight: 0.8, description: "Mostly Basic Python Problems" },
  { name: "MBPP+", weight: 1.0, description: "MBPP with EvalPlus' extra tests" },
  { name: "MBPP EvalPlus (base)", weight: 1.0, description: "EvalPlus' base split of MBPP (not the same as MBPP)" },
  { name: "GSM8K", weight: 1.2, description: "Grade-school math word problems" },
  { name: "MATH", weight: 1.0, description: "Competition mathematics (Hendrycks et al.)" },
  { name: "MATH-500", weight: 1.0, description: "500-problem subset of MATH" },
  { name: "MMLU", weight: 1.5, description: "57-subject multiple-choice knowledge test" },
  { name: "MMLU-Pro", weight: 1.0, description: "Harder 10-choice MMLU successor" },
  { name: "MMLU-redux", weight: 1.0, description: "Re-annotated MMLU subset" },
  { name: "ARC-Challenge", weight: 1.3, description: "AI2 Reasoning Challenge, challenge set" },
  { name: "HellaSwag", weight: 1.0, description: "Commonsense sentence completion" },
  { name: "MTEB", weight: 1.0, description: "Massive Text Embedding Benchmark: English average over 56 datasets (retrieval, clustering, STS, …)" },
  { name: "MTEB Retrieval", weight: 1.0, description: "MTEB's 15 English retrieval datasets (nDCG@10)" },
];

const c = (id: string, parent: string | null, description: string, benchmarks?: string[]): Category =>
  benchmarks === undefined ? { id, parent, description } : { id, parent, description, benchmarks };

export const CATEGORIES: Category[] = [
  c("general", null, "General-purpose assistant work", ["MMLU", "MMLU-Pro", "ARC-Challenge", "HellaSwag"]),
  c("general_chat", "general", "Open-ended conversation"),
  c("general_summarization", "general", "Summaries of documents and threads"),
  c("general_extraction", "general", "Structured extraction from text"),
  c("code", null, "Programming", ["HumanEval", "MBPP"]),
  c("code_python", "code", "Python", ["HumanEval", "HumanEval+", "MBPP", "MBPP+", "MBPP EvalPlus (base)"]),
  c("code_javascript", "code", "JavaScript and TypeScript"),
  c("code_rust", "code", "Rust"),
  c("code_sql", "code", "SQL queries and schemas"),
  c("code_completion", "code", "Fill-in and line completion"),
  c("math", null, "Mathematics", ["GSM8K", "MATH"]),
  c("math_arithmetic", "math", "Word problems and arithmetic", ["GSM8K"]),
  c("math_algebra", "math", "Algebra"),
  c("math_calculus", "math", "Calculus"),
  c("math_competition", "math", "Competition problems", ["MATH", "MATH-500"]),
  c("reasoning", null, "Reasoning and language understanding", ["MMLU", "ARC-Challenge", "HellaSwag"]),
  c("reasoning_knowledge", "reasoning", "Knowledge-heavy questions", ["MMLU", "MMLU-Pro", "MMLU-redux"]),
  c("reasoning_commonsense", "reasoning", "Commonsense inference", ["HellaSwag", "ARC-Challenge"]),
  c("nlp_sentiment", "reasoning", "Sentiment analysis"),
  c("nlp_ner", "reasoning", "Named-entity recognition"),
  c("nlp_classification", "reasoning", "Text classification"),
  // No time-series benchmark exists in the sourced data; numeric reasoning is the stated proxy.
  c("time_series", null, "Time-series analysis (scored on numeric-reasoning benchmarks as a proxy)", ["GSM8K", "MATH"]),
  c("data_forecasting", "time_series", "Forecasting from series"),
  c("data_anomaly", "time_series", "Anomaly detection in series"),
  // Vectors, not text: served on /v1/embeddings only; the validator keeps these models out of every other category.
  c("embedding", null, "Text embeddings for similarity, clustering and classification (POST /v1/embeddings)", ["MTEB"]),
  c("embedding_retrieval", "embedding", "Embeddings for search: queries against passages", ["MTEB Retrieval", "MTEB"]),
];

/** Base score per category a family serves. A category is kept only when the model has a relevant result. */
export const FAMILIES: Record<string, Record<string, number>> = {
  instruct: {
    general: 30, general_chat: 30, general_summarization: 28, general_extraction: 26,
    reasoning: 26, reasoning_knowledge: 26, reasoning_commonsense: 24, nlp_sentiment: 24, nlp_ner: 22, nlp_classification: 22,
    math: 20, math_arithmetic: 20, code: 18, code_python: 18, time_series: 15,
  },
  instruct_large: {
    general: 34, general_chat: 34, general_summarization: 32, general_extraction: 30,
    reasoning: 30, reasoning_knowledge: 30, reasoning_commonsense: 28, nlp_sentiment: 26, nlp_ner: 26, nlp_classification: 26,
    math: 24, math_arithmetic: 24, math_algebra: 22, math_calculus: 22, code: 22, code_python: 22, code_javascript: 20,
    time_series: 20, data_forecasting: 20,
  },
  base: {
    reasoning: 18, reasoning_knowledge: 18, reasoning_commonsense: 18, nlp_classification: 16, general_extraction: 12,
    math: 14, code: 12, code_python: 12, code_completion: 16,
  },
  coder: { code: 38, code_python: 38, code_javascript: 34, code_sql: 32, code_completion: 36, math: 16 },
  math_reasoner: { math: 36, math_competition: 38, math_algebra: 34, math_calculus: 34 },
  embedding: { embedding: 30, embedding_retrieval: 30 },
};

/** Family of each CSV model (by hf_repo). Models absent here are reported and left out. */
export const MODEL_FAMILY: Record<string, keyof typeof FAMILIES> = {
  "Qwen/Qwen2.5-7B-Instruct": "instruct",
  "Qwen/Qwen2.5-14B-Instruct": "instruct",
  "Qwen/Qwen2.5-32B-Instruct": "instruct_large",
  "Qwen/Qwen2.5-72B-Instruct": "instruct_large",
  "Qwen/Qwen2.5-7B": "base",
  "Qwen/Qwen2.5-14B": "base",
  "Qwen/Qwen2.5-32B": "base",
  "Qwen/Qwen2.5-72B": "base",
  "Qwen/Qwen2.5-Coder-7B-Instruct": "coder",
  "Qwen/Qwen2.5-Coder-32B-Instruct": "coder",
  "meta-llama/Llama-3.1-8B-Instruct": "instruct",
  "meta-llama/Llama-3.1-70B-Instruct": "instruct_large",
  "meta-llama/Llama-3.3-70B-Instruct": "instruct_large",
  "meta-llama/Llama-3.2-1B-Instruct": "instruct",
  "meta-llama/Llama-3.2-3B-Instruct": "instruct",
  "meta-llama/Llama-3.1-8B": "base",
  "meta-llama/Llama-3.1-70B": "base",
  "meta-llama/Llama-3.2-3B": "base",
  "deepseek-ai/DeepSeek-Coder-V2-Lite-Instruct": "coder",
  "deepseek-ai/DeepSeek-R1-Distill-Qwen-7B": "math_reasoner",
  "deepseek-ai/DeepSeek-R1-Distill-Qwen-32B": "math_reasoner",
  "deepseek-ai/DeepSeek-R1-Distill-Qwen-14B": "math_reasoner",
  "deepseek-ai/DeepSeek-R1-Distill-Llama-8B": "math_reasoner",
  "deepseek-ai/DeepSeek-R1-Distill-Llama-70B": "math_reasoner",
  "mistralai/Mistral-7B-v0.1": "base",
  "mistralai/Mixtral-8x7B-v0.1": "base",
  "mistralai/Mistral-Nemo-Instruct-2407": "instruct",
  "mistralai/Codestral-22B-v0.1": "coder",
  "google/gemma-2-9b": "base",
  "google/gemma-2-27b": "base",
  "microsoft/Phi-3.5-mini-instruct": "instruct",
  "microsoft/phi-4": "instruct",
  "bigcode/starcoder": "coder",
  "bigcode/starcoder2-15b": "coder",
  "bigcode/starcoder2-15b-instruct-v0.1": "coder",
  "codellama/CodeLlama-34b-hf": "coder",
  "Phind/Phind-CodeLlama-34B-v2": "coder",
  "ibm-granite/granite-3.0-8b-base": "base",
  "HuggingFaceH4/zephyr-7b-beta": "instruct",
  "BAAI/bge-large-en-v1.5": "embedding",
  "BAAI/bge-base-en-v1.5": "embedding",
  "BAAI/bge-small-en-v1.5": "embedding",
  "thenlper/gte-large": "embedding",
  "thenlper/gte-base": "embedding",
  "thenlper/gte-small": "embedding",
  "intfloat/e5-large-v2": "embedding",
  "intfloat/e5-base-v2": "embedding",
  "intfloat/e5-small-v2": "embedding",
};
