/**
 * Finding 5 (500 on bad input): the raw XML path never throws past the parser. 10,000 generated
 * malformed or hostile documents (deep nesting, DOCTYPEs and entities, truncation, other encodings,
 * byte-level mutations of real captures, names that would pollute prototypes, absurd values) go
 * through exactly what POST /v1/telemetry runs on a raw body (snapshotFromText: parse, validate,
 * 400 naming the line or field); every one must end as a snapshot or a 400 Problem. A sample of
 * them then goes through the real worker, signed, and must get no 500. The generator is seeded,
 * so a failure names a document that can be regenerated.
 */
import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { FIXTURES } from "../fixtures/nvidia-smi";
import { push } from "../support/telemetry";
import { Problem } from "../../src/errors";
import { snapshotFromText } from "../../src/telemetry/ingest";
import { prng } from "../support/synthetic";

const DOCUMENTS = 10_000;
const THROUGH_WORKER = 150;

/** A small deterministic PRNG (mulberry32): the same seed, the same documents. */
const rng = prng;

const XML_FIXTURES = Object.entries(FIXTURES).filter(([name]) => name.endsWith(".xml")).map(([, text]) => text);
const SMALL = XML_FIXTURES.filter((t) => t.length < 30_000);
const HEAD = '<?xml version="1.0" ?>\n';
const GPU = "<gpu><product_name>X</product_name><fb_memory_usage><total>1000 MiB</total><used>1 MiB</used><free>999 MiB</free></fb_memory_usage></gpu>";
const HOSTILE_NAMES = ["__proto__", "constructor", "prototype", "toString", "hasOwnProperty", "valueOf", "__defineGetter__"];
const WEIRD_VALUES = ["NaN MiB", "Infinity MiB", "-5 MiB", "1e400 MiB", "0x10 MiB", "9".repeat(400) + " MiB", "1000 GiB", "", "[N/A]", "&amp; MiB", "\u0000", "<![CDATA[5 MiB]]>"];

type Generator = (r: () => number, pick: <T>(items: readonly T[]) => T) => string;

