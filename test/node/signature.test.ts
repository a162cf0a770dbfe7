/**
 * The WebCrypto signer against Node's own HMAC as an independent oracle (including the worked
 * example of docs/telemetry.md), verify() with rotation keys, and the AGENT_KEYS secret's parser.
 */
import { createHmac, randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { sign, signatureHeaders, verify } from "../../src/telemetry/signature";
import { AgentKeysError, parseAgentKeys } from "../../src/telemetry/agent-keys";

const oracle = (key: string, timestamp: string, body: string | Buffer) => createHmac("sha256", key).update(Buffer.concat([Buffer.from(`${timestamp}.`), Buffer.from(body)])).digest("hex");

describe("signature", () => {
  it("matches the worked example in docs/telemetry.md", async () => {
    expect(await sign("demo-agent-key-not-secret-1", "1795676400", "abc")).toBe("ad7a9dc9f87aa7a795a77cd9eccd173fa7236c3a2b5a3e1af872a0593538cef5");
  });

  it("equals Node's HMAC-SHA256 over '<timestamp>.<body>' for random keys and bodies, text or bytes", async () => {
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
    expect([...keys.entries()]).toEqual([["a", ["key-aaaaaaaaaaaaaaaa"]], ["b", ["key-bbbbbbbbbbbbbbbb", "key-cccccccccccccccc"]]]);
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
