/**
 * RFC 7807 problem details: one base class (`ResourceError`) that extends Hono's
 * `HTTPException`, so a framework error renders itself as problem+json in any Hono app.
 * @module
 */
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";

/** Stable problem codes; `type` and `title` derive from them. */
export type ProblemCode =
  | "NOT_FOUND"
  | "VALIDATION_ERROR"
  | "FILTER_PARSE_ERROR"
  | "UNAUTHORIZED"
  | "FORBIDDEN"
  | "CONFLICT"
  | "PRECONDITION_FAILED"
  | "BATCH_LIMIT_EXCEEDED"
  | "CURSOR_INVALID"
  | "CURSOR_EXPIRED"
  | "RATE_LIMIT_EXCEEDED"
  | "IDEMPOTENCY_MISMATCH"
  | "IDEMPOTENCY_STORE_UNAVAILABLE"
  | "UNSUPPORTED_VERSION"
  | "PAYLOAD_TOO_LARGE"
  | "SEARCH_FAILED"
  | "SEARCH_NOT_CONFIGURED"
  | "INTERNAL_ERROR"
  | "UNKNOWN_ERROR"
  | (string & {});

/** The JSON body of a problem response. */
export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  code?: string;
  [extra: string]: unknown;
}

/** Codes whose slug is not the kebab-cased code. Any code not known here renders as `unknown-error`. */
const SLUGS: Record<string, string> = {
  NOT_FOUND: "not-found",
  VALIDATION_ERROR: "validation-error",
  FILTER_PARSE_ERROR: "filter-parse-error",
  UNAUTHORIZED: "unauthorized",
  FORBIDDEN: "forbidden",
  CONFLICT: "conflict",
  PRECONDITION_FAILED: "precondition-failed",
  BATCH_LIMIT_EXCEEDED: "batch-limit-exceeded",
  CURSOR_INVALID: "cursor-invalid",
  CURSOR_EXPIRED: "cursor-expired",
  RATE_LIMIT_EXCEEDED: "rate-limit-exceeded",
  IDEMPOTENCY_MISMATCH: "idempotency-mismatch",
  IDEMPOTENCY_STORE_UNAVAILABLE: "idempotency-store-unavailable",
  UNSUPPORTED_VERSION: "unsupported-version",
  PAYLOAD_TOO_LARGE: "payload-too-large",
  SEARCH_FAILED: "search-failed",
  SEARCH_NOT_CONFIGURED: "search-not-configured",
  INTERNAL_ERROR: "internal-error",
  UNKNOWN_ERROR: "unknown-error",
};

/** `/__covara/problems/<slug>` for a code. */
export function problemType(code: string): string {
  return `/__covara/problems/${SLUGS[code] ?? "unknown-error"}`;
}