const generators: Record<string, Generator> = {
  deepNesting: (r) => {
    const depth = 30 + Math.floor(r() * 4000);
    const name = r() < 0.5 ? "a" : "gpu";
    return `${HEAD}<nvidia_smi_log>${`<${name}>`.repeat(depth)}x${`</${name}>`.repeat(r() < 0.9 ? depth : depth - 1)}</nvidia_smi_log>`;
  },
  doctypes: (r, pick) => {
    const decl = pick([
      '<!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',
      '<!DOCTYPE foo [<!ENTITY xxe SYSTEM "http://169.254.169.254/latest/meta-data/">]>',
      '<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>',
      '<!DOCTYPE nvidia_smi_log SYSTEM "nvsmi_device_v13.dtd"><!DOCTYPE again SYSTEM "x.dtd">',
      '<!DOCTYPE nvidia_smi_log SYSTEM "http://evil.example/x.dtd">',
      '<!DOCTYPE nvidia_smi_log PUBLIC "-//x" "nvsmi_device_v13.dtd">',
      '<!DOCTYPE nvidia_smi_log [<!ELEMENT nvidia_smi_log ANY>]>',
      '<!ENTITY % p SYSTEM "file:///x">',
      '<!doctype nvidia_smi_log system "nvsmi_device_v13.dtd">',
      '<!DOCTYPE nvidia_smi_log SYSTEM "nvsmi_device_v13.dtd" [<!ENTITY a "b">]>',
      '<!ATTLIST gpu id CDATA #IMPLIED>',
      '<!NOTATION n SYSTEM "x">',
    ]);
    const refs = pick(["&xxe;", "&lol2;", "&#0;", "&#x110000;", "&#99999999999;", "&unknown;", "&amp;&lt;&gt;", "&", "%p;"]);
    const where = r();
    const body = `<nvidia_smi_log><driver_version>${refs}</driver_version>${GPU.replace("X", refs)}</nvidia_smi_log>`;
    return where < 0.7 ? `${HEAD}${decl}\n${body}` : `${HEAD}${body.replace("<gpu>", `${decl}<gpu>`)}`;
  },
  truncated: (r, pick) => {
    const doc = pick(SMALL);
    return doc.slice(0, Math.floor(r() * doc.length));
  },
  encodings: (r, pick) => {
    const doc = pick(SMALL).slice(0, 4000);
    const variant = Math.floor(r() * 6);
    if (variant === 0) {
      // UTF-16LE bytes read as UTF-8, as a server would if the agent sent them.
      const bytes = new Uint8Array(doc.length * 2);
      for (let i = 0; i < doc.length; i++) bytes[i * 2] = doc.charCodeAt(i) & 0xff;
      return new TextDecoder().decode(bytes);
    }
    if (variant === 1) return `\uFEFF\uFEFF${doc}`;
    if (variant === 2) return doc.replace('<?xml version="1.0" ?>', '<?xml version="1.0" encoding="UTF-16"?>');
    if (variant === 3) return doc.replace(/<product_name>/, "<product_name>\uD800\uDFFF\uFFFE\u0085");
    if (variant === 4) return new TextDecoder("latin1").decode(new TextEncoder().encode(doc));
    return doc.replace(/>/g, () => (r() < 0.02 ? ">\u0000" : ">"));
  },
  byteMutations: (r, pick) => {
    const chars = [...pick(SMALL)];
    const edits = 1 + Math.floor(r() * 20);
    for (let e = 0; e < edits; e++) {
      const at = Math.floor(r() * chars.length);
      const op = r();
      if (op < 0.33) chars[at] = pick(["<", ">", "&", "/", '"', "'", "!", "?", "]", "\u0000", "\n", "=", " "]);
      else if (op < 0.66) chars.splice(at, 1 + Math.floor(r() * 50));
      else chars.splice(at, 0, pick(["<gpu>", "</gpu>", "<!--", "-->", "<![CDATA[", "]]>", "<?pi x?>", "</nvidia_smi_log>", "<nvidia_smi_log>", "&x;"]));
    }
    return chars.join("");
  },
  hostileNames: (r, pick) => {
    const name = pick(HOSTILE_NAMES);
    const inner = r() < 0.5 ? `<${name}><polluted>yes</polluted></${name}>` : `<fb_memory_usage><${name}>1</${name}><total>1 MiB</total></fb_memory_usage>`;
    return `${HEAD}<nvidia_smi_log><gpu>${inner}</gpu></nvidia_smi_log>`;
  },
  absurdValues: (r, pick) => {
    const field = pick(["total", "used", "free", "reserved"]);
    const gpus = Array.from({ length: 1 + Math.floor(r() * 3) }, () => GPU.replace(`<${field}>`, `<${field}>${pick(WEIRD_VALUES)}</${field}><x${field}>`).replace(`</${field}>`, `</x${field}>`)).join("");
    return `${HEAD}<nvidia_smi_log>${gpus}${r() < 0.3 ? "<gpu>text only</gpu>" : ""}</nvidia_smi_log>`;
  },
  structure: (r, pick) =>
    pick([
      "", " ", "<", "<?xml", HEAD, `${HEAD}<nvidia_smi_log/>`, `${HEAD}<nvidia_smi_log></nvidia_smi_log>`, `${HEAD}<other>${GPU}</other>`,
      `${HEAD}<nvidia_smi_log>${GPU}</nvidia_smi_log><nvidia_smi_log>${GPU}</nvidia_smi_log>`,
      `${HEAD}<nvidia_smi_log><gpu>${"<mig_devices><mig_device><index>x</index></mig_device></mig_devices>".repeat(1 + Math.floor(r() * 70))}</gpu></nvidia_smi_log>`,
      `${HEAD}<nvidia_smi_log>${GPU.repeat(1 + Math.floor(r() * 80))}</nvidia_smi_log>`,
      `${HEAD}<nvidia_smi_log><gpu><clocks_event_reasons>garbage</clocks_event_reasons></gpu></nvidia_smi_log>`,
      `${HEAD}<nvidia_smi_log><gpu><clocks_event_reasons><x>Maybe</x></clocks_event_reasons></gpu></nvidia_smi_log>`,
      `${HEAD}<nvidia_smi_log><gpu><ecc_errors><volatile><sram_uncorrectable>-1</sram_uncorrectable></volatile></ecc_errors></gpu></nvidia_smi_log>`,
      `<nvidia_smi_log><gpu a="1" a="2">${"x".repeat(1000)}</gpu></nvidia_smi_log>`,
      "<".repeat(10_000), "<a ".repeat(5_000), `${HEAD}<nvidia_smi_log>${"<supported_clocks>".repeat(5_000)}</nvidia_smi_log>`,
    ]),
};

