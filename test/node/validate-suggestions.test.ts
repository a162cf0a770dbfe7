/** Near-miss suggestions and shot-count labels of the alias table, as the validator and enricher use them. */
import { describe, expect, it } from "vitest";
import { canonicalBenchmark, nearestName, shotsInLabel, suggestBenchmark } from "../../src/registry/benchmark-aliases";
import { demoCopy } from "./validate-cases";

const catalog = demoCopy().benchmarks.map((b) => b.name);

describe("suggestBenchmark", () => {
  it.each([
    ["humaneval", "HumanEval"],
    ["HumanEval Plus", "HumanEval+"],
    ["MMLU_Pro", "MMLU-Pro"],
    ["gsm-8k", "GSM8K"],
    ["Hellaswag", "HellaSwag"],
    ["ARC-C", "ARC-Challenge"],
    ["MMLU (5-Shot)", "MMLU"],
    ["MATH500", "MATH-500"],
  ])("%s → %s", (label, expected) => {
    expect(suggestBenchmark(label, catalog)).toBe(expected);
  });

  it("suggests nothing for a name that is not near any catalog entry", () => {
    expect(suggestBenchmark("TruthfulQA", catalog)).toBeNull();
    expect(suggestBenchmark("MT-Bench", catalog)).toBeNull();
  });

  it("suggests only names the catalog has", () => {
    expect(suggestBenchmark("mbpp+", ["HumanEval", "MBPP"])).toBe("MBPP");
    expect(suggestBenchmark("ARC-C", ["HumanEval"])).toBeNull();
  });
});

describe("labels with shot counts", () => {
  it("read the shots and map to the base benchmark", () => {
    expect(shotsInLabel("AI2 Reasoning Challenge (25-Shot)")).toBe(25);
    expect(shotsInLabel("GSM8k (5-shot)")).toBe(5);
    expect(shotsInLabel("HellaSwag, 10-shot")).toBe(10);
    expect(shotsInLabel("MMLU")).toBeNull();
    expect(canonicalBenchmark("GSM8k (5-shot)")).toBe("GSM8K");
    expect(canonicalBenchmark("Winogrande (5-shot)")).toBeNull();
  });

  it("never map a variant to its base", () => {
    expect(canonicalBenchmark("MBPP+")).toBe("MBPP+");
    expect(canonicalBenchmark("MATH-500")).toBe("MATH-500");
    expect(canonicalBenchmark("ARC-Easy")).toBeNull();
  });
});

describe("nearestName", () => {
  it("finds a category id one typo away, and nothing far away", () => {
    const ids = demoCopy().categories.map((c) => c.id);
    expect(nearestName("cod", ids)).toBe("code");
    expect(nearestName("general_chatt", ids)).toBe("general_chat");
    expect(nearestName("astronomy", ids)).toBeNull();
  });
});
