/**
 * Raw nvidia-smi text posted to /v1/telemetry (`nvidia-smi -q -x | curl --data-binary @-`): the
 * body is parsed at the edge and the rest of the snapshot comes from headers. The sequence
 * number and the sample time are the signed X-Timestamp (in ms), so a replayed request is always
 * "not newer"; X-Node-Name, X-Node-Endpoint, X-Models and X-Query-Fields are inside the signed
 * string (signature.ts), so a captured upload cannot be replayed under another node or endpoint.
 */
import { badRequest, type FieldError } from "../errors";
import { zodIssues } from "../registry/validation";
import { parseNvidiaSmi, ParseError, type NvidiaSmiFormat, type NvidiaSmiReading } from "./nvidia-smi";
import { SnapshotSchema, type Snapshot, type SnapshotInput } from "./snapshot";

export interface RawUpload {
  text: string;
  contentType: string;
  agentId: string;
  /** X-Timestamp, Unix seconds, already verified. */
  timestamp: number;
  header: (name: string) => string | undefined;
}

/** Where each snapshot field came from, so a 400 names the header the client must fix. */
const FIELD_TO_HEADER: Record<string, string> = {
  node: "header.x-node-name",
  endpoint: "header.x-node-endpoint",
  models: "header.x-models",
};

function formatOf(contentType: string): NvidiaSmiFormat | undefined {
  if (contentType === "text/csv") return "csv";
  if (contentType === "application/xml" || contentType === "text/xml") return "xml";
  return undefined;
}

function list(raw: string | undefined): string[] | undefined {
  if (raw === undefined || raw.trim() === "") return undefined;
  return raw.split(",").map((s) => s.trim()).filter((s) => s !== "");
}

export function snapshotFromText(upload: RawUpload): Snapshot {
  const node = upload.header("x-node-name");
  if (node === undefined || node.trim() === "") {
    throw badRequest("raw nvidia-smi uploads name their node in X-Node-Name", [{ path: "header.x-node-name", message: "required with a text body" }]);
  }
  let reading: NvidiaSmiReading;
  try {
    reading = parseNvidiaSmi(upload.text, { format: formatOf(upload.contentType), fields: list(upload.header("x-query-fields")) });
  } catch (error) {
    if (!(error instanceof ParseError)) throw error;
    throw badRequest(`the body is not nvidia-smi output: ${error.message}`, [{ path: `body.${error.path}`, message: error.message }]);
  }
  const input: SnapshotInput = {
    agent_id: upload.agentId,
    node: node.trim(),
    endpoint: upload.header("x-node-endpoint")?.trim() || null,
    models: list(upload.header("x-models")) ?? [],
    seq: upload.timestamp * 1000,
    taken_at: new Date(upload.timestamp * 1000).toISOString(),
    driver_version: reading.driver_version,
    cuda_version: reading.cuda_version,
    gpus: reading.gpus,
  };
  const parsed = SnapshotSchema.safeParse(input);
  if (!parsed.success) {
    const errors: FieldError[] = zodIssues(parsed.error).map((e) => {
      const top = e.path.split(".")[0]!;
      return { path: FIELD_TO_HEADER[top] ?? `body.${e.path}`, message: e.message };
    });
    throw badRequest("the snapshot built from the headers and body is invalid", errors);
  }
  return parsed.data;
}
