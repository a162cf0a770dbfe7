/**
 * Which node endpoints the router may send requests to (and with them clients' prompts and a
 * node token). Checked twice: when a push stores an endpoint (POST /v1/telemetry answers 400
 * naming it) and again before every forward (the gateway calls forwardUrl), so tightening the
 * policy takes effect without waiting for nodes to push again.
 *
 * Always, whatever the allowlist says:
 *   - http or https; no user info, query or fragment; a base path of plain segments
 *     (letters, digits, `.`, `_`, `~`, `-`; no `.`/`..`, no percent escapes) that the gateway
 *     only appends `/v1/...` to;
 *   - IPv4 literals written as four decimal parts (`0x7f.1` and `2130706433` are refused);
 *   - never link-local (169.254.0.0/16, fe80::/10: the cloud metadata services live there),
 *     other metadata addresses and names, unspecified, broadcast, multicast or reserved
 *     addresses, nor the router's own host;
 *   - loopback (127.0.0.0/8, ::1, localhost) only while the router itself is reached on a
 *     loopback address (local development: `npm start`, `wrangler dev`) or when
 *     NODE_ENDPOINT_ALLOW lists it.
 * With NODE_ENDPOINT_ALLOW set, the host and port must also match one of its entries
 * (endpoint-allowlist.ts). Host names are not resolved here: in production, set the allowlist.
 */
import ipaddr from "ipaddr.js";
import type { Env } from "../env";
import { AllowlistError, matchesEntry, parseAddress, parseAllowlist, type AllowEntry } from "./endpoint-allowlist";

export interface EndpointPolicy {
  /** NODE_ENDPOINT_ALLOW parsed; null when unset. */
  allow: AllowEntry[] | null;
  /** Why NODE_ENDPOINT_ALLOW cannot be used: every endpoint is refused until it is fixed. */
  misconfigured: string | null;
  /** The router's own host name (lowercase, brackets for IPv6) and port, from the request URL. */
  routerHost: string;
  routerPort: number;
}

export type EndpointCheck = { ok: true; endpoint: string } | { ok: false; message: string };

/** Names of cloud metadata services (the addresses are refused by range or listed below). */
const METADATA_NAMES = new Set(["metadata", "metadata.google.internal", "metadata.goog", "instance-data", "instance-data.ec2.internal"]);
/** Metadata addresses outside link-local: Alibaba Cloud's, AWS's IPv6 one. */
const METADATA_ADDRESSES = ["100.100.100.200", "fd00:ec2::254"].map((a) => ipaddr.parse(a).toNormalizedString());
const ALWAYS_REFUSED_RANGES = new Set(["unspecified", "broadcast", "multicast", "linkLocal", "reserved"]);
const SEGMENT = /^[A-Za-z0-9._~-]+$/;

const portOf = (url: URL): number => (url.port !== "" ? Number(url.port) : url.protocol === "https:" ? 443 : 80);
const isLoopbackName = (host: string): boolean => host === "localhost" || host.endsWith(".localhost");

/** The policy in force for a request to the router at `requestUrl`. */
export function endpointPolicy(env: Pick<Env, "NODE_ENDPOINT_ALLOW">, requestUrl: string): EndpointPolicy {
  const url = new URL(requestUrl);
  const { allow, misconfigured } = allowlist(env.NODE_ENDPOINT_ALLOW);
  return { allow, misconfigured, routerHost: url.hostname.toLowerCase(), routerPort: portOf(url) };
}

let parsed: { raw: string | undefined; allow: AllowEntry[] | null; misconfigured: string | null } | null = null;

/** NODE_ENDPOINT_ALLOW parsed once per value (configuration, the same on every request of an isolate; the gateway asks per request). */
function allowlist(raw: string | undefined): { allow: AllowEntry[] | null; misconfigured: string | null } {
  if (parsed !== null && parsed.raw === raw) return parsed;
  try {
    parsed = { raw, allow: parseAllowlist(raw), misconfigured: null };
  } catch (error) {
    if (!(error instanceof AllowlistError)) throw error;
    parsed = { raw, allow: null, misconfigured: error.message };
  }
  return parsed;
}

function isLoopback(host: string): boolean {
  const address = parseAddress(host);
  return address === null ? isLoopbackName(host) : address.range() === "loopback";
}