/** `PRECONDITION_FAILED` → `Precondition failed`. */
export function problemTitle(code: string): string {
  const words = code.toLowerCase().split("_").join(" ");
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/**
 * Base class of every framework error. Extra fields are flattened into the body without
 * overwriting the standard keys.
 * @example throw new ResourceError(409, "CONFLICT", "Slug already taken", { field: "slug" })
 */
export class ResourceError extends HTTPException {
  readonly code: ProblemCode;
  readonly detail: string;
  readonly extras: Record<string, unknown>;
  readonly headers: Record<string, string>;

  constructor(
    status: number,
    code: ProblemCode,
    detail: string,
    extras: Record<string, unknown> = {},
    options: { cause?: unknown; headers?: Record<string, string> } = {},
  ) {
    super(status as ContentfulStatusCode, { message: detail, cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.detail = detail;
    this.extras = extras;
    this.headers = options.headers ?? {};
  }

  /** The problem body of this error. */
  toProblem(): ProblemBody {
    const body: ProblemBody = {
      type: problemType(this.code),
      title: problemTitle(this.code),
      status: this.status,
      detail: this.detail,
      code: this.code,
    };
    for (const [key, value] of Object.entries(this.extras)) {
      if (!(key in body) && value !== undefined) body[key] = value;
    }
    return body;
  }

  /** Renders as `application/problem+json`, so Hono's default error path shows a proper problem. */
  override getResponse(): Response {
    return problemResponse(this.toProblem(), this.headers);
  }
}

/** A problem+json `Response`. */
export function problemResponse(body: ProblemBody, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status: body.status,
    headers: { ...headers, "content-type": "application/problem+json" },
  });
}

/** 404 for a row that does not exist or is outside the caller's scope. */
export class NotFoundError extends ResourceError {
  constructor(resource: string, id: string | number) {
    super(404, "NOT_FOUND", `${resource} with id '${id}' not found`, { resource, id: String(id) });
  }
}

/** One failing input field. */
export interface FieldError {
  field?: string;
  path?: (string | number)[] | string;
  message: string;
}

/** 400 for invalid input; `errors` lists each failing field. */
export class ValidationError extends ResourceError {
  constructor(detail: string, errors?: FieldError[], extras: Record<string, unknown> = {}) {
    super(400, "VALIDATION_ERROR", detail, { ...(errors ? { errors } : {}), ...extras });
  }
}

/** 400 for a filter that cannot be parsed or refers to something it may not. */
export class FilterParseError extends ResourceError {
  constructor(message: string, extras: { position?: number; suggestion?: string; [k: string]: unknown } = {}) {
    super(400, "FILTER_PARSE_ERROR", `Invalid filter expression: ${message}`, extras);
  }
}

/** 401: the operation needs a signed-in user. */
export class UnauthorizedError extends ResourceError {
  constructor(detail = "Authentication required") {
    super(401, "UNAUTHORIZED", detail);
  }
}

/** 403: the caller may not do this. */
export class ForbiddenError extends ResourceError {
  constructor(detail = "Forbidden") {
    super(403, "FORBIDDEN", detail);
  }
}

/** 409 with app-supplied details. */
export class ConflictError extends ResourceError {
  constructor(detail = "Conflict", extras: Record<string, unknown> = {}) {
    super(409, "CONFLICT", detail, extras);
  }
}

/** 412: the `If-Match` precondition failed. */
export class PreconditionFailedError extends ResourceError {
  constructor(currentETag?: string, detail = "Resource was modified") {
    super(412, "PRECONDITION_FAILED", detail, {
      currentETag,
      suggestion: "Fetch the current version and retry with its ETag",
    });
  }
}

/** 400: a batch asked for more rows than the resource allows. */
export class BatchLimitError extends ResourceError {
  constructor(operation: string, limit: number, requested: number) {
    super(400, "BATCH_LIMIT_EXCEEDED", `Batch ${operation} of ${requested} items exceeds the limit of ${limit}`, {
      operation,
      limit,
      requested,
    });
  }
}

/** Why a cursor was rejected. */
export type CursorInvalidReason = "malformed" | "version_mismatch" | "orderby_mismatch" | "tampered";

/** 400: the pagination cursor cannot be used. */
export class CursorInvalidError extends ResourceError {
  constructor(reason: CursorInvalidReason, detail = "Invalid pagination cursor") {
    super(400, "CURSOR_INVALID", detail, {
      reason,
      suggestion: "Start again from the first page without a cursor",
    });
  }
}

/** 400: the cursor is older than `cursorMaxAgeMs`. */
export class CursorExpiredError extends ResourceError {
  constructor() {
    super(400, "CURSOR_EXPIRED", "Pagination cursor has expired", {
      suggestion: "Start again from the first page without a cursor",
    });
  }
}

/** 429 with `Retry-After` in seconds (at least 1); `message` becomes the problem's `detail`. */
export class RateLimitError extends ResourceError {
  constructor(retryAfterSeconds: number, headers: Record<string, string> = {}, message = "Too many requests") {
    const retryAfter = Math.max(1, Math.ceil(retryAfterSeconds));
    super(429, "RATE_LIMIT_EXCEEDED", message, { retryAfter }, {
      headers: { ...headers, "Retry-After": String(retryAfter) },
    });
  }
}

/** 409: an idempotency key was reused with a different request. */
export class IdempotencyMismatchError extends ResourceError {
  constructor() {
    super(409, "IDEMPOTENCY_MISMATCH", "Idempotency key was used with a different request", {
      suggestion: "Use a new Idempotency-Key for a different request",
    });
  }
}

/** 413: the request body is larger than allowed. */
export class PayloadTooLargeError extends ResourceError {
  constructor(limitBytes: number) {
    super(413, "PAYLOAD_TOO_LARGE", `Request body exceeds ${limitBytes} bytes`, { limit: limitBytes });
  }
}

/** 500: a search adapter failed. */
export class SearchError extends ResourceError {
  constructor(index: string, originalError: string) {
    super(500, "SEARCH_FAILED", `Search failed on index ${index}`, { index, originalError });
  }
}

/** 501: search was asked for but no adapter is configured. */
export class SearchNotConfiguredError extends ResourceError {
  constructor() {
    super(501, "SEARCH_NOT_CONFIGURED", "Search is not configured");
  }
}
