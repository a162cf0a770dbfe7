/** The merge precedence: hand-entered values are never overwritten; enrich's own entries follow the card. */
import { describe, expect, it } from "vitest";
import { ENRICH_MARK, mergeModel, type Found } from "../../cli/enrich/merge";
import type { CardScore } from "../../cli/enrich/scores";
import type { Model } from "../../src/registry/schema";
import { demoCopy } from "./validate-cases";

const CARD = "https://huggingface.co/example/model";
const score = (name: string, value: number): CardScore => ({ name, score: value, setting: "pass@1", note: `README model-index '${name}'`, label: name });
const found = (scores: CardScore[], extra: Partial<Found> = {}): Found => ({ scores, sourceUrl: CARD, local: false, api: null, cardLicense: null, context: null, ...extra });

function model(overrides: Partial<Model> = {}): Model {
  const { license: _, ...base } = demoCopy().models[0]!;
  return { ...base, context_length: null, benchmarks: [], ...overrides };
}

describe("mergeModel", () => {
  it("adds results the model lacks, marked as enrich's own, citing the card", () => {
    const { model: merged, changes } = mergeModel(model(), found([score("HumanEval", 72.5)]));
    expect(merged.benchmarks).toEqual([{ name: "HumanEval", score: 72.5, setting: "pass@1", source: CARD, source_note: `${ENRICH_MARK}README model-index 'HumanEval'` }]);
    expect(changes).toEqual([{ kind: "added", field: "benchmarks.HumanEval", detail: "72.5 (pass@1)" }]);
  });

  it("never overwrites a hand-entered result; a different card value is a reported conflict", () => {
    const hand = { name: "HumanEval", score: 40.8, setting: "pass@1", source: "https://example.org/paper" };
    const { model: merged, changes } = mergeModel(model({ benchmarks: [hand] }), found([score("HumanEval", 33.6)]));
    expect(merged.benchmarks).toEqual([hand]);
    expect(changes).toEqual([{ kind: "conflict", field: "benchmarks.HumanEval", detail: expect.stringContaining("kept hand-entered 40.8") }]);
  });

  it("a hand-entered result from the same card with the same value is simply confirmed", () => {
    const hand = { name: "MMLU", score: 61.07, setting: "5-shot", source: CARD, source_note: "copied by hand" };
    const { model: merged, changes } = mergeModel(model({ benchmarks: [hand] }), found([score("MMLU", 61.07)]));
    expect(merged.benchmarks).toEqual([hand]);
    expect(changes).toEqual([]);
  });

  it("updates a result it added earlier when the card changed", () => {
    const mine = { name: "MBPP", score: 50, setting: "pass@1", source: CARD, source_note: `${ENRICH_MARK}old` };
    const { model: merged, changes } = mergeModel(model({ benchmarks: [mine] }), found([score("MBPP", 52.7)]));
    expect(merged.benchmarks[0]).toMatchObject({ name: "MBPP", score: 52.7, source_note: `${ENRICH_MARK}README model-index 'MBPP'` });
    expect(changes).toEqual([{ kind: "updated", field: "benchmarks.MBPP", detail: "50 → 52.7 (pass@1)" }]);
  });

  it("fills license and context length only when empty, and reports disagreements", () => {
    const api = { params: 7_241_732_096, license: "mit", tags: [], context: { tokens: 32768, from: "config.json max_position_embeddings" } };
    const empty = mergeModel(model({ params_b: 7 }), found([], { api, context: api.context }));
    expect(empty.model).toMatchObject({ license: "mit", context_length: 32768 });
    expect(empty.changes.map((c) => c.kind)).toEqual(["filled", "filled"]);

    const set = mergeModel(model({ params_b: 14, license: "apache-2.0", context_length: 131072 }), found([], { api, context: api.context }));
    expect(set.model).toMatchObject({ license: "apache-2.0", context_length: 131072, params_b: 14 });
    expect(set.changes.map((c) => [c.kind, c.field])).toEqual([["differs", "license"], ["differs", "context_length"], ["differs", "params_b"]]);
  });

  it("says when a result came from a local copy", () => {
    const { model: merged } = mergeModel(model(), found([score("GSM8K", 55.5)], { local: true }));
    expect(merged.benchmarks[0]!.source_note).toBe(`${ENRICH_MARK}README model-index 'GSM8K' (read from a local copy)`);
  });
});