/** Why an address is refused whatever the allowlist says, or null. Embedded IPv4 (NAT64, 6to4) is judged as IPv4. */
function refusedAddress(address: ipaddr.IPv4 | ipaddr.IPv6): string | null {
  if (METADATA_ADDRESSES.includes(address.toNormalizedString())) return "a cloud metadata address";
  const range = address.range();
  if (ALWAYS_REFUSED_RANGES.has(range)) return `a ${range} address`;
  if (address.kind() === "ipv6" && (range === "rfc6052" || range === "6to4")) {
    const bytes = address.toByteArray();
    const embedded = range === "6to4" ? bytes.slice(2, 6) : bytes.slice(12, 16);
    const inner = refusedAddress(ipaddr.fromByteArray(embedded));
    return inner === null ? null : `${inner} (embedded in ${range})`;
  }
  return null;
}

/** Structural rules and the raw spelling, before the URL parser normalizes anything away. */
function structuralProblem(raw: string): string | null {
  if (raw.length > 512) return "at most 512 characters";
  if (/[\s\\%@?#\u0000-\u001f\u007f]/.test(raw)) return "no spaces, backslashes, percent escapes, user info ('@'), query ('?') or fragment ('#')";
  if (!/^https?:\/\/[^/]/i.test(raw)) return "an http:// or https:// URL with a host";
  // Checked on the raw text: the URL parser would quietly resolve them away.
  const path = raw.replace(/^https?:\/\/[^/]*/i, "");
  if (path.split("/").some((segment) => segment === "." || segment === "..")) return "no '.' or '..' segments in the base path";
  return null;
}

/**
 * Checks `raw` against the policy; on success returns the normalized endpoint that is stored and
 * forwarded to: `scheme://host[:port][/base/path]`, lowercase host, no trailing slash.
 */
export function checkEndpoint(raw: string, policy: EndpointPolicy): EndpointCheck {
  const refuse = (message: string): EndpointCheck => ({ ok: false, message });
  if (policy.misconfigured !== null) return refuse(`refused: ${policy.misconfigured}`);
  const structural = structuralProblem(raw);
  if (structural !== null) return refuse(structural);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return refuse("not a URL");
  }
  const host = url.hostname.toLowerCase();
  const port = portOf(url);
  const rawHost = /^https?:\/\/(\[[^\]]*\]|[^/:]*)/i.exec(raw)![1]!.toLowerCase();
  const address = parseAddress(host);
  if (address !== null && !rawHost.startsWith("[") && rawHost !== host) return refuse(`write an IPv4 address as four decimal numbers, not '${rawHost}'`);
  if (host.endsWith(".")) return refuse("a host name without the trailing dot");
  const segments = url.pathname.split("/").filter((s) => s !== "");
  if (segments.some((s) => !SEGMENT.test(s) || s === "." || s === "..")) return refuse("the base path may hold only letters, digits, '.', '_', '~' and '-' segments");

  if (METADATA_NAMES.has(host)) return refuse(`'${host}' is a cloud metadata service`);
  if (address !== null) {
    const why = refusedAddress(address);
    if (why !== null) return refuse(`${host} is ${why}`);
  }
  const loopback = isLoopback(host);
  const routerLoopback = isLoopback(policy.routerHost);
  if (loopback ? routerLoopback && port === policy.routerPort : host === policy.routerHost) return refuse("the router's own address");
  const listed = policy.allow?.find((entry) => matchesEntry(entry, host, port));
  if (policy.allow !== null && listed === undefined) return refuse(`${host}:${port} is not in NODE_ENDPOINT_ALLOW`);
  if (loopback && !routerLoopback && listed === undefined) return refuse("loopback addresses are for local development only (or list them in NODE_ENDPOINT_ALLOW)");
  const base = segments.length === 0 ? "" : `/${segments.join("/")}`;
  return { ok: true, endpoint: `${url.protocol}//${url.host.toLowerCase()}${base}` };
}

/**
 * The URL the gateway sends `path` (`/v1/chat/completions`, …) to on a node, after checking the
 * stored endpoint against the policy in force now; a refusal carries the reason.
 */
export function forwardUrl(endpoint: string, path: `/v1/${string}`, policy: EndpointPolicy): { ok: true; url: string } | { ok: false; message: string } {
  const checked = checkEndpoint(endpoint, policy);
  return checked.ok ? { ok: true, url: `${checked.endpoint}${path}` } : checked;
}
