/** Types of scripts/demo-fleet.js for the TypeScript tests that reuse it. */
export interface DemoNode {
  name: string;
  /** Under test/fixtures/nvidia-smi/. */
  file: string;
  models: string[];
  port: number;
  /** Replaces the capture's GPU UUID (a second GPU replaying the same capture). */
  uuid?: string;
}
export const DEMO_NODES: DemoNode[];
export function demoCapture(node: DemoNode, dir: string): string;
export function demoAgentKeys(): { json: string | null; key: string | null; inject: boolean; why: string };
export function startDemoFleet(url: string, key: string): () => Promise<void>;
