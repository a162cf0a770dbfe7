/**
 * What the agent says when nvidia-smi fails or prints something that is not its output: the
 * command, its exit status with nvidia-smi's documented meaning, the first lines it printed
 * (quoted, numbered, per stream) and, for the well-known NVML and driver failures, a one-line
 * hint. nvidia-smi prints its own errors on stdout ("Failed to initialize NVML: …"), so both
 * streams are quoted; a bare "Command failed" hides the only useful line.
 *
 * Sources: exit statuses 0–15 and 255 are nvidia-smi(1) "RETURN VALUE"; nvidia-smi exits with
 * NVML's nvmlReturn_t, so 16–18 carry nvml.h's names. The messages and their usual causes are
 * from public reports: NVIDIA/nvidia-docker#1730 (containers losing their GPUs after
 * `systemctl daemon-reload`), NVIDIA/open-gpu-kernel-modules#387 and JosephKJ/OWOD#81 (device
 * handle errors, "GPU is lost"), greshake/i3status-rust#771 (version mismatch after a driver
 * upgrade, exit 0 with a message on stdout), NVIDIA/gpu-operator#20 (infoROM warning).
 */

/** How one run of the tool ended, as node:child_process reports it. */
export interface ToolRun {
  /** What was run, short enough for one line: "nvidia-smi --query-gpu=<16 fields> …". */
  command: string;
  /** The exit status; null when the process was killed or never started. */
  status: number | null;
  /** The signal that ended it ("SIGTERM"), or null. */
  signal: string | null;
  stdout: string;
  stderr: string;
  /** Node's code when the process could not be started ("ENOENT", "EACCES"), else null. */
  spawnError: string | null;
  /** Set when the agent stopped it after this many milliseconds (--timeout). */
  timedOutAfterMs: number | null;
  /** Why the agent stopped it otherwise ("stdout maxBuffer length exceeded"), or null. */
  stoppedBecause: string | null;
}

/** nvidia-smi's exit statuses (nvidia-smi(1); 16–18 from nvml.h's nvmlReturn_t). */
export const EXIT_MEANINGS: Readonly<Record<number, string>> = {
  2: "a supplied argument or flag is invalid",
  3: "the requested operation is not available on the target device",
  4: "the current user does not have permission to access the device",
  6: "a query to find an object was unsuccessful",
  8: "a device's external power cables are not properly attached",
  9: "the NVIDIA driver is not loaded",
  10: "the NVIDIA kernel detected an interrupt issue with a GPU",
  12: "the NVML shared library could not be found or loaded",
  13: "the local version of NVML does not implement this function",
  14: "the infoROM is corrupted",
  15: "the GPU has fallen off the bus or has otherwise become inaccessible",
  16: "the GPU requires a reset before it can be used again",
  17: "the GPU control device has been blocked by the operating system or cgroups",
  18: "the driver's kernel module and library versions do not match",
  255: "other error or internal driver error",
};

interface KnownFailure {
  /** Matched against everything the tool printed. */
  text: RegExp;
  /** Exit statuses that mean the same failure when the text is not recognised. */
  statuses: readonly number[];
  hint: string;
}

/** Most specific first: the first match gives the hint. */
const KNOWN: readonly KnownFailure[] = [
  {
    text: /driver\/library version mismatch/i,
    statuses: [18],
    hint: "the loaded NVIDIA kernel module is not the version of the installed driver libraries, usually after a driver upgrade without a reboot: reboot the node (or unload and reload the nvidia kernel modules)",
  },
  {
    text: /GPU is lost|fallen off the bus/i,
    statuses: [15],
    hint: "a GPU fell off the bus (look for Xid 79 in `dmesg`): reboot the node to recover it, and check its power and seating if it happens again",
  },
  {
    text: /requires a reset|GPU requires reset/i,
    statuses: [16],
    hint: "a GPU needs a reset: drain it, then `nvidia-smi --gpu-reset -i <index>` or reboot the node",
  },
  {
    text: /couldn't communicate with the NVIDIA driver|driver is not loaded/i,
    statuses: [9],
    hint: "the NVIDIA kernel module is not loaded (`lsmod | grep nvidia` is empty): load it, or rebuild it for the running kernel (DKMS) after a kernel upgrade",
  },
  {
    text: /libnvidia-ml\.so|NVML Shared Library Not Found/i,
    statuses: [12],
    hint: "NVML's library (libnvidia-ml.so) is missing or not on the loader path: install the driver's user-space libraries, or run the container with the NVIDIA container runtime",
  },
  {
    text: /Failed to initialize NVML: Unknown Error/i,
    statuses: [17],
    hint: "inside a container this usually means it lost its GPU devices after `systemctl daemon-reload` on the host (NVIDIA/nvidia-docker#1730): restart the container",
  },
  {
    text: /Insufficient Permissions|No permission/i,
    statuses: [4],
    hint: "this user cannot open /dev/nvidia*: run the agent as a user in the group that owns the GPU devices",
  },
  {
    text: /No devices were found/i,
    statuses: [6],
    hint: "the driver sees no GPU: in a container pass the GPUs (`--gpus all`, NVIDIA_VISIBLE_DEVICES); otherwise check `lspci | grep -i nvidia`",
  },
  {
    text: /Unable to determine the device handle/i,
    statuses: [],
    hint: "one GPU did not answer NVML: look for Xid errors in `dmesg`; a reboot (or reseating the card) usually recovers it",
  },
  {
    text: /infoROM is corrupted/i,
    statuses: [14],
    hint: "a GPU's infoROM is corrupted, so its readings cannot be trusted: have the board checked (the vendor's RMA process)",
  },
  {
    text: /Unknown Error/i,
    statuses: [255],
    hint: "NVML reported an internal error: look for Xid errors in `dmesg`; a reboot usually clears it",
  },
];

