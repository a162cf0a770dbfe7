/** The model-card reader over the fixtures: model-index, tables, scales, duplicates, malformed cards. */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { looksLikeHtml, parseCard, type CardExtraction } from "../../cli/enrich/card";
import { demoCopy } from "./validate-cases";
import { CARDS_DIR } from "./enrich-support";

const catalog = demoCopy().benchmarks.map((b) => b.name);
const read = (repo: string, names: string[] = [repo.split("/")[1]!]): CardExtraction =>
  parseCard(readFileSync(`${CARDS_DIR}/${repo}/README.md`, "utf8"), { names, catalog });
const scoreOf = (x: CardExtraction, name: string): number | undefined => x.scores.find((s) => s.name === name)?.score;

describe("model-index", () => {
  it("StarCoder: fractions become percentage points, the plainly labelled HumanEval wins over 'HumanEval (Prompted)'", () => {
    const x = read("bigcode/starcoder");
    expect(x.origin).toBe("model-index");
    expect(x.scores.map((s) => [s.name, s.score])).toEqual([["HumanEval", 33.6], ["MBPP", 52.7]]);
    expect(x.scores[0]).toMatchObject({ setting: "pass@1", note: expect.stringContaining("card value 0.336") });
    expect(x.duplicates).toEqual([{ name: "HumanEval", label: "HumanEval (Prompted)", written: "0.408", kept_label: "HumanEval" }]);
    expect(x.unknown.map((u) => u.label)).toEqual(["DS-1000 (Overall Completion)", "MultiPL-HumanEval (C++)", "MultiPL-HumanEval (Java)", "MultiPL-HumanEval (Rust)"]);
    expect(x.license).toBe("bigcode-openrail-m");
  });

  it("Zephyr: leaderboard labels with shot counts map to the catalog at full precision; other benchmarks are reported", () => {
    const x = read("HuggingFaceH4/zephyr-7b-beta");
    expect(Object.fromEntries(x.scores.map((s) => [s.name, s.score]))).toEqual({
      "ARC-Challenge": 62.03071672354948,
      HellaSwag: 84.35570603465445,
      GSM8K: 12.736921910538287,
      MMLU: 61.07,
    });
    expect(x.scores.find((s) => s.name === "ARC-Challenge")!.setting).toBe("25-shot; acc_norm; source label 'AI2 Reasoning Challenge (25-Shot)'");
    expect(x.scores.find((s) => s.name === "MMLU")!.setting).toBe("5-shot; acc");
    // AlpacaEval 0.906 sits beside 62.03: the group is in percent, and AlpacaEval is reported, not rescaled into anything.
    expect(x.unknown.map((u) => u.label)).toEqual(["Drop (3-Shot)", "TruthfulQA (0-shot)", "Winogrande (5-shot)", "AlpacaEval", "MT-Bench"]);
    expect(x.problems).toEqual([]);
  });

  it("Phind: a metric written as the string '73.8%' is read as 73.8 and the string is noted", () => {
    const x = read("Phind/Phind-CodeLlama-34B-v2");
    expect(x.scores).toMatchObject([{ name: "HumanEval", score: 73.8 }]);
    expect(x.problems.join("\n")).toContain('value is a string "73.8%"');
  });

  it("string metrics, N/A, lists and non-mappings are reported one by one without losing the rest", () => {
    const x = read("fixtures/string-metrics");
    expect(Object.fromEntries(x.scores.map((s) => [s.name, s.score]))).toEqual({ HumanEval: 53, GSM8K: 61.5, MMLU: 45 });
    const problems = x.problems.join("\n");
    expect(problems).toContain('MBPP value "N/A" is not a number');
    expect(problems).toContain("MATH value [12.5,13.1] is not a number");
    expect(problems).toContain("model-index.0.results.6: needs a dataset and a metrics list");
    // ai2_arc with config ARC-Easy must not turn into ARC-Challenge.
    expect(scoreOf(x, "ARC-Challenge")).toBeUndefined();
    expect(x.unknown).toMatchObject([{ label: "AI2 Reasoning Challenge (ARC-Easy)", written: "0.81" }]);
  });
});

