/**
 * The fleet section: one block per node (stale nodes greyed) and one row per GPU with a memory
 * bar, utilization, temperature, health with its reasons, and whether routing may place on it;
 * a warning when several GPUs report the same UUID.
 * Renders GET /v1/fleet's view (src/telemetry/view.ts), so the dashboard and the API agree.
 */
import type { FleetNodeView, FleetView } from "../../telemetry/schema";
import { UNKNOWN, age, gib, reading } from "./format";

type FleetGpuView = FleetNodeView["gpus"][number];

function MemoryBar(props: { gpu: FleetGpuView }) {
  const { memory_total_mb: total, memory_free_mb: free } = props.gpu;
  if (total === null || free === null || total <= 0) return <span class="muted">{free === null ? "free memory unknown" : `${gib(free)} free`}</span>;
  const used = Math.min(1, Math.max(0, (total - free) / total));
  return (
    <div class="membar" title={`${gib(free)} free of ${gib(total)}`}>
      <div class="bar" role="meter" aria-valuemin="0" aria-valuemax={total} aria-valuenow={total - free} aria-label="memory used">
        <span style={`width:${(used * 100).toFixed(1)}%`} class={used > 0.9 ? "full" : ""} />
      </div>
      <small>{gib(free)} free of {gib(total)}</small>
    </div>
  );
}

function Health(props: { gpu: FleetGpuView }) {
  const { gpu } = props;
  if (gpu.problems.length === 0) return <span class="badge ok">healthy</span>;
  return (
    <span>
      <span class={`badge ${gpu.healthy ? "warn" : "bad"}`}>{gpu.healthy ? "healthy" : "unhealthy"}</span>
      <ul class="reasons">
        {gpu.problems.map((p) => (
          <li>{p.detail}</li>
        ))}
      </ul>
    </span>
  );
}

/** One UUID that more than one GPU of the fleet reports, with where ("node #index"). */
export interface DuplicateUuid {
  uuid: string;
  gpus: string[];
}

/**
 * UUIDs reported by more than one GPU. nvidia-smi's UUID is unique per physical GPU, so a repeat
 * means one GPU counted twice: a capture replayed under several node names, a cloned agent config,
 * or a node renamed (the old name lingers until it goes stale).
 */
export function duplicateUuids(fleet: FleetView): DuplicateUuid[] {
  const seen = new Map<string, string[]>();
  for (const node of fleet.nodes) {
    for (const gpu of node.gpus) {
      if (gpu.uuid === null) continue;
      seen.set(gpu.uuid, [...(seen.get(gpu.uuid) ?? []), `${node.node} #${gpu.index}${node.stale ? " (stale)" : ""}`]);
    }
  }
  return [...seen].filter(([, gpus]) => gpus.length > 1).map(([uuid, gpus]) => ({ uuid, gpus }));
}

function DuplicateWarning(props: { duplicates: DuplicateUuid[] }) {
  if (props.duplicates.length === 0) return null;
  return (
    <div class="warning" role="alert" id="duplicate-uuids">
      <strong>The same GPU UUID is reported more than once.</strong> A UUID belongs to one physical GPU, so routing
      counts its memory several times: a capture replayed under several node names, a cloned agent, or a renamed node.
      <ul>
        {props.duplicates.map((d) => (
          <li>
            <code>{d.uuid}</code>: {d.gpus.join(", ")}
          </li>
        ))}
      </ul>
    </div>
  );
}

export function FleetSection(props: { fleet: FleetView }) {
  const { fleet } = props;
  const s = fleet.summary;
  const duplicates = duplicateUuids(fleet);
  const duplicated = new Set(duplicates.map((d) => d.uuid));
  return (
    <section id="fleet" class="wide">
      <h2>Fleet</h2>
      <p class="muted">
        {s.nodes} nodes ({s.stale_nodes} stale) · {s.gpus} GPUs, {s.healthy_gpus} healthy, {s.placeable_gpus} placeable · largest free {gib(s.largest_free_mb)} ·
        limits: below {fleet.thresholds.max_temperature_c} °C and {fleet.thresholds.max_utilization_pct} % busy, stale after {fleet.thresholds.stale_after_s} s
      </p>
      <DuplicateWarning duplicates={duplicates} />
      {fleet.nodes.length === 0 ? (
        <p class="muted">No node has reported yet. Agents push with `npm run agent -- run …` (docs/telemetry.md).</p>
      ) : (
        <table class="cards fleet-table">
          <thead>
            <tr>
              <th>GPU</th><th>memory</th><th class="num">util</th><th class="num">temp</th><th>health</th><th>placeable</th>
            </tr>
          </thead>
          {fleet.nodes.map((node) => (
            <tbody class={node.stale ? "node stale" : "node"} data-node={node.node}>
              <tr class="node-row">
                <th colspan={6} scope="rowgroup">
                  <span class="node-name">{node.node}</span> {node.stale ? <span class="badge muted">stale</span> : null}{" "}
                  <span class="muted">
                    snapshot {age(node.age_s)} old{node.endpoint ? ` · ${node.endpoint}` : ""}
                    {" · "}
                    <span class="agent-version" title="the agent release that pushed this snapshot (agent --version)">agent {node.agent_version ?? "version unknown"}</span>
                    {node.models.length > 0 ? ` · serves ${node.models.join(", ")}` : ""}
                  </span>
                </th>
              </tr>
              {node.gpus.map((gpu) => (
                <tr class="gpu-row">
                  <td data-label="GPU">
                    #{gpu.index} {gpu.name ?? UNKNOWN}
                    {gpu.uuid !== null && duplicated.has(gpu.uuid) ? (
                      <>
                        {" "}
                        <span class="badge warn duplicate-uuid" title={gpu.uuid}>same UUID as another GPU</span>
                      </>
                    ) : null}
                  </td>
                  <td data-label="memory"><MemoryBar gpu={gpu} /></td>
                  <td data-label="util" class="num">{gpu.utilization_pct === null ? UNKNOWN : `${reading(gpu.utilization_pct)} %`}</td>
                  <td data-label="temp" class="num">{gpu.temperature_c === null ? UNKNOWN : `${reading(gpu.temperature_c)} °C`}</td>
                  <td data-label="health"><Health gpu={gpu} /></td>
                  <td data-label="placeable">{gpu.placeable ? <span class="ok">yes</span> : <span class="muted">no</span>}</td>
                </tr>
              ))}
            </tbody>
          ))}
        </table>
      )}
    </section>
  );
}
