/** The agent's --help texts, one per command; docs/telemetry.md says the same at more length. */
import { AGENT_COMMAND, AGENT_VERSION } from "./version";

const SOURCE = `GPU source (one of):
  --from-file FILE        read nvidia-smi output from FILE instead of running nvidia-smi
                          (re-read on every tick; CSV or -q -x XML, detected from the text)
  --nvidia-smi PATH       the nvidia-smi binary (default: nvidia-smi on PATH). The agent runs
                          --query-gpu=… --format=csv,noheader,nounits, plus -q -x when a GPU
                          has MIG enabled (only the XML lists MIG devices)
  --format csv|xml        force the format: with --from-file, how to read FILE; when running
                          nvidia-smi, xml always runs -q -x
  --fields a,b,c          the --query-gpu field list of a csv,noheader FILE`;

const NODE = `Node:
  --node-name NAME        the node's name in the fleet (default: this host's name)
  --node-endpoint URL     the node's inference server as clients reach it, e.g. http://10.0.0.5:8000
  --models a,b            registry ids of the models this node serves now (routing prefers them);
                          with engines, an override: the agent warns when it disagrees with
                          what the engines serve, as the router resolved their served names`;

const ENGINES = `Serving engines (read with every sample, beside nvidia-smi):
  --engine URL[#kind=K&gpus=I,J]
                          an engine's base URL; repeatable, up to 16 (default: --node-endpoint).
                          Quote it: '#' and '&' mean something to the shell. After '#', for
                          the agent only (never sent): kind=vllm|sglang|tgi|llamacpp|ollama
                          (else detected: metric prefixes vllm:, sglang:, tgi_, llamacpp: in
                          /metrics, else an answer from Ollama's /api/ps) and gpus=0,1 (the
                          nvidia-smi indices it uses; else unknown)
  --no-engines            read no engine (GPU telemetry only)
  --engine-timeout DURATION
                          per engine read (default 2s, or half --interval when shorter)
  Read: GET /v1/models (served names, sent verbatim; the router maps them to registry ids
  by id or hf_repo) and GET /metrics: running (vllm:num_requests_running,
  sglang:num_running_reqs, tgi_batch_current_size, llamacpp:requests_processing), waiting
  (vllm:num_requests_waiting, sglang:num_queue_reqs, tgi_queue_size, llamacpp:requests_deferred),
  KV-cache usage 0-1 (vllm:kv_cache_usage_perc or gpu_cache_usage_perc, sglang:token_usage,
  llamacpp:kv_cache_usage_ratio; TGI has none) and finished requests (vllm:request_success_total,
  sglang:num_requests_total, tgi_request_success). Ollama: GET /api/ps (loaded models; it loads
  on demand and has no load metrics). A missing, NaN, negative or out-of-range value is unknown
  (null), never 0, and the agent logs which. An engine that fails is still sent with its load
  unknown (once its kind is known); the GPU data is pushed regardless.`;

const PUSH = `Router and signing:
  --url URL               the router, e.g. http://127.0.0.1:8787 (POST URL/v1/telemetry)
  --agent-id ID           this agent's id, a key of the router's AGENT_KEYS secret
  --key-file FILE         file holding this agent's key (one line). Requests carry X-Agent-Id,
                          X-Timestamp (Unix s) and X-Signature = hex HMAC-SHA256(key,
                          "<timestamp>\\n\\n\\n\\n\\n<body>": a JSON snapshot leaves the four metadata
                          headers of docs/telemetry.md's signature scheme empty)
  --timeout DURATION      per nvidia-smi run and per HTTP request (default 10s)`;

const SEQ = `Sequence numbers are the clock in milliseconds (bumped by one when the clock has not moved),
so they keep increasing across restarts without a state file; the router refuses a snapshot
whose seq is not above the node's last one (409).`;

const agent = `Usage: ${AGENT_COMMAND} <command> [options]

The on-prem telemetry agent: samples nvidia-smi and the node's serving engines (vLLM, SGLang,
TGI, llama.cpp, Ollama) and pushes signed snapshots to the router.

Commands:
  run      push a snapshot every --interval until SIGINT/SIGTERM
  once     push one snapshot; the exit code says whether the router accepted it
  parse    print the normalized snapshot of an nvidia-smi output FILE (no router needed)
  help     this text

  --version               print the agent's release (${AGENT_VERSION}); every push sends it
                          as agent_version, and GET /v1/fleet shows it per node

Run \`${AGENT_COMMAND} <command> --help\` for each command's options.
`;

const run = `Usage: ${AGENT_COMMAND} run --url URL --agent-id ID --key-file FILE [options]

Samples nvidia-smi every --interval and pushes the newest snapshot. While the router is down
or answers 5xx/408/429 it keeps sampling, holds only the latest snapshot and retries with
exponential backoff and jitter (interval·2^(n−1), at most --max-backoff, times 0.5–1). A 4xx
drops that snapshot (the next sample is tried). One log line per push on stdout. SIGINT or
SIGTERM stops it cleanly (exit 0).

  --interval DURATION     time between samples (default 5s, at least 1s; the router marks a
                          node stale after 3 intervals by default). Durations: 500ms, 5s, 1m
  --max-backoff DURATION  longest wait between retries (default 60s)

${PUSH}

${NODE}

${ENGINES}

${SOURCE}

${SEQ}
`;

const once = `Usage: ${AGENT_COMMAND} once --url URL --agent-id ID --key-file FILE [options]

Samples once and pushes one snapshot, then prints one line per engine sent. Works without a
GPU via --from-file, e.g.
  ${AGENT_COMMAND} once --url http://127.0.0.1:8787 --agent-id demo-agent \\
    --key-file KEYFILE --from-file test/fixtures/nvidia-smi/h200-driver580/q_idle.xml

Exit codes: 0 accepted, 1 rejected by the router (4xx; the reason is printed), 2 usage error,
3 nvidia-smi could not be run or parsed, 4 router unreachable or failing (5xx).

${PUSH}

${NODE}

${ENGINES}

${SOURCE}

${SEQ}
`;

const parse = `Usage: ${AGENT_COMMAND} parse FILE [--format csv|xml] [--fields a,b,c] [options]

Parses nvidia-smi output (--query-gpu CSV with or without header/units, or -q -x XML) and
prints the normalized snapshot as JSON, exactly as \`once\` would send it (engines are read
live; their notes go to stderr). Unknown values
([N/A], [Not Supported], ERR!, …) are null, never 0; free memory is memory.free.

  --format csv|xml        force the reader (default: XML when the text starts with '<')
  --fields a,b,c          the --query-gpu field list, needed for csv,noheader output
  --agent-id ID           agent id to put in the snapshot (default: local)

${NODE}

${ENGINES}

Exit codes: 0 parsed, 2 usage error, 3 unreadable file or not nvidia-smi output (the line
or field is named).
`;

export const HELP = { agent, run, once, parse } as const;
