/**
 * Guards POST /v1/telemetry before anything reads the body as JSON or nvidia-smi text: size
 * (413, counted while the body streams), configured keys (403), the three signature headers
 * (401), the HMAC under one of the agent's keys over the timestamp, the metadata headers and the
 * body (401) and clock skew (401). It reads the body once as bytes and puts them back, so the
 * JSON validator and the handler see the same bytes that were verified.
 */
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../env";
import { readLimited } from "../body-limit";
import { Problem } from "../errors";
import { AgentKeysError, parseAgentKeys, type AgentConfig, type AgentKeys } from "./agent-keys";
import { AGENT_HEADER, MAX_SKEW_S, SIGNATURE_HEADER, SIGNED_HEADERS, TIMESTAMP_HEADER, verify, type SignedMetadata } from "./signature";

declare module "hono" {
  interface ContextVariableMap {
    /** The verified agent of a telemetry push, with the parsed AGENT_KEYS (set by requireAgentSignature). */
    agent: { id: string; config: AgentConfig; keys: AgentKeys };
  }
}

/** Largest telemetry body: an 8-GPU `nvidia-smi -q -x` is ~220 KiB. */
export const MAX_TELEMETRY_BYTES = 256 * 1024;

function rejected(header: string, message: string): Problem {
  return new Problem({
    status: 401,
    title: "Unauthorized",
    detail: message,
    errors: [{ path: `header.${header}`, message }],
    headers: { "www-authenticate": `HMAC-SHA256 headers="${AGENT_HEADER} ${TIMESTAMP_HEADER} ${SIGNATURE_HEADER}"` },
  });
}

export const requireAgentSignature: MiddlewareHandler<AppEnv> = async (c, next) => {
  // Counted while it streams: a chunked upload is refused at 256 KiB, not read whole first.
  const body = await readLimited(c.req.raw, MAX_TELEMETRY_BYTES);
  c.req.raw = new Request(c.req.raw, { body });

  let keys: AgentKeys;
  try {
    keys = parseAgentKeys(c.env.AGENT_KEYS);
  } catch (error) {
    if (!(error instanceof AgentKeysError)) throw error;
    throw new Problem({
      status: 403,
      title: "Forbidden",
      detail: `telemetry is disabled: ${error.message} (wrangler secret put AGENT_KEYS, or .dev.vars)`,
      errors: [{ path: `header.${AGENT_HEADER}`, message: "agent keys not configured on the server" }],
    });
  }
  const agent = c.req.header(AGENT_HEADER);
  const timestamp = c.req.header(TIMESTAMP_HEADER);
  const signature = c.req.header(SIGNATURE_HEADER);
  for (const [name, value] of [[AGENT_HEADER, agent], [TIMESTAMP_HEADER, timestamp], [SIGNATURE_HEADER, signature]] as const) {
    if (!value) throw rejected(name, `missing ${name}: sign "<timestamp>\\n<node>\\n<endpoint>\\n<models>\\n<query fields>\\n<body>" with HMAC-SHA256`);
  }
  if (!/^\d{1,12}$/.test(timestamp!)) throw rejected(TIMESTAMP_HEADER, "X-Timestamp must be Unix time in whole seconds");
  const config = keys.get(agent!);
  if (!config) throw rejected(AGENT_HEADER, `unknown agent '${agent}'`);
  const metadata: SignedMetadata = {};
  for (const name of SIGNED_HEADERS) metadata[name] = c.req.header(name) ?? "";
  if (!(await verify(config.keys, timestamp!, body, signature!, metadata))) {
    throw rejected(SIGNATURE_HEADER, "signature does not match the timestamp, the X-Node-* / X-Models / X-Query-Fields headers and the body");
  }
  const skew = Math.abs(Date.now() / 1000 - Number(timestamp));
  if (skew > MAX_SKEW_S) {
    throw rejected(TIMESTAMP_HEADER, `X-Timestamp is ${Math.round(skew)} s away from the router's clock; at most ${MAX_SKEW_S} s allowed`);
  }
  c.set("agent", { id: agent!, config, keys });
  await next();
};