/** The hint for a known failure, from the printed text first and the exit status second. */
export function hintFor(output: string, status: number | null): string | null {
  return KNOWN.find((k) => k.text.test(output))?.hint ?? KNOWN.find((k) => status !== null && k.statuses.includes(status))?.hint ?? null;
}

/** How many lines of each stream are quoted, and how much of each line. */
const QUOTED_LINES = 5;
const QUOTED_CHARS = 200;

/**
 * `text`'s first lines, numbered from 1 and labelled ("stdout 1 | …"); `mark` (a 1-based line
 * number, e.g. from a ParseError) is quoted too when it lies further down.
 */
export function quoteLines(text: string, label: string, mark?: number): string[] {
  const lines = text.replace(/\r/g, "").replace(/\n+$/, "").split("\n");
  if (text.trim() === "") return [];
  const shown = lines.slice(0, QUOTED_LINES).map((line, i) => quote(label, i + 1, line));
  if (mark !== undefined && mark > QUOTED_LINES && mark <= lines.length) {
    if (mark > QUOTED_LINES + 1) shown.push("  …");
    shown.push(quote(label, mark, lines[mark - 1]!));
  }
  const last = Math.max(QUOTED_LINES, mark ?? 0);
  if (lines.length > last) shown.push(`  … ${lines.length - last} more line${lines.length - last === 1 ? "" : "s"}`);
  return shown;
}

function quote(label: string, n: number, line: string): string {
  const clipped = line.length > QUOTED_CHARS ? `${line.slice(0, QUOTED_CHARS)}…` : line;
  return `  ${label}${label ? " " : ""}${n} | ${clipped}`;
}

function printed(run: ToolRun, mark?: number): string[] {
  const quoted = [...quoteLines(run.stdout, "stdout", mark), ...quoteLines(run.stderr, "stderr")];
  return quoted.length > 0 ? quoted : ["  (it printed nothing)"];
}

function withHint(lines: string[], hint: string | null): string {
  return (hint ? [...lines, `  hint: ${hint}`] : lines).join("\n");
}

/** The message for a run that could not start, timed out, was killed or exited non-zero. */
export function describeRunFailure(run: ToolRun): string {
  const binary = run.command.split(" ")[0]!;
  if (run.spawnError === "ENOENT") {
    return withHint([`${run.command}: cannot run '${binary}': not found`], "install the NVIDIA driver (it ships nvidia-smi), pass --nvidia-smi PATH, or --from-file FILE to replay a capture");
  }
  if (run.spawnError !== null && run.status === null && run.signal === null) {
    return withHint([`${run.command}: cannot run '${binary}': ${run.spawnError}`], run.spawnError === "EACCES" ? `'${binary}' is not executable by this user` : null);
  }
  const output = `${run.stdout}\n${run.stderr}`;
  if (run.timedOutAfterMs !== null) {
    return withHint(
      [`${run.command} did not finish within ${run.timedOutAfterMs / 1000}s and was stopped${run.signal ? ` (${run.signal})` : ""}`, ...printed(run)],
      hintFor(output, null) ??
        "a hanging nvidia-smi usually means a GPU or the driver is in trouble (look for Xid errors in `dmesg`); without persistence mode the first call can take seconds: enable it (`nvidia-smi -pm 1` or nvidia-persistenced) or raise --timeout",
    );
  }
  const how =
    run.status !== null
      ? `exit status ${run.status}${EXIT_MEANINGS[run.status] ? ` (${EXIT_MEANINGS[run.status]})` : ""}`
      : run.stoppedBecause !== null
        ? `stopped: ${run.stoppedBecause}`
        : `killed by ${run.signal ?? "a signal"}`;
  return withHint([`${run.command} failed: ${how}`, ...printed(run)], hintFor(output, run.status));
}

/**
 * The message for output that does not parse: `problem` is the parser's message ("line 1:
 * expected 16 comma-separated fields, got 1 …"), `line` the line it names. `run` is the tool
 * run that printed it (exit 0), or null for a file.
 */
export function describeUnreadable(source: string, text: string, problem: string, line: number | undefined, run: ToolRun | null): string {
  if (run === null) {
    return withHint([`${source} is not nvidia-smi output: ${problem}`, ...(quoteLines(text, "", line).length > 0 ? quoteLines(text, "", line) : ["  (the file is empty)"])], hintFor(text, null));
  }
  const status = run.status ?? 0;
  return withHint([`${run.command} exited ${status} but printed something that is not its output: ${problem}`, ...printed(run, line)], hintFor(`${run.stdout}\n${run.stderr}`, status));
}