function documents(count: number, seed: number): Array<{ kind: string; text: string }> {
  const r = rng(seed);
  const pick = <T,>(items: readonly T[]): T => items[Math.floor(r() * items.length)]!;
  const kinds = Object.keys(generators);
  return Array.from({ length: count }, (_, i) => {
    const kind = kinds[i % kinds.length]!;
    return { kind, text: generators[kind]!(r, pick) };
  });
}

/** What the route does with a raw body: a snapshot, or a Problem (its status); anything else would be a 500. */
function ingest(text: string): number {
  try {
    snapshotFromText({ text, contentType: "application/xml", agentId: "test-agent", timestamp: 1_795_676_400, header: (n) => (n === "x-node-name" ? "fuzz-node" : undefined) });
    return 202;
  } catch (error) {
    if (error instanceof Problem) return error.status;
    throw error;
  }
}

describe("XML fuzzing", () => {
  it(`${DOCUMENTS} generated hostile documents: each a snapshot or a 400, none a 500`, () => {
    const outcomes = new Map<string, number>();
    const failures: string[] = [];
    documents(DOCUMENTS, 11).forEach(({ kind, text }, i) => {
      let status: number;
      try {
        status = ingest(text);
      } catch (error) {
        failures.push(`#${i} ${kind}: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`.slice(0, 300));
        return;
      }
      outcomes.set(`${kind} ${status}`, (outcomes.get(`${kind} ${status}`) ?? 0) + 1);
      if (status !== 400 && status !== 202) failures.push(`#${i} ${kind}: status ${status}`);
    });
    expect(failures).toEqual([]);
    const total = [...outcomes.values()].reduce((a, b) => a + b, 0);
    expect(total).toBe(DOCUMENTS);
    // The generator really is hostile: the great majority is refused, every kind appears.
    const refused = [...outcomes].filter(([k]) => k.endsWith(" 400")).reduce((a, [, n]) => a + n, 0);
    expect(refused).toBeGreaterThan(DOCUMENTS * 0.8);
    for (const kind of Object.keys(generators)) expect([...outcomes.keys()].some((k) => k.startsWith(kind))).toBe(true);
  }, 120_000);

  it(`a sample of ${THROUGH_WORKER}, signed and posted to the worker: no 500`, async () => {
    const statuses = new Map<number, number>();
    const sample = documents(THROUGH_WORKER, 29);
    for (let i = 0; i < sample.length; i += 10) {
      const batch = await Promise.all(
        sample.slice(i, i + 10).map(async ({ text }, k) => {
          const response = await push(text, { contentType: "application/xml", headers: { "x-node-name": `fuzz-${i + k}` } });
          await response.body?.cancel();
          return response.status;
        }),
      );
      for (const status of batch) statuses.set(status, (statuses.get(status) ?? 0) + 1);
    }
    expect([...statuses.keys()].filter((s) => s >= 500)).toEqual([]);
    expect(statuses.get(400)).toBeGreaterThan(THROUGH_WORKER / 2);
    // The router is still healthy afterwards.
    expect((await SELF.fetch("http://router/healthz")).status).toBe(200);
  }, 120_000);

  it("the three documents of the report get 400 naming where", () => {
    const nested = `${HEAD}<nvidia_smi_log>${"<a>".repeat(101)}${"</a>".repeat(101)}</nvidia_smi_log>`;
    const system = `${HEAD}<!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n<nvidia_smi_log>${GPU}</nvidia_smi_log>`;
    const two = `${HEAD}<!DOCTYPE a>\n<!DOCTYPE b>\n<nvidia_smi_log>${GPU}</nvidia_smi_log>`;
    for (const text of [nested, system, two]) expect(ingest(text)).toBe(400);
    try {
      snapshotFromText({ text: system, contentType: "application/xml", agentId: "test-agent", timestamp: 1, header: () => "n" });
    } catch (error) {
      expect((error as Problem).errors).toEqual([{ path: "body.line 2", message: expect.stringMatching(/^line 2: <!DOCTYPE> is refused/) }]);
    }
    // nvidia-smi's own DOCTYPE is fine: every real capture still parses.
    for (const capture of XML_FIXTURES) expect(ingest(capture)).not.toBe(500);
  });
});