describe("markdown tables", () => {
  it("Qwen2.5: picks the model's own column of a comparison table", () => {
    const x = read("Qwen/Qwen2.5-7B-Instruct");
    expect(x.origin).toBe("tables");
    expect(Object.fromEntries(x.scores.map((s) => [s.name, s.score]))).toEqual({
      "MMLU-Pro": 56.3, "MMLU-redux": 75.4, MATH: 75.5, GSM8K: 91.6, HumanEval: 84.8, MBPP: 79.2,
    });
    expect(x.unknown.map((u) => u.label)).toContain("GPQA");
    expect(x.unknown.map((u) => u.label)).toContain("MTbench");
  });

  it("Llama 3.1: skips the base-model table, reads shots and metric columns, keeps 5-shot MMLU over MMLU (CoT)", () => {
    const x = read("meta-llama/Llama-3.1-8B-Instruct");
    expect(Object.fromEntries(x.scores.map((s) => [s.name, s.score]))).toEqual({
      MMLU: 69.4, "MMLU-Pro": 48.3, "ARC-Challenge": 83.4, HumanEval: 72.6, "MBPP EvalPlus (base)": 72.8, GSM8K: 84.5, MATH: 51.9,
    });
    expect(x.scores.find((s) => s.name === "GSM8K")!.setting).toBe("8-shot; em_maj1@1; source label 'GSM-8K (CoT)'");
    expect(x.duplicates).toMatchObject([{ name: "MMLU", label: "MMLU (CoT)", written: "73.0", kept_label: "MMLU" }]);
    expect(x.problems.join("\n")).toMatch(/table 2: columns 'Llama 3 8B', 'Llama 3\.1 8B'.* none is this model; skipped/);
    expect(x.unknown.map((u) => u.label)).toEqual(expect.arrayContaining(["IFEval", "GPQA", "Multipl-E HumanEval"]));
  });

  it("a table that does not name this model is skipped, not read from another model's column", () => {
    const x = read("meta-llama/Llama-3.1-8B-Instruct", ["Some-Other-Model"]);
    expect(x.scores).toEqual([]);
    expect(x.origin).toBe("none");
  });

  it("broken YAML front matter is reported and the body's table is still read", () => {
    const x = read("fixtures/broken-yaml");
    expect(x.problems[0]).toMatch(/^front matter is not valid YAML/);
    expect(Object.fromEntries(x.scores.map((s) => [s.name, s.score]))).toEqual({ MMLU: 58.2, GSM8K: 41 });
    expect(x.unknown.map((u) => u.label)).toEqual(["TruthfulQA"]);
  });

  it("a card without front matter: the leaderboard's Metric|Value table, shots taken from the labels", () => {
    const x = read("fixtures/no-front-matter");
    expect(x.scores.map((s) => [s.name, s.score, s.setting])).toEqual([
      ["ARC-Challenge", 61.18, "25-shot; source label 'AI2 Reasoning Challenge (25-Shot)'"],
      ["HellaSwag", 83.55, "10-shot"],
      ["MMLU", 63.65, "5-shot"],
      ["GSM8K", 42.3, "5-shot"],
    ]);
    expect(x.unknown.map((u) => u.label)).toEqual(["Avg.", "TruthfulQA (0-shot)", "Winogrande (5-shot)"]);
  });

  it("a transposed table (models down, benchmarks across) in fractions", () => {
    const x = read("fixtures/tiny-coder-1b");
    expect(Object.fromEntries(x.scores.map((s) => [s.name, s.score]))).toEqual({ HumanEval: 31.2, "HumanEval+": 27.4, MBPP: 40.1, "MBPP+": 33.8 });
  });

  it("benchmarks outside the registry's catalog are reported as such", () => {
    const x = parseCard(readFileSync(`${CARDS_DIR}/Qwen/Qwen2.5-7B-Instruct/README.md`, "utf8"), { names: ["Qwen2.5-7B-Instruct"], catalog: ["HumanEval"] });
    expect(x.scores.map((s) => s.name)).toEqual(["HumanEval"]);
    expect(x.unknown.map((u) => u.label)).toContain("MMLU-Pro (= MMLU-Pro, not in this registry's catalog)");
  });
});

describe("pages that are not cards", () => {
  it("recognises HTML", () => {
    expect(looksLikeHtml(readFileSync(`${CARDS_DIR}/fixtures/html-card/README.md`, "utf8"))).toBe(true);
    expect(looksLikeHtml(readFileSync(`${CARDS_DIR}/bigcode/starcoder/README.md`, "utf8"))).toBe(false);
  });

  it("an empty card says that nothing was found", () => {
    const x = parseCard("# Nothing here\n", { names: ["x"], catalog });
    expect(x).toMatchObject({ origin: "none", scores: [], problems: ["no model-index and no evaluation table with a known benchmark"] });
  });
});
