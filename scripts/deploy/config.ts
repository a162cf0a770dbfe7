/**
 * Checks one wrangler environment ([env.staging], [env.production]) of wrangler.toml before a
 * deploy: everything Cloudflare would accept but that would not work, or would deploy the demo.
 *
 * - KV namespace ids are real (32 hex digits, not the demo's zeros or a placeholder);
 * - the environment has every KV and Durable Object binding the top level has (wrangler does not
 *   inherit bindings: a missing one is a worker without it);
 * - every Durable Object class has a migration that creates it;
 * - routes, custom domains and vars hold no placeholder (example.com, REPLACE…, <…>);
 * - no secret sits in [vars], where it would be committed in plain text.
 *
 * The top level itself is the local demo (`npm start`, tests): deploying it is refused.
 */
import { MAY_BE_VARS, SECRETS } from "./secrets";

/** wrangler.toml as smol-toml parses it: plain objects, arrays and strings. */
export type Toml = Record<string, unknown>;

export interface ConfigFinding {
  /** Where in wrangler.toml, e.g. env.production.kv_namespaces[0].id */
  path: string;
  problem: string;
}

export interface EnvironmentCheck {
  /** The Worker's name on Cloudflare: env.name, else "<name>-<env>" as wrangler derives it. */
  worker: string;
  findings: ConfigFinding[];
  /** The environment's [vars], for secrets that may be vars (NODE_ENDPOINT_ALLOW). */
  vars: Record<string, string>;
}

/** Values that were never filled in. */
export const PLACEHOLDER = /example\.(com|net|org)|replace|placeholder|your[-_]|<[^>]*>|^0+$/i;
const KV_ID = /^[0-9a-f]{32}$/;

const record = (value: unknown): Toml => (typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Toml) : {});
const list = (value: unknown): Toml[] => (Array.isArray(value) ? value.map(record) : []);
const text = (value: unknown): string => (typeof value === "string" ? value : "");

function doBindings(section: Toml): Toml[] {
  return list(record(section["durable_objects"])["bindings"]);
}

function routesOf(env: Toml): Array<{ path: string; pattern: string }> {
  const routes: Array<{ path: string; pattern: string }> = [];
  if (env["route"] !== undefined) routes.push({ path: "route", pattern: text(env["route"]) || text(record(env["route"])["pattern"]) });
  if (Array.isArray(env["routes"])) {
    env["routes"].forEach((route, i) => routes.push({ path: `routes[${i}].pattern`, pattern: typeof route === "string" ? route : text(record(route)["pattern"]) }));
  }
  return routes;
}

/** Every problem of `[env.<name>]` in `config`; `name` "" (the top level) is itself a problem. */
export function checkEnvironment(config: Toml, name: string): EnvironmentCheck {
  const findings: ConfigFinding[] = [];
  const envs = record(config["env"]);
  if (name === "" || !(name in envs)) {
    const known = Object.keys(envs);
    findings.push({
      path: name === "" ? "--env" : `env.${name}`,
      problem: `${name === "" ? "no environment given" : `no [env.${name}] in the config`}: deploy one of ${known.length ? known.join(", ") : "(none defined)"}; the top level is the local demo and is never deployed`,
    });
    return { worker: text(config["name"]), findings, vars: {} };
  }
  const env = record(envs[name]);
  const at = (path: string) => `env.${name}.${path}`;
  const worker = text(env["name"]) || `${text(config["name"])}-${name}`;

  const accountId = text(env["account_id"]) || text(config["account_id"]);
  if (accountId !== "" && (!KV_ID.test(accountId) || PLACEHOLDER.test(accountId))) {
    findings.push({ path: env["account_id"] !== undefined ? at("account_id") : "account_id", problem: `placeholder account id '${accountId}': the 32-hex-digit id wrangler whoami prints` });
  }

  const kv = list(env["kv_namespaces"]);
  for (const top of list(config["kv_namespaces"])) {
    const binding = text(top["binding"]);
    const index = kv.findIndex((k) => text(k["binding"]) === binding);
    if (index < 0) {
      findings.push({ path: at("kv_namespaces"), problem: `no ${binding} binding: bindings are not inherited, add [[env.${name}.kv_namespaces]] binding = "${binding}"` });
      continue;
    }
    const id = text(kv[index]!["id"]);
    if (!KV_ID.test(id) || PLACEHOLDER.test(id)) {
      findings.push({ path: at(`kv_namespaces[${index}].id`), problem: `placeholder id '${id}' for ${binding}: create the namespace with npx wrangler kv namespace create ${binding} --env ${name} and put its id here` });
    }
  }

  const objects = doBindings(env);
  for (const top of doBindings(config)) {
    const binding = text(top["name"]);
    const found = objects.find((o) => text(o["name"]) === binding);
    if (!found) findings.push({ path: at("durable_objects.bindings"), problem: `no ${binding} binding (class ${text(top["class_name"])}): Durable Object bindings are not inherited` });
    else if (text(found["class_name"]) !== text(top["class_name"])) {
      findings.push({ path: at("durable_objects.bindings"), problem: `${binding} is bound to ${text(found["class_name"])}, the code exports ${text(top["class_name"])} for it` });
    }
  }
  const migrations = list(env["migrations"] ?? config["migrations"]);
  const created = new Set(migrations.flatMap((m) => [...(Array.isArray(m["new_sqlite_classes"]) ? m["new_sqlite_classes"] : []), ...(Array.isArray(m["new_classes"]) ? m["new_classes"] : [])]));
  for (const o of objects) {
    const cls = text(o["class_name"]);
    if (!created.has(cls)) findings.push({ path: "migrations", problem: `no migration creates Durable Object class ${cls} (add new_sqlite_classes = ["${cls}"] in a new [[migrations]] tag)` });
  }

  const routes = routesOf(env);
  for (const route of routes) {
    if (route.pattern === "" || PLACEHOLDER.test(route.pattern)) findings.push({ path: at(route.path), problem: `placeholder route or custom domain '${route.pattern}': your own host name` });
  }
  if (routes.length === 0 && env["workers_dev"] !== true) {
    findings.push({ path: at("routes"), problem: "no route or custom domain, and workers_dev is off: the worker would not be reachable" });
  }

  const vars: Record<string, string> = {};
  for (const [key, value] of Object.entries(record(env["vars"]))) {
    vars[key] = typeof value === "string" ? value : JSON.stringify(value);
    if (SECRETS.some((s) => s.name === key) && !MAY_BE_VARS.has(key)) {
      findings.push({ path: at(`vars.${key}`), problem: `${key} is a secret: [vars] are committed in plain text; use npx wrangler secret put ${key} --env ${name}` });
    } else if (PLACEHOLDER.test(vars[key]!)) {
      findings.push({ path: at(`vars.${key}`), problem: `placeholder value '${vars[key]}'` });
    }
  }
  return { worker, findings, vars };
}
