/**
 * The WebCrypto signer against Node's own HMAC as an independent oracle (including the worked
 * example of docs/telemetry.md), verify() with rotation keys, and the AGENT_KEYS secret's parser.
 */
import { createHmac, randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { sign, signatureHeaders, verify } from "../../src/telemetry/signature";
import { AgentKeysError, declaredOwner, parseAgentKeys } from "../../src/telemetry/agent-keys";
import { HELP } from "../../cli/agent/help";

/** Node's own HMAC over the documented canonical string, as an independent oracle. */
const oracle = (key: string, timestamp: string, body: string | Buffer, meta: string[] = ["", "", "", ""]) =>
  createHmac("sha256", key).update(Buffer.concat([Buffer.from(`${[timestamp, ...meta].join("\n")}\n`), Buffer.from(body)])).digest("hex");

describe("signature", () => {
  it("matches the worked examples in docs/telemetry.md", async () => {
    expect(await sign("demo-agent-key-not-secret-1", "1795676400", "abc")).toBe("cf27af8ba19370e9b4b9f818132268bab8d66bfb63d51cfe33d3695ea625284b");
    const meta = { "x-node-name": "raw-h200", "x-node-endpoint": "http://10.0.0.5:8000", "x-models": "qwen2.5-7b-instruct" };
    expect(await sign("demo-agent-key-not-secret-1", "1795676400", "abc", meta)).toBe("98a0ba02300383e1a94ceb0d12e89add0bb4ee8a32a7793e6b58a5d66cf5e401");
  });

  it("the agent's --help gives the string a JSON push signs (no metadata headers)", async () => {
    const stated = HELP.once.match(/HMAC-SHA256\(key,\s+"([^"]+)"/)![1]!;
    const canonical = stated.replaceAll("\\n", "\n").replace("<timestamp>", "1795676400").replace("<body>", "abc");
    expect(createHmac("sha256", "demo-agent-key-not-secret-1").update(canonical).digest("hex")).toBe(await sign("demo-agent-key-not-secret-1", "1795676400", "abc"));
  });

  it("covers every metadata header: changing, adding or dropping one changes the signature", async () => {
    const key = "demo-agent-key-not-secret-1";
    const base = { "x-node-name": "n", "x-node-endpoint": "http://e:1", "x-models": "m", "x-query-fields": "index" } as const;
    const reference = await sign(key, "1795676400", "abc", base);
    expect(reference).toBe(oracle(key, "1795676400", "abc", ["n", "http://e:1", "m", "index"]));
    for (const name of Object.keys(base) as Array<keyof typeof base>) {
      expect(await sign(key, "1795676400", "abc", { ...base, [name]: "other" }), name).not.toBe(reference);
      expect(await sign(key, "1795676400", "abc", { ...base, [name]: "" }), name).not.toBe(reference);
    }
    // Moving text between fields (or into the body) is a different string, not the same bytes.
    expect(await sign(key, "1795676400", "abc", { "x-node-name": "a\nb" })).not.toBe(await sign(key, "1795676400", "abc", { "x-node-name": "a", "x-node-endpoint": "b" }));
    const headers = await signatureHeaders("a", key, "abc", 1_795_676_400, { "x-node-name": " padded ", "x-models": "" });
    expect(headers["x-node-name"]).toBe("padded");
    expect("x-models" in headers).toBe(false);
    expect(await verify([key], "1795676400", "abc", headers["x-signature"]!, { "x-node-name": "padded" })).toBe(true);
  });

  it("equals Node's HMAC-SHA256 over the canonical string for random keys and bodies, text or bytes", async () => {
    for (let i = 0; i < 50; i++) {
      const key = randomBytes(24).toString("base64");
      const body = randomBytes(i * 37);
      const timestamp = String(1_700_000_000 + i);
      expect(await sign(key, timestamp, new Uint8Array(body))).toBe(oracle(key, timestamp, body));
      const text = `{"n":${i},"é":"ü"}`;
      expect(await sign(key, timestamp, text)).toBe(oracle(key, timestamp, text));
    }
  });

  it("verifies under either rotation key and refuses anything changed", async () => {
    const headers = await signatureHeaders("a", "second-key-0000000", "body", 1_795_676_400.9);
    expect(headers["x-timestamp"]).toBe("1795676400");
    const signature = headers["x-signature"]!;
    expect(await verify(["first-key-00000000", "second-key-0000000"], "1795676400", "body", signature)).toBe(true);
    expect(await verify(["first-key-00000000", "second-key-0000000"], "1795676400", "body", signature.toUpperCase())).toBe(true);
    expect(await verify(["first-key-00000000"], "1795676400", "body", signature)).toBe(false);
    expect(await verify(["second-key-0000000"], "1795676401", "body", signature)).toBe(false);
    expect(await verify(["second-key-0000000"], "1795676400", "bodY", signature)).toBe(false);
    expect(await verify(["second-key-0000000"], "1795676400", "body", "")).toBe(false);
  });
});

describe("AGENT_KEYS", () => {
  it("reads one key or two per agent", () => {
    const keys = parseAgentKeys('{"a": "key-aaaaaaaaaaaaaaaa", "b": ["key-bbbbbbbbbbbbbbbb", "key-cccccccccccccccc"]}');
    expect([...keys.entries()]).toEqual([
      ["a", { keys: ["key-aaaaaaaaaaaaaaaa"], nodes: null, max_nodes: null }],
      ["b", { keys: ["key-bbbbbbbbbbbbbbbb", "key-cccccccccccccccc"], nodes: null, max_nodes: null }],
    ]);
  });

  it("reads declared nodes and a per-agent cap, and says who may push a node", () => {
    const keys = parseAgentKeys(JSON.stringify({
      rack1: { keys: ["key-aaaaaaaaaaaaaaaa"], nodes: ["rack1-*", "gpu-7"], max_nodes: 3 },
      free: "key-bbbbbbbbbbbbbbbb",
    }));
    expect(keys.get("rack1")).toEqual({ keys: ["key-aaaaaaaaaaaaaaaa"], nodes: ["rack1-*", "gpu-7"], max_nodes: 3 });
    expect(declaredOwner(keys, "rack1", "rack1-n4")).toBe("own");
    expect(declaredOwner(keys, "rack1", "gpu-7")).toBe("own");
    expect(declaredOwner(keys, "rack1", "gpu-70")).toBe("outside");
    expect(declaredOwner(keys, "free", "rack1-n4")).toBe("other");
    expect(declaredOwner(keys, "free", "gpu-7")).toBe("other");
    expect(declaredOwner(keys, "free", "anything-else")).toBe("undeclared");
  });

  it("refuses declarations of two agents that overlap", () => {
    for (const [a, b] of [["rack-*", "rack-1*"], ["gpu-7", "gpu-*"], ["n1", "n1"]]) {
      expect(() => parseAgentKeys(JSON.stringify({ x: { keys: "key-aaaaaaaaaaaaaaaa", nodes: [a] }, y: { keys: "key-bbbbbbbbbbbbbbbb", nodes: [b] } })), `${a} ${b}`).toThrow(/both declare/);
    }
    expect(() => parseAgentKeys(JSON.stringify({ x: { keys: "key-aaaaaaaaaaaaaaaa", nodes: ["rack-1*"] }, y: { keys: "key-bbbbbbbbbbbbbbbb", nodes: ["rack-2*"] } }))).not.toThrow();
  });

  it("refuses missing, non-JSON, short, three-key and badly named configurations without echoing keys", () => {
    const cases: Array<[string | undefined, RegExp]> = [
      [undefined, /not configured/],
      ["  ", /not configured/],
      ["{oops", /not valid JSON/],
      ['{"a": "short"}', /at least 16 characters/],
      ['{"a": ["key-aaaaaaaaaaaaaaaa", "key-bbbbbbbbbbbbbbbb", "key-cccccccccccccccc"]}', /malformed/],
      ['{"bad id!": "key-aaaaaaaaaaaaaaaa"}', /malformed/],
      ["[]", /malformed/],
    ];
    for (const [raw, message] of cases) {
      let caught: unknown = null;
      try {
        parseAgentKeys(raw);
      } catch (error) {
        caught = error;
      }
      expect(caught, String(raw)).toBeInstanceOf(AgentKeysError);
      expect((caught as Error).message).toMatch(message);
      expect((caught as Error).message).not.toContain("key-aaaa");
    }
  });
});
