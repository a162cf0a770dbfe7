/**
 * Entry of the bundled agent (dist/agent.mjs, built by scripts/build-agent.js; the package's
 * `bin`): `npx edge-model-router agent <command>` or `node agent.mjs <command>`. The leading
 * `agent` word of the first form is dropped; everything else is main.ts, as in a clone.
 */
import { runMain } from "../shared/io";
import { main } from "./main";

runMain((argv, io) => main(argv[0] === "agent" ? argv.slice(1) : argv, io));
