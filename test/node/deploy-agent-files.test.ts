/**
 * deploy/agent/, checked as far as a machine without systemd running, a container engine or a
 * cluster allows: the systemd unit with `systemd-analyze verify` (Debian's systemd package), the
 * DaemonSet against the Kubernetes API schema (kubernetes-models' validators) and field by field,
 * and the Dockerfile parsed (dockerfile-ast) to show it ships Node and the bundle and nothing of
 * NVIDIA's. Every file must start the agent the same way: `node …/agent.mjs run` with a key file.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { DockerfileParser } from "dockerfile-ast";
import { DaemonSet } from "kubernetes-models/apps/v1/DaemonSet";
import { ConfigMap } from "kubernetes-models/v1/ConfigMap";
import { Namespace } from "kubernetes-models/v1/Namespace";
import { FLAGS } from "../../cli/agent/options";
import { REPO_ROOT } from "./agent-support";

const DIR = join(REPO_ROOT, "deploy/agent");
const read = (file: string) => readFileSync(join(DIR, file), "utf8");

/** The agent's flags in an argument list, each a real flag of the agent. */
function agentFlags(args: string[]): string[] {
  const flags = args.filter((a) => a.startsWith("--")).map((a) => a.slice(2));
  for (const flag of flags) expect(Object.keys(FLAGS), `--${flag}`).toContain(flag);
  return flags;
}

describe("systemd unit", () => {
  const unit = read("edge-model-router-agent.service");
  const value = (key: string) => [...unit.matchAll(new RegExp(`^${key}=(.*)$`, "gm"))].map((m) => m[1]!);

  it("passes systemd-analyze verify (only keys newer than this systemd are reported)", () => {
    const version = Number(/systemd (\d+)/.exec(execFileSync("systemd-analyze", ["--version"], { encoding: "utf8" }))![1]);
    const run = spawnSync("systemd-analyze", ["verify", join(DIR, "edge-model-router-agent.service")], { encoding: "utf8" });
    expect(run.status, run.stderr).toBe(0);
    const lines = `${run.stdout}${run.stderr}`.split("\n").filter((l) => l.trim() !== "");
    // RestartSteps and RestartMaxDelaySec came with systemd 254; older ones ignore them (fixed 5 s delay).
    const newer = version < 254 ? /Unknown key '(RestartSteps|RestartMaxDelaySec)' in section \[Service\], ignoring\.$/ : /^$/;
    expect(lines.filter((l) => !newer.test(l))).toEqual([]);
  });

  it("runs the bundle as an unprivileged user, with the key from a file and no secret in the unit", () => {
    expect(value("User")).toEqual(["edge-router-agent"]);
    expect(value("Group")).toEqual(["edge-router-agent"]);
    const exec = value("ExecStart")[0]!.split(/\s+/);
    expect(exec.slice(0, 4)).toEqual(["/usr/bin/env", "node", "/opt/edge-model-router/agent.mjs", "run"]);
    expect(agentFlags(exec)).toEqual(["url", "agent-id", "key-file", "node-endpoint"]);
    expect(exec[exec.indexOf("--key-file") + 1]).toBe("/etc/edge-model-router/agent.key");
    expect(value("EnvironmentFile")).toEqual(["/etc/edge-model-router/agent.env"]);
    expect(value("NoNewPrivileges")).toEqual(["yes"]);
    expect(value("CapabilityBoundingSet")).toEqual([""]);
    // The header tells how the key file is made readable by that user alone.
    expect(unit).toMatch(/agent\.key\s+the agent's key, mode 0400, owned by edge-router-agent/);
  });

  it("restarts whatever the exit, with a growing delay and no start limit", () => {
    expect(value("Restart")).toEqual(["always"]);
    expect(value("RestartSec")).toEqual(["5s"]);
    expect(value("RestartSteps")).toEqual(["6"]);
    expect(value("RestartMaxDelaySec")).toEqual(["5min"]);
    expect(value("StartLimitIntervalSec")).toEqual(["0"]);
  });

  it("its environment file example sets every variable ExecStart uses", () => {
    const used = new Set([...value("ExecStart")[0]!.matchAll(/\$\{?([A-Z_]+)\}?/g)].map((m) => m[1]!));
    const example = read("agent.env.example");
    const set = new Set([...example.matchAll(/^([A-Z_]+)=/gm)].map((m) => m[1]!));
    expect([...used].sort()).toEqual([...set].sort());
  });
});

describe("Kubernetes DaemonSet", () => {
  const docs = parseAllDocuments(read("daemonset.yaml")).map((d) => {
    expect(d.errors).toEqual([]);
    return d.toJS() as Record<string, any>;
  });
  const daemonSet = docs.find((d) => d["kind"] === "DaemonSet")!;
  const pod = daemonSet["spec"]["template"]["spec"];
  const container = pod["containers"][0];

  it("validates against the Kubernetes API schema, and the validator does catch a wrong field", () => {
    expect(docs.map((d) => d["kind"])).toEqual(["Namespace", "ConfigMap", "DaemonSet"]);
    expect(() => new Namespace(docs[0] as never).validate()).not.toThrow();
    expect(() => new ConfigMap(docs[1] as never).validate()).not.toThrow();
    expect(() => new DaemonSet(daemonSet as never).validate()).not.toThrow();
    const broken = structuredClone(daemonSet);
    broken["spec"]["template"]["spec"]["containers"][0]["args"] = "run";
    expect(() => new DaemonSet(broken as never).validate()).toThrow(/args must be array/);
  });

  it("runs on GPU nodes through NVIDIA's runtime without taking a GPU", () => {
    expect(pod["nodeSelector"]).toEqual({ "nvidia.com/gpu.present": "true" });
    expect(pod["runtimeClassName"]).toBe("nvidia");
    expect(JSON.stringify(container["resources"])).not.toContain("nvidia.com/gpu");
    expect(container["env"]).toContainEqual({ name: "NVIDIA_DRIVER_CAPABILITIES", value: "utility" });
  });

  it("takes the key from a Secret and the engine URL from the pod's node", () => {
    const args: string[] = container["args"];
    expect(args[0]).toBe("run");
    expect(agentFlags(args)).toEqual(["url", "agent-id", "key-file", "node-name", "node-endpoint"]);
    expect(args[args.indexOf("--node-endpoint") + 1]).toBe("http://$(NODE_IP):$(ENGINE_PORT)");
    expect(args[args.indexOf("--node-name") + 1]).toBe("$(NODE_NAME)");
    expect(container["env"]).toContainEqual({ name: "NODE_IP", valueFrom: { fieldRef: { fieldPath: "status.hostIP" } } });
    expect(container["env"]).toContainEqual({ name: "NODE_NAME", valueFrom: { fieldRef: { fieldPath: "spec.nodeName" } } });
    const keyDir = container["volumeMounts"].find((m: { name: string }) => m.name === "agent-key");
    expect(`${keyDir.mountPath}/agent.key`).toBe(args[args.indexOf("--key-file") + 1]);
    const volume = pod["volumes"].find((v: { name: string }) => v.name === "agent-key");
    expect(volume.secret).toMatchObject({ secretName: "edge-model-router-agent-key", defaultMode: 0o440 /* 288 */, items: [{ key: "agent.key", path: "agent.key" }] });
    // Every $(VAR) the arguments use is defined in the container's env.
    const defined = new Set(container["env"].map((e: { name: string }) => e.name));
    for (const [, name] of args.join(" ").matchAll(/\$\(([A-Z_]+)\)/g)) expect(defined, name).toContain(name);
  });

  it("runs unprivileged: non-root, no privilege escalation, read-only root, no capabilities", () => {
    expect(pod["securityContext"]).toMatchObject({ runAsNonRoot: true, runAsUser: 1000 });
    expect(container["securityContext"]).toEqual({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } });
    expect(pod["automountServiceAccountToken"]).toBe(false);
  });
});

