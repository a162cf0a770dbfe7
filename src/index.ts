/**
 * Worker entry: the app and the Durable Object classes. The kernel module is compiled
 * by `npm run build:kernel`; instantiating it here checks its ABI when the isolate starts, so a
 * stale build fails loudly at start-up instead of mid-request.
 */
import kernelModule from "../build/kernel.wasm";
import { createApp } from "./app";
import { WasmKernel } from "./kernel/wasm";
import { KvFleetSource } from "./telemetry/fleet";

new WasmKernel(kernelModule);

export default createApp({ kernelModule, fleetSource: new KvFleetSource() });
export { ExperimentObject } from "./experiments/object";
export { MetricsObject } from "./operator/metrics/object";
export { NodeObject } from "./telemetry/node-object";
export { AgentObject } from "./telemetry/agent-object";
export { BreakerObject } from "./gateway/shared-breakers";
export { RegistryObject } from "./registry/object";
export { SessionObject } from "./operator/session-object";
