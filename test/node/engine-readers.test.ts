/**
 * The engine readers on real /metrics, /v1/models and /api/ps outputs (test/fixtures/engines/,
 * provenance in its manifest.json), and on broken ones: garbage bodies, NaN, ±Inf, negative,
 * fractional and out-of-range values, each unknown (null) with a note naming the metric.
 */
import { readFileSync, readdirSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { detectKind, loadFrom, type MetricsKind } from "../../cli/agent/engines/load";
import { engineModelWarnings } from "../../cli/agent/engines/models-check";
import { ExpositionError, parseExposition, sampleValue } from "../../cli/agent/engines/prometheus";
import { ServedError, servedFromOllama, servedFromOpenAi } from "../../cli/agent/engines/served";
import { engineTargets, parseEngineFlag } from "../../cli/agent/engines/targets";
import { UsageError } from "../../cli/shared/args";
import { REPO_ROOT } from "./agent-support";

const ENGINE_FIXTURES = join(REPO_ROOT, "test/fixtures/engines");
const fixture = (path: string) => readFileSync(join(ENGINE_FIXTURES, path), "utf8");

function load(text: string, kind?: MetricsKind) {
  const exposition = parseExposition(text);
  return loadFrom(kind ?? detectKind(exposition)!, exposition);
}

describe("engine /metrics fixtures", () => {
  const cases: Array<[string, MetricsKind, { running: number | null; waiting: number | null; kv_cache_usage: number | null; requests_total: number | null }, RegExp[]]> = [
    // vLLM V0: KV usage from gpu_cache_usage_perc; request_success_total summed over finished_reason.
    ["vllm/datadog-opt-125m.metrics.txt", "vllm", { running: 0, waiting: 0, kv_cache_usage: 0, requests_total: 1 }, []],
    ["sglang/docs-llama-3.1-8b-load.metrics.txt", "sglang", { running: 162, waiting: 2826, kv_cache_usage: 0.28, requests_total: null }, [/^requests_total unknown: no sglang:num_requests_total$/]],
    ["sglang/datadog-opt-125m.metrics.txt", "sglang", { running: 0, waiting: 0, kv_cache_usage: 0.25, requests_total: 1 }, []],
    ["tgi/datadog-payload-excerpt.metrics.txt", "tgi", { running: 0, waiting: 0, kv_cache_usage: null, requests_total: 109 }, [/^kv_cache_usage unknown: the engine exports no such metric$/]],
    ["llamacpp/constructed-pre-13660-busy.metrics.txt", "llamacpp", { running: 3, waiting: 2, kv_cache_usage: 0.457336, requests_total: null }, [/^requests_total unknown/]],
    ["llamacpp/constructed-post-13660-idle.metrics.txt", "llamacpp", { running: 0, waiting: 0, kv_cache_usage: null, requests_total: null }, [/^kv_cache_usage unknown: no llamacpp:kv_cache_usage_ratio$/, /^requests_total unknown/]],
  ];
  for (const [path, kind, expected, notes] of cases) {
    it(`${path}: detected as ${kind}, load ${JSON.stringify(expected)}`, () => {
      const exposition = parseExposition(fixture(path));
      expect(detectKind(exposition)).toBe(kind);
      const read = loadFrom(kind, exposition);
      expect({ running: read.running, waiting: read.waiting, kv_cache_usage: read.kv_cache_usage, requests_total: read.requests_total }).toEqual(expected);
      expect(read.notes).toHaveLength(notes.length);
      notes.forEach((note, i) => expect(read.notes[i]).toMatch(note));
    });
  }

  it("keeps only plain samples: histogram families are parsed but not returned", () => {
    const exposition = parseExposition(fixture("vllm/datadog-opt-125m.metrics.txt"));
    expect(exposition.has("vllm:time_to_first_token_seconds")).toBe(false);
    expect(exposition.get("vllm:request_success_total")).toEqual([{ labels: { finished_reason: "length", model_name: "facebook/opt-125m" }, value: 1 }]);
    // The capture has no final newline; its last sample must still be there.
    expect(exposition.get("vllm:avg_generation_throughput_toks_per_s")).toHaveLength(1);
    // A family split over the body is merged.
    expect(parseExposition("a 1\nb 2\na{x=\"y\"} 3").get("a")).toEqual([{ labels: {}, value: 1 }, { labels: { x: "y" }, value: 3 }]);
  });
});

describe("engine /metrics that is not sane", () => {
  const vllm = fixture("vllm/datadog-opt-125m.metrics.txt");
  const swap = (line: string, value: string) => {
    const out = vllm.replace(`${line} 0.0`, `${line} ${value}`);
    expect(out).not.toBe(vllm);
    return out;
  };
  const RUNNING = 'vllm:num_requests_running{model_name="facebook/opt-125m"}';
  const WAITING = 'vllm:num_requests_waiting{model_name="facebook/opt-125m"}';
  const KV = 'vllm:gpu_cache_usage_perc{model_name="facebook/opt-125m"}';

  it.each([
    [RUNNING, "NaN", "running", "running unknown: vllm:num_requests_running is NaN"],
    [RUNNING, "+Inf", "running", "running unknown: vllm:num_requests_running is +Inf"],
    [WAITING, "-1", "waiting", "waiting unknown: vllm:num_requests_waiting is negative (-1)"],
    [WAITING, "2.5", "waiting", "waiting unknown: vllm:num_requests_waiting is not a whole number (2.5)"],
    [WAITING, "2e6", "waiting", "waiting unknown: vllm:num_requests_waiting is 2000000, above 1000000"],
    [KV, "45.0", "kv_cache_usage", "kv_cache_usage unknown: vllm:gpu_cache_usage_perc is 45, outside [0, 1]"],
    [KV, "-0.1", "kv_cache_usage", "kv_cache_usage unknown: vllm:gpu_cache_usage_perc is -0.1, outside [0, 1]"],
    [KV, "NaN", "kv_cache_usage", "kv_cache_usage unknown: vllm:gpu_cache_usage_perc is NaN"],
  ] as const)("%s %s: %s unknown, and the note says which", (line, value, field, note) => {
    const read = load(swap(line, value));
    expect(read[field]).toBeNull();
    expect(read.notes).toEqual([note]);
    // The other fields are still read.
    expect(read.requests_total).toBe(1);
  });

  it("a missing metric is unknown, never 0", () => {
    const read = load(vllm.split("\n").filter((l) => !l.startsWith("vllm:num_requests_running")).join("\n"), "vllm");
    expect(read.running).toBeNull();
    expect(read.notes).toEqual(["running unknown: no vllm:num_requests_running"]);
  });

  it("rejects bodies that are not the text format, naming the line or value", () => {
    const garbage: Array<[string, RegExp]> = [
      ["<html><body><h1>502 Bad Gateway</h1></body></html>", /not a metric name: "<html><body><h1>502"/],
      ["404 page not found", /not a metric name: "404"/],
      ["Not Found", /Not: not a sample value: "Found"/],
      ['{"detail":"Not Found"}', /not a metric name|Encountered invalid line/],
      ["vllm:num_requests_running abc", /vllm:num_requests_running: not a sample value: "abc"/],
      ['vllm:num_requests_running{model_name="m" 1', /Encountered invalid line|not a/],
      ["# HELP vllm:num_requests_running", /Encountered invalid line/],
    ];
    for (const [body, message] of garbage) {
      expect(() => parseExposition(body), body).toThrow(ExpositionError);
      expect(() => parseExposition(body), body).toThrow(message);
    }
  });

  it("reads sample values exactly as the format writes them", () => {
    expect(sampleValue("1.0")).toBe(1);
    expect(sampleValue("8.128902e+06")).toBe(8128902);
    expect(sampleValue("+Inf")).toBe(Infinity);
    expect(sampleValue("-Inf")).toBe(-Infinity);
    expect(sampleValue("NaN")).toBeNaN();
    // Number() would make these 0, 16 and 0: they are not values.
    expect(sampleValue("")).toBeNull();
    expect(sampleValue("0x10")).toBeNull();
    expect(sampleValue(" ")).toBeNull();
  });
});

describe("several series of one family", () => {
  it("vLLM with data parallelism: counts summed over engine, KV usage the fullest cache, counter over finished_reason", () => {
    const text = [
      'vllm:num_requests_running{engine="0",model_name="m"} 3.0',
      'vllm:num_requests_running{engine="1",model_name="m"} 2.0',
      'vllm:num_requests_waiting{engine="0",model_name="m"} 4.0',
      'vllm:num_requests_waiting{engine="1",model_name="m"} 0.0',
      'vllm:kv_cache_usage_perc{engine="0",model_name="m"} 0.42',
      'vllm:kv_cache_usage_perc{engine="1",model_name="m"} 0.17',
      'vllm:gpu_cache_usage_perc{engine="0",model_name="m"} 0.99',
      'vllm:request_success_total{engine="0",finished_reason="stop",model_name="m"} 5.0',
      'vllm:request_success_total{engine="0",finished_reason="length",model_name="m"} 1.0',
      'vllm:request_success_total{engine="1",finished_reason="abort",model_name="m"} 2.0',
    ].join("\n");
    // kv_cache_usage_perc is preferred to the V0 name when both are there.
    expect(load(text)).toEqual({ running: 5, waiting: 4, kv_cache_usage: 0.42, requests_total: 8, notes: [] });
  });

  it("SGLang tensor-parallel ranks see the same requests: max over tp_rank, then sum", () => {
    const text = [
      'sglang:num_running_reqs{model_name="m",tp_rank="0"} 7',
      'sglang:num_running_reqs{model_name="m",tp_rank="1"} 7',
      'sglang:num_queue_reqs{model_name="m",tp_rank="0"} 1',
      'sglang:num_queue_reqs{model_name="m",tp_rank="1"} 1',
      'sglang:token_usage{model_name="m",tp_rank="0"} 0.5',
    ].join("\n");
    expect(load(text)).toMatchObject({ running: 7, waiting: 1, kv_cache_usage: 0.5 });
  });

  it("one bad series makes the field unknown rather than an understated sum", () => {
    const read = load('vllm:num_requests_running{engine="0"} 3.0\nvllm:num_requests_running{engine="1"} NaN\n');
    expect(read.running).toBeNull();
    expect(read.notes[0]).toBe("running unknown: vllm:num_requests_running is NaN");
  });

  it("detects no kind in a body without engine metrics", () => {
    expect(detectKind(parseExposition(""))).toBeNull();
    expect(detectKind(parseExposition("process_open_fds 49.0\n"))).toBeNull();
  });
});

describe("served names", () => {
  it("vLLM /v1/models: every id verbatim, LoRA adapters included", () => {
    expect(servedFromOpenAi(fixture("vllm/aibrix-qwen-coder-lora.v1-models.json"))).toEqual({ models: ["Qwen/Qwen2.5-Coder-1.5B-Instruct", "lora-1", "lora-2"], notes: [] });
  });

  it("Ollama /api/ps: the loaded models' names verbatim", () => {
    expect(servedFromOllama(fixture("ollama/attogram-ministral-8b.api-ps.json"))).toEqual({ models: ["hf.co/bartowski/Ministral-8B-Instruct-2410-GGUF:IQ4_XS"], notes: [] });
    expect(servedFromOllama('{"models":[]}')).toEqual({ models: [], notes: [] });
  });

  it("drops names the snapshot cannot carry, saying so, and rejects what is not a model list", () => {
    const read = servedFromOpenAi(JSON.stringify({ data: [{ id: "a b" }, { id: "ok" }, { id: "ok" }, { id: "x".repeat(300) }] }));
    expect(read.models).toEqual(["ok"]);
    expect(read.notes).toHaveLength(2);
    expect(read.notes[0]).toMatch(/served name "a b" dropped/);
    expect(() => servedFromOpenAi("<html>")).toThrow(ServedError);
    expect(() => servedFromOpenAi('{"object":"list"}')).toThrow(/not an OpenAI model list \(data: /);
    expect(() => servedFromOllama('{"models":"x"}')).toThrow(/not an Ollama process list/);
  });
});

describe("--engine", () => {
  it("takes a base URL with kind= and gpus= after '#'", () => {
    expect(parseEngineFlag("http://127.0.0.1:8000")).toEqual({ url: "http://127.0.0.1:8000", kind: null, gpus: null });
    expect(parseEngineFlag("http://gpu1:8000/vllm/#kind=vllm&gpus=0,1")).toEqual({ url: "http://gpu1:8000/vllm", kind: "vllm", gpus: [0, 1] });
    expect(parseEngineFlag("https://h:11434#kind=ollama")).toMatchObject({ kind: "ollama", gpus: null });
  });

  it("refuses what it cannot use, naming the flag", () => {
    for (const [raw, message] of [
      ["localhost:8000", /not a URL|must be an http/],
      ["ftp://h/", /must be an http\(s\) URL/],
      ["http://h#kind=triton", /kind must be one of vllm, sglang, tgi, llamacpp, ollama/],
      ["http://h#gpus=0,x", /gpus must be nvidia-smi indices/],
      ["http://h#gpus=1,1", /lists an index twice/],
      ["http://h#gpu=1", /unknown option 'gpu'/],
      ["http://h/?a=1", /takes no query/],
      ["http://u:p@h", /credentials/],
    ] as const) {
      expect(() => parseEngineFlag(raw), raw).toThrow(UsageError);
      expect(() => parseEngineFlag(raw), raw).toThrow(message);
    }
  });

  it("defaults to the node endpoint; --no-engines reads none", () => {
    expect(engineTargets(undefined, "http://10.0.0.5:8000", false)).toEqual([{ url: "http://10.0.0.5:8000", kind: null, gpus: null }]);
    expect(engineTargets(undefined, null, false)).toEqual([]);
    expect(engineTargets(undefined, "http://10.0.0.5:8000", true)).toEqual([]);
    expect(() => engineTargets(["http://a"], null, true)).toThrow(/exclude each other/);
    expect(() => engineTargets(["http://a", "http://a/"], null, false)).toThrow(/given twice/);
  });
});

describe("the router's engine_models answer", () => {
  const body = { accepted: true, engine_models: { resolved: ["qwen2.5-coder-7b-instruct", "llama-3.1-8b-instruct"], unknown: ["lora-1"] } };
  it("warns about unknown served names and --models disagreeing, both ways", () => {
    expect(engineModelWarnings(body, ["qwen2.5-coder-7b-instruct", "mistral-7b-instruct"])).toEqual([
      "the router's registry knows no model served as lora-1 (routing ignores them; add the model or its hf_repo to the registry)",
      "--models lists mistral-7b-instruct but no engine serves it",
      "the engines serve llama-3.1-8b-instruct, which --models leaves out",
    ]);
  });
  it("says nothing when all agree, --models is not given, or the router did not answer with engine_models", () => {
    expect(engineModelWarnings({ engine_models: { resolved: ["a"], unknown: [] } }, ["a"])).toEqual([]);
    expect(engineModelWarnings({ engine_models: { resolved: ["a"], unknown: [] } }, [])).toEqual([]);
    expect(engineModelWarnings({ accepted: true }, ["a"])).toEqual([]);
    expect(engineModelWarnings(undefined, ["a"])).toEqual([]);
  });
});

describe("engine fixture manifest", () => {
  it("names the provenance of every file, and every file it names exists", () => {
    const manifest = JSON.parse(fixture("manifest.json")) as { files: Array<Record<string, string>> };
    const files = (dir: string): string[] => readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : [relative(ENGINE_FIXTURES, join(dir, e.name))]));
    const onDisk = files(ENGINE_FIXTURES).filter((f) => f !== "manifest.json" && f !== "README.md");
    expect(manifest.files.map((f) => f.path).sort()).toEqual(onDisk.sort());
    for (const entry of manifest.files) {
      for (const key of ["engine", "endpoint", "origin", "repository", "commit", "source_path", "license", "extract"]) expect(entry[key], `${entry.path} ${key}`).toBeTruthy();
      expect(entry.commit).toMatch(/^[0-9a-f]{40}$/);
      expect(["captured", "constructed"]).toContain(entry.origin);
      // Constructed files say so in their name, so nobody mistakes them for captures.
      expect(entry.path!.includes("/constructed-")).toBe(entry.origin === "constructed");
    }
  });
});
