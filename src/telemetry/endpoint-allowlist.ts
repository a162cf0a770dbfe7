/**
 * The operator's allowlist of node endpoints, the NODE_ENDPOINT_ALLOW setting: entries separated
 * by commas or whitespace, each a host and an optional port or port range.
 *
 *   10.0.0.0/8:8000        an IPv4 CIDR, port 8000 only
 *   192.168.1.20           one address, any port
 *   [fd00::/8]:8000-8010   an IPv6 CIDR (in brackets), ports 8000 to 8010
 *   gpu.example.com:443    one host name
 *   *.gpu.example.com      every name below gpu.example.com (not gpu.example.com itself)
 *
 * Addresses are matched by value (ipaddr.js), so `::ffff:10.0.0.5` is inside `10.0.0.0/8`. Names
 * are matched as written, never resolved. Read by endpoint-policy.ts.
 */
import ipaddr from "ipaddr.js";

export type Address = ipaddr.IPv4 | ipaddr.IPv6;

export interface AllowEntry {
  /** The entry as the operator wrote it, for messages. */
  text: string;
  host: { kind: "cidr"; range: [Address, number] } | { kind: "name"; name: string } | { kind: "suffix"; suffix: string };
  /** Inclusive port range; null = any port. */
  ports: [number, number] | null;
}

/** NODE_ENDPOINT_ALLOW cannot be read; every endpoint is refused until it is fixed (fail closed). */
export class AllowlistError extends Error {}

const NAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;

/** An address, with IPv4-mapped IPv6 (`::ffff:a.b.c.d`) turned into its IPv4 form. */
export function parseAddress(text: string): Address | null {
  const bare = text.startsWith("[") && text.endsWith("]") ? text.slice(1, -1) : text;
  if (!ipaddr.isValid(bare)) return null;
  if (ipaddr.IPv4.isValid(bare) && !ipaddr.IPv4.isValidFourPartDecimal(bare)) return null;
  return ipaddr.process(bare);
}

function parsePorts(text: string, entry: string): [number, number] {
  const match = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(text);
  const low = Number(match?.[1]);
  const high = match?.[2] === undefined ? low : Number(match[2]);
  if (!match || low < 1 || high > 65535 || low > high) throw new AllowlistError(`NODE_ENDPOINT_ALLOW entry '${entry}': '${text}' is not a port or port range`);
  return [low, high];
}

function parseHost(text: string, entry: string): AllowEntry["host"] {
  const lower = text.toLowerCase();
  if (lower.startsWith("*.") && NAME.test(lower.slice(2))) return { kind: "suffix", suffix: lower.slice(1) };
  const [addr, bits] = lower.split("/");
  const address = parseAddress(addr!);
  if (address !== null) {
    const width = address.kind() === "ipv4" ? 32 : 128;
    const prefix = bits === undefined ? width : Number(bits);
    // A mapped IPv6 CIDR names IPv4 addresses: its prefix counts from the IPv4 part.
    const mapped = address.kind() === "ipv4" && !ipaddr.IPv4.isValid(addr!.replace(/^\[|\]$/g, ""));
    const adjusted = mapped && bits !== undefined ? prefix - 96 : prefix;
    if (!/^\d{1,3}$/.test(bits ?? "0") || adjusted < 0 || adjusted > width) throw new AllowlistError(`NODE_ENDPOINT_ALLOW entry '${entry}': bad prefix length`);
    return { kind: "cidr", range: [address, adjusted] };
  }
  // A last label of digits or 0x… makes a URL parser read the whole host as an IPv4 address.
  if (bits === undefined && NAME.test(lower) && !/(^|\.)(0x[0-9a-f]*|\d+)$/.test(lower)) return { kind: "name", name: lower };
  throw new AllowlistError(`NODE_ENDPOINT_ALLOW entry '${entry}' is not an IP address, CIDR, host name or *.domain`);
}

function parseEntry(entry: string): AllowEntry {
  // [v6 or v6/len]:port, or host:port, or a bare host or CIDR.
  const bracketed = /^(\[[^\]]+\])(?::(.+))?$/.exec(entry);
  if (bracketed) {
    const inner = bracketed[1]!.slice(1, -1);
    const [addr, bits] = inner.split("/");
    const host = parseHost(bits === undefined ? `[${addr}]` : `${addr}/${bits}`, entry);
    return { text: entry, host, ports: bracketed[2] === undefined ? null : parsePorts(bracketed[2], entry) };
  }
  const colon = entry.lastIndexOf(":");
  const hostText = colon >= 0 ? entry.slice(0, colon) : entry;
  if (hostText.includes(":")) throw new AllowlistError(`NODE_ENDPOINT_ALLOW entry '${entry}': write IPv6 addresses in brackets, e.g. [fd00::/8]:8000`);
  return { text: entry, host: parseHost(hostText, entry), ports: colon >= 0 ? parsePorts(entry.slice(colon + 1), entry) : null };
}

/** The parsed allowlist, or null when NODE_ENDPOINT_ALLOW is unset or blank. Throws AllowlistError. */
export function parseAllowlist(raw: string | undefined): AllowEntry[] | null {
  const entries = (raw ?? "").split(/[\s,]+/).filter((e) => e !== "");
  if (entries.length === 0) return null;
  return entries.map(parseEntry);
}

/** Whether `host` (a URL hostname, brackets and all) on `port` matches `entry`. */
export function matchesEntry(entry: AllowEntry, host: string, port: number): boolean {
  if (entry.ports !== null && (port < entry.ports[0] || port > entry.ports[1])) return false;
  switch (entry.host.kind) {
    case "name":
      return host === entry.host.name;
    case "suffix":
      return host.endsWith(entry.host.suffix) && host.length > entry.host.suffix.length;
    case "cidr": {
      const address = parseAddress(host);
      const [range, bits] = entry.host.range;
      return address !== null && address.kind() === range.kind() && address.match(range, bits);
    }
  }
}
