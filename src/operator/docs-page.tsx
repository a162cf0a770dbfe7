/**
 * The API reference page behind GET /docs, rendered from the OpenAPI document with Hono's JSX.
 * Plain HTML and inline CSS: it works offline and with JavaScript off.
 */
import type { OpenAPIHono } from "@hono/zod-openapi";

type OpenAPIObject = ReturnType<OpenAPIHono["getOpenAPI31Document"]>;

type Operation = {
  summary?: string;
  tags?: string[];
  requestBody?: { content?: Record<string, { schema?: unknown }> };
  responses?: Record<string, { description?: string; content?: Record<string, { schema?: unknown }> }>;
};

const METHODS = ["get", "post", "put", "delete", "patch"] as const;
const STYLE = `
body{font:15px/1.5 system-ui,sans-serif;margin:0 auto;max-width:980px;padding:1rem;color:#1d2330}
h1{font-size:1.5rem} h2{font-size:1.1rem;margin-top:2rem;border-bottom:1px solid #ccd}
.op{border:1px solid #dde;border-radius:6px;margin:.75rem 0;padding:.25rem .75rem}
.m{display:inline-block;min-width:3.5rem;font-weight:700;text-transform:uppercase}
.get{color:#0a6}.post{color:#06c}.put{color:#b60}.delete{color:#c22}
summary{cursor:pointer} pre{background:#f5f6fa;overflow:auto;padding:.5rem;font-size:12px;max-height:24rem}
code{font-size:13px}`;

function schemaName(schema: unknown): string {
  if (schema && typeof schema === "object" && "$ref" in schema) return String((schema as { $ref: string }).$ref).split("/").pop() ?? "";
  return "inline";
}

export function renderDocsPage(doc: OpenAPIObject) {
  const paths = Object.entries(doc.paths ?? {}).sort(([a], [b]) => a.localeCompare(b));
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{doc.info.title} API</title>
        <style>{STYLE}</style>
      </head>
      <body>
        <h1>{doc.info.title} API</h1>
        <p>{doc.info.description}</p>
        <p>
          Machine-readable: <a href="/openapi.json">/openapi.json</a> (OpenAPI {doc.openapi}).
        </p>
        {paths.map(([path, item]) =>
          METHODS.filter((m) => (item as Record<string, unknown>)[m]).map((method) => {
            const op = (item as Record<string, Operation>)[method]!;
            const body = op.requestBody?.content?.["application/json"]?.schema;
            return (
              <div class="op">
                <p>
                  <span class={`m ${method}`}>{method}</span> <code>{path}</code> — {op.summary}
                </p>
                {body ? <p>Body: <code>{schemaName(body)}</code></p> : null}
                <ul>
                  {Object.entries(op.responses ?? {}).map(([status, r]) => (
                    <li>
                      <code>{status}</code> {r.description}
                    </li>
                  ))}
                </ul>
              </div>
            );
          }),
        )}
        <h2>Schemas</h2>
        {Object.entries(doc.components?.schemas ?? {}).map(([name, schema]) => (
          <details id={`schema-${name}`}>
            <summary>
              <code>{name}</code>
            </summary>
            <pre>{JSON.stringify(schema, null, 2)}</pre>
          </details>
        ))}
      </body>
    </html>
  );
}
