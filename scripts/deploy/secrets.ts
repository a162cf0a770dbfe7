/**
 * The secrets a deployed router needs, and the checks `npm run deploy` runs on their values before
 * anything is uploaded. One list for the deploy script, the dry run and docs/deploy.md (a test
 * checks that the guide's `wrangler secret put` steps name exactly these, and that every secret
 * docs/security.md and .dev.vars.example know is here).
 *
 * Values are parsed with the worker's own parsers (AGENT_KEYS, NODE_TOKENS, NODE_ENDPOINT_ALLOW),
 * so a value the worker would refuse at run time is refused before the deploy. Messages name the
 * secret and what is wrong, never the value.
 */
import { parseAgentKeys, AgentKeysError } from "../../src/telemetry/agent-keys";
import { NodeTokensSchema } from "../../src/telemetry/node-tokens";
import { AllowlistError, parseAllowlist } from "../../src/telemetry/endpoint-allowlist";

export interface SecretSpec {
  name: string;
  /** Needed in every deployed environment; optional ones only get a note when missing. */
  required: boolean;
  /** What it does, for the guide and the script's messages. */
  purpose: string;
  /** A problem with a present value, or null when it is fine. */
  check(value: string): string | null;
}

/** Admin, client and scraper tokens: long enough that guessing is hopeless (openssl rand -hex 32 gives 64). */
export const MIN_TOKEN_CHARS = 32;

const token = (value: string): string | null =>
  value.length >= MIN_TOKEN_CHARS ? null : `shorter than ${MIN_TOKEN_CHARS} characters (use openssl rand -hex 32)`;

export const SECRETS: readonly SecretSpec[] = [
  {
    name: "ADMIN_TOKEN",
    required: true,
    purpose: "admin calls (PUT /v1/registry, experiments, DELETE /v1/fleet/nodes) and the dashboard login",
    check: token,
  },
  {
    name: "AGENT_KEYS",
    required: true,
    purpose: "each agent's HMAC keys (two during a rotation), optionally its nodes and node cap",
    check: (value) => {
      try {
        parseAgentKeys(value);
        return null;
      } catch (error) {
        if (error instanceof AgentKeysError) return error.message.replace(/^AGENT_KEYS /, "");
        throw error;
      }
    },
  },
  {
    name: "CLIENT_KEYS",
    required: true,
    purpose: "the keys clients route and chat with; unset, the client endpoints are open to anyone",
    check: (value) => {
      const keys = value.split(",").map((k) => k.trim()).filter((k) => k !== "");
      if (keys.length === 0) return "lists no key";
      return keys.some((k) => k.length < MIN_TOKEN_CHARS) ? `a key is shorter than ${MIN_TOKEN_CHARS} characters` : null;
    },
  },
  {
    name: "NODE_TOKENS",
    required: true,
    purpose: "the bearer token the gateway sends each node's inference server (per node or per name prefix)",
    check: (value) => {
      let json: unknown;
      try {
        json = JSON.parse(value);
      } catch {
        return "is not valid JSON";
      }
      const parsed = NodeTokensSchema.safeParse(json);
      return parsed.success ? null : `is not a JSON object of node name (or prefix*) -> token of 16+ characters (${parsed.error.issues[0]?.message ?? "invalid"})`;
    },
  },
  {
    name: "NODE_ENDPOINT_ALLOW",
    required: true,
    purpose: "the hosts, CIDRs and ports node endpoints may use (not secret: a [vars] entry works too)",
    check: (value) => {
      try {
        return parseAllowlist(value) === null ? "is empty" : null;
      } catch (error) {
        if (error instanceof AllowlistError) return error.message;
        throw error;
      }
    },
  },
  {
    name: "METRICS_TOKEN",
    required: false,
    purpose: "a scraper's own token for GET /metrics; unset, /metrics takes the admin token",
    check: token,
  },
  {
    name: "NODE_TOKEN",
    required: false,
    purpose: "fallback token for nodes NODE_TOKENS does not list (one token shared by those nodes)",
    check: (value) => (value.length >= 16 ? null : "shorter than 16 characters"),
  },
];

/** Secrets that may also be plain [vars] in the environment's config (not secret). */
export const MAY_BE_VARS: ReadonlySet<string> = new Set(["NODE_ENDPOINT_ALLOW"]);

/** Text that marks a value as the committed demo's or a placeholder, never to be deployed. */
const DEMO_MARKERS = [/not-secret/i, /^demo-/i, /"demo-/i, /change[-_ ]?me/i, /replace[-_ ]?me/i, /example\.(com|net|org)/i];

export interface SecretFinding {
  name: string;
  problem: string;
}

/**
 * Checks the secrets a deploy would have: `values` maps each name to its value, or to true when
 * only its presence is known (listed by `wrangler secret list`). Returns every problem: required
 * ones missing, demo or placeholder values, values the worker would refuse.
 */
export function checkSecrets(values: ReadonlyMap<string, string | true>): { problems: SecretFinding[]; notes: SecretFinding[] } {
  const problems: SecretFinding[] = [];
  const notes: SecretFinding[] = [];
  for (const spec of SECRETS) {
    const value = values.get(spec.name);
    if (value === undefined || value === "") {
      (spec.required ? problems : notes).push({ name: spec.name, problem: spec.required ? `missing: ${spec.purpose}` : `not set: ${spec.purpose}` });
      continue;
    }
    if (value === true) continue;
    if (DEMO_MARKERS.some((marker) => marker.test(value))) {
      problems.push({ name: spec.name, problem: "holds a demo or placeholder value (.dev.vars.example's, or example.com)" });
      continue;
    }
    const problem = spec.check(value);
    if (problem !== null) problems.push({ name: spec.name, problem });
  }
  return { problems, notes };
}
