/**
 * The one error type of the app. Handlers and services throw a Problem; app.onError renders it
 * as application/problem+json (RFC 9457). Anything else that reaches onError is a bug: it is
 * logged and answered with a generic 500 that never echoes internals.
 */

/** One bad field: a dotted path into the input (or a header/query name) and what is wrong. */
export interface FieldError {
  path: string;
  message: string;
}

export interface ProblemInit {
  status: number;
  title: string;
  detail: string;
  errors?: FieldError[];
  /** Extension members (RFC 9457 §3.2), e.g. `rejected` on a 422 from routing. */
  extensions?: Record<string, unknown>;
  /** Extra response headers, e.g. Retry-After on a 503. */
  headers?: Record<string, string>;
}

export class Problem extends Error {
  readonly status: number;
  readonly title: string;
  readonly detail: string;
  readonly errors: FieldError[];
  readonly extensions: Record<string, unknown>;
  readonly headers: Record<string, string>;

  constructor(init: ProblemInit) {
    super(init.detail);
    this.name = "Problem";
    this.status = init.status;
    this.title = init.title;
    this.detail = init.detail;
    this.errors = init.errors ?? [];
    this.extensions = init.extensions ?? {};
    this.headers = init.headers ?? {};
  }

  /** The problem+json body. `type` is a stable, documented slug per status. */
  toJSON(): Record<string, unknown> {
    const standard = {
      type: `urn:edge-model-router:problem:${slug(this.title)}`,
      title: this.title,
      status: this.status,
      detail: this.detail,
      errors: this.errors,
    };
    // Standard members first and never overridden by an extension of the same name.
    return { ...standard, ...this.extensions, ...standard };
  }

  toResponse(): Response {
    return new Response(JSON.stringify(this.toJSON()), {
      status: this.status,
      headers: { "content-type": "application/problem+json", ...this.headers },
    });
  }
}

function slug(title: string): string {
  return title.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "");
}

/** 400 with one entry per bad field. */
export function badRequest(detail: string, errors: FieldError[]): Problem {
  return new Problem({ status: 400, title: "Invalid request", detail, errors });
}

export function notFound(detail: string, errors: FieldError[] = []): Problem {
  return new Problem({ status: 404, title: "Not found", detail, errors });
}

export function unauthorized(detail: string, scheme = "Bearer"): Problem {
  return new Problem({
    status: 401,
    title: "Unauthorized",
    detail,
    errors: [{ path: "header.authorization", message: detail }],
    headers: { "www-authenticate": scheme },
  });
}

export function conflict(detail: string, errors: FieldError[] = []): Problem {
  return new Problem({ status: 409, title: "Conflict", detail, errors });
}
