import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";
import { filterWorkerdLogs } from "./test/support/workerd-log-filter.ts";

// Two known, benign workerd diagnostics the Workers pool prints on every run (why, and when to
// remove this: test/support/workerd-log-filter.ts).
filterWorkerdLogs(process.stdout);

// Two projects: "workers" runs inside workerd through the Workers integration (real KV, Durable
// Objects and the WASM kernel); "node" runs CLI and agent tests that start real processes and
// HTTP servers on 127.0.0.1.
export default defineConfig({
  test: {
    projects: [
      {
        plugins: [
          cloudflareTest({
            wrangler: { configPath: "./wrangler.toml" },
            miniflare: {
              // Test-only values, not secrets: tests that need admin rights send this token.
              bindings: {
                ADMIN_TOKEN: "test-admin-token",
                CACHE_TTL_MS: "0",
                // Flush metric counts after each request, so tests that wait for waitUntil do not wait a second each.
                METRICS_FLUSH_MS: "0",
                // Test-only agent keys (test/support/telemetry.ts signs with them); two for rotation.
                // capped-agent and rack-agent test the caps and declared ownership (test/security/ownership.test.ts);
                // race-a and race-b race each other for new nodes (test/security/races.test.ts).
                AGENT_KEYS: JSON.stringify({
                  "test-agent": ["test-agent-key-0001", "test-agent-key-0002"],
                  "other-agent": ["other-agent-key-0001"],
                  "capped-agent": { keys: ["capped-agent-key-0001"], max_nodes: 3 },
                  "rack-agent": { keys: ["rack-agent-key-00001"], nodes: ["rack9-*"] },
                  "race-a": { keys: ["race-a-agent-key-0001"], max_nodes: 10_000 },
                  "race-b": { keys: ["race-b-agent-key-0001"], max_nodes: 10_000 },
                }),
                // Trials per race test (default 40 and 3); the 1,000-trial measurement is bench/security-races.ts (why: test/security/races.test.ts).
                SECURITY_TRIALS: process.env["SECURITY_TRIALS"] ?? "",
              },
            },
          }),
        ],
        // Timeouts only catch hangs (speed is measured by npm run bench): on a loaded 2-core machine
        // the default 5 s / 10 s failed property and 1,200-node tests that pass in 2 s / 8 s alone.
        test: {
          name: "workers",
          include: ["test/**/*.test.ts"],
          exclude: ["test/node/**", "test/security/e2e/**"],
          testTimeout: 30_000,
          hookTimeout: 60_000,
          // A slow OpenAI stand-in (a Node server) for the gateway's cancellation test.
          globalSetup: ["./test/gateway/slow-upstream.setup.ts"],
        },
      },
      {
        test: { name: "node", environment: "node", include: ["test/node/**/*.test.ts", "test/security/e2e/**/*.test.ts"], testTimeout: 60_000, hookTimeout: 120_000 },
      },
    ],
  },
});
