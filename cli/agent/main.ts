/**
 * `npm run agent -- <command>` (or the bundle: `node agent.mjs <command>`): the on-prem telemetry
 * agent. Commands: run (push every interval), once (one push; the exit code says whether it was
 * accepted), parse (print the normalized snapshot); --version prints the release every push sends.
 * index.ts runs it from a clone, bin.ts from the bundle; tests import it or spawn either.
 */
import { UsageError, parseCommandLine } from "../shared/args";
import type { CliIo } from "../shared/io";
import { runLoop, sleepFor } from "./loop";
import { FLAGS, agentOptions, type AgentOptions } from "./options";
import { pushSnapshot, type PushTarget } from "./push";
import { SampleError, nextSeq } from "./sample";
import { HELP } from "./help";
import { AGENT_COMMAND, AGENT_VERSION } from "./version";
import { EngineReader, describeEngine } from "./engines";
import { engineModelWarnings } from "./engines/models-check";
import { sampleNode } from "./engines/sample-node";

/** Exit codes of `once` (and of every command for usage and sampling errors). */
export const EXIT = { accepted: 0, rejected: 1, usage: 2, sample: 3, unreachable: 4 } as const;

export async function main(argv: string[], io: CliIo, signal?: AbortSignal): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === undefined || command === "help" || command === "--help" || command === "-h") {
      io.stdout.write(HELP.agent);
      return command === undefined ? EXIT.usage : 0;
    }
    if (command === "--version" || command === "-V" || command === "version") {
      io.stdout.write(`${AGENT_VERSION}\n`);
      return 0;
    }
    if (command !== "run" && command !== "once" && command !== "parse") throw new UsageError(`unknown command '${command}'`);
    const { values, positionals } = parseCommandLine(rest, FLAGS);
    if (values.help) {
      io.stdout.write(HELP[command]);
      return 0;
    }
    if (command === "parse") {
      if (positionals.length !== 1) throw new UsageError("parse takes exactly one FILE");
      return await parseCommand({ ...agentOptions(values, false), fromFile: positionals[0]! }, io);
    }
    if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
    const options = agentOptions(values, true);
    return command === "once" ? await onceCommand(options, io) : await runCommand(options, io, signal);
  } catch (error) {
    if (error instanceof UsageError) {
      // An unknown command has no --help of its own: point at the list of commands instead.
      const known = command === "run" || command === "once" || command === "parse";
      io.stderr.write(`agent: ${error.message}\n(see ${AGENT_COMMAND} ${known ? `${command} ` : ""}--help)\n`);
      return EXIT.usage;
    }
    if (error instanceof SampleError) {
      io.stderr.write(`agent: ${error.message}\n`);
      return EXIT.sample;
    }
    throw error;
  }
}

/** Engine notes go to stderr, so `parse` keeps stdout pure JSON. */
function stderrReader(options: AgentOptions, io: CliIo): EngineReader {
  return new EngineReader(options.engines, options.engineTimeoutMs, (line) => io.stderr.write(`agent: ${line}\n`));
}

async function parseCommand(options: AgentOptions, io: CliIo): Promise<number> {
  const now = Date.now();
  const snapshot = await sampleNode(options, stderrReader(options, io), nextSeq(0, now), now);
  io.stdout.write(`${JSON.stringify(snapshot, null, 2)}\n`);
  return 0;
}

function target(options: AgentOptions): PushTarget {
  return { url: options.url!, agentId: options.agentId, key: options.key!, timeoutMs: options.timeoutMs };
}

async function onceCommand(options: AgentOptions, io: CliIo): Promise<number> {
  const now = Date.now();
  const snapshot = await sampleNode(options, stderrReader(options, io), nextSeq(0, now), now);
  const result = await pushSnapshot(target(options), snapshot);
  const engines = snapshot.engines.length ? ` engines=${snapshot.engines.length}` : "";
  const line = `push node=${snapshot.node} seq=${snapshot.seq} gpus=${snapshot.gpus.length}${engines} -> ${result.status ?? "no answer"} ${result.detail} (${result.ms} ms)\n`;
  if (result.outcome === "accepted") {
    io.stdout.write(line);
    for (const engine of snapshot.engines) io.stdout.write(`${describeEngine(engine)}\n`);
    for (const warning of engineModelWarnings(result.body, options.models)) io.stderr.write(`agent: warning: ${warning}\n`);
    return EXIT.accepted;
  }
  io.stderr.write(line);
  return result.outcome === "rejected" ? EXIT.rejected : EXIT.unreachable;
}

async function runCommand(options: AgentOptions, io: CliIo, external?: AbortSignal): Promise<number> {
  const stop = new AbortController();
  const onSignal = (name: string) => () => {
    io.stderr.write(`agent: ${name}, stopping\n`);
    stop.abort();
  };
  const handlers = { SIGINT: onSignal("SIGINT"), SIGTERM: onSignal("SIGTERM") };
  for (const [name, handler] of Object.entries(handlers)) process.on(name, handler);
  external?.addEventListener("abort", () => stop.abort(), { once: true });
  io.stderr.write(`agent ${AGENT_VERSION}: pushing node '${options.nodeName}' to ${options.url} every ${options.intervalMs / 1000}s as '${options.agentId}'\n`);
  // A sample failure spans lines (the quoted output, a hint): each one gets the timestamp.
  const log = (text: string) => {
    const at = new Date().toISOString();
    io.stdout.write(text.split("\n").map((line) => `${at} ${line}\n`).join(""));
  };
  const engines = new EngineReader(options.engines, options.engineTimeoutMs, log);
  let lastWarnings = "";
  try {
    const accepted = await runLoop({
      intervalMs: options.intervalMs,
      maxBackoffMs: options.maxBackoffMs,
      sample: (previous, now) => sampleNode(options, engines, nextSeq(previous, now), now),
      push: async (snapshot, signal) => {
        const result = await pushSnapshot(target(options), snapshot, signal);
        if (result.outcome === "accepted") {
          const warnings = engineModelWarnings(result.body, options.models);
          // Said when they change, not on every push.
          if (warnings.join("\n") !== lastWarnings) for (const w of warnings) log(`warning: ${w}`);
          lastWarnings = warnings.join("\n");
        }
        return result;
      },
      now: () => Date.now(),
      sleep: sleepFor,
      random: Math.random,
      log,
      signal: stop.signal,
    });
    io.stderr.write(`agent: stopped after ${accepted} accepted pushes\n`);
    return 0;
  } finally {
    for (const [name, handler] of Object.entries(handlers)) process.off(name, handler);
  }
}
