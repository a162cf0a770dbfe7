/**
 * The agent's release and the command that runs it, for `--version`, `--help` and every push
 * (the snapshot's agent_version). Run from a clone (`npm run agent`), the release is
 * package.json's version; the bundle (scripts/build-agent.js) inlines the same value, and marks
 * itself through esbuild's `define` of __AGENT_BUNDLE__ so its help names the command that ran it.
 */
import { basename } from "node:path";
import { version } from "../../package.json";

declare const __AGENT_BUNDLE__: boolean | undefined;

/** This agent's release, e.g. "0.2.0" (package.json's `version`). */
export const AGENT_VERSION: string = version;

/**
 * How a person runs the agent, for --help and usage errors: `npm run agent --` in a clone;
 * `node agent.mjs` when the bundle is run by its file name; `edge-model-router agent` through
 * the package's bin (npx, or an installed package), whose path does not end in .mjs.
 */
function command(): string {
  if (typeof __AGENT_BUNDLE__ === "undefined") return "npm run agent --";
  const script = basename(process.argv[1] ?? "");
  return script.endsWith(".mjs") ? `node ${script}` : "edge-model-router agent";
}

export const AGENT_COMMAND: string = command();