describe("Dockerfile", () => {
  const dockerfile = DockerfileParser.parse(read("Dockerfile"));
  const instructions = dockerfile.getInstructions().map((i) => ({ keyword: i.getKeyword(), args: i.getArguments().map((a) => a.getValue()) }));

  it("parses, and is Node's image plus the bundled agent", () => {
    expect(instructions.map((i) => i.keyword)).toEqual(["FROM", "ENV", "COPY", "USER", "ENTRYPOINT", "CMD"]);
    expect(dockerfile.getFROMs()[0]!.getImageName()).toBe("node");
    expect(dockerfile.getFROMs()[0]!.getImageTag()).toMatch(/^20-/);
    const copy = instructions.find((i) => i.keyword === "COPY")!;
    expect(copy.args).toEqual(["dist/agent.mjs", "/opt/edge-model-router/agent.mjs"]);
    expect(dockerfile.getCOPYs()[0]!.getFlags().map((f) => `${f.getName()}=${f.getValue()}`)).toEqual(["chmod=0644"]);
    expect(instructions.find((i) => i.keyword === "ENTRYPOINT")!.args.join(" ")).toBe('["node", "/opt/edge-model-router/agent.mjs"]');
    expect(instructions.find((i) => i.keyword === "USER")!.args).toEqual(["node"]);
  });

  it("ships nothing of NVIDIA's: no NVIDIA base image, no install step, no copied driver files", () => {
    const image = dockerfile.getFROMs().map((f) => f.getImageName() ?? "");
    expect(image.filter((name) => /nvidia|cuda/i.test(name))).toEqual([]);
    expect(instructions.filter((i) => ["RUN", "ADD"].includes(i.keyword))).toEqual([]);
    const copied = instructions.filter((i) => i.keyword === "COPY").flatMap((i) => i.args);
    expect(copied.filter((a) => /nvidia|cuda|libnv/i.test(a))).toEqual([]);
    // It asks the NVIDIA container toolkit for nvidia-smi at run time instead.
    const env = instructions.find((i) => i.keyword === "ENV")!.args.join(" ");
    expect(env).toContain("NVIDIA_DRIVER_CAPABILITIES=utility");
    expect(env).toContain("NVIDIA_VISIBLE_DEVICES=all");
  });
});
