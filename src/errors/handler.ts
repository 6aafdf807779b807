/**
 * `errorHandler` / `notFoundHandler`: every error and unmatched route becomes an RFC 7807
 * problem+json response. Unknown errors are 500 `internal-error`, with the message hidden in
 * production and the stack only in debug mode.
 * @module
 */
import type { Context, ErrorHandler, NotFoundHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import { isDebugEnabled, isProduction } from "../env/runtime-env.js";
import { loggerFor } from "../log/context.js";
import { constraintViolation, type ConstraintViolation } from "./constraint.js";
import { problemResponse, problemTitle, problemType, ResourceError, type ProblemBody } from "./problem.js";

const STATUS_CODES: Record<number, string> = {
  400: "VALIDATION_ERROR",
  401: "UNAUTHORIZED",
  403: "FORBIDDEN",
  404: "NOT_FOUND",
  409: "CONFLICT",
  412: "PRECONDITION_FAILED",
  413: "PAYLOAD_TOO_LARGE",
  429: "RATE_LIMIT_EXCEEDED",
};

/** Turns any thrown value into a problem body (and the headers it needs). */
export function formatRFC7807Error(
  err: unknown,
  requestId?: string,
  production = isProduction(),
): { body: ProblemBody; headers: Record<string, string> } {
  let body: ProblemBody;
  let headers: Record<string, string> = {};
  let violation: ConstraintViolation | undefined;
  if (err instanceof ResourceError) {
    body = err.toProblem();
    headers = err.headers;
  } else if (isZodError(err)) {
    // Symbols in a path would make join() throw.
    const errors = err.issues.map((issue) => ({ field: (Array.isArray(issue.path) ? issue.path : []).map(String).join("."), message: String(issue.message) }));
    body = { type: problemType("VALIDATION_ERROR"), title: problemTitle("VALIDATION_ERROR"), status: 400, detail: "Request validation failed", code: "VALIDATION_ERROR", errors };
  } else if (err instanceof HTTPException) {
    const code = STATUS_CODES[err.status] ?? (err.status >= 500 ? "INTERNAL_ERROR" : "UNKNOWN_ERROR");
    body = { type: problemType(code), title: problemTitle(code), status: err.status, detail: err.message || problemTitle(code), code };
  } else if ((violation = constraintViolation(err))) {
    body = constraintProblem(violation);
  } else {
    const message = err instanceof Error ? err.message : String(err);
    body = {
      type: problemType("INTERNAL_ERROR"),
      title: problemTitle("INTERNAL_ERROR"),
      status: 500,
      detail: production ? "An unexpected error occurred" : message || "Internal error",
      code: "INTERNAL_ERROR",
    };
  }
  if (requestId) {
    body.instance = `/requests/${requestId}`;
    body.requestId = requestId;
  }
  if (isDebugEnabled() && err instanceof Error && err.stack) body.debug = { stack: err.stack };
  return { body, headers };
}

const CONSTRAINT_DETAIL: Record<ConstraintViolation["kind"], string> = {
  unique: "A row with the same unique value already exists",
  "foreign-key": "The write references a row that does not exist, or removes a row that other rows reference",
  "not-null": "A required value is missing",
  check: "A value violates a check constraint",
};

/** Unique and foreign-key violations are conflicts (409); NOT NULL and CHECK are invalid input (400). */
function constraintProblem(violation: ConstraintViolation): ProblemBody {
  const code = violation.kind === "unique" || violation.kind === "foreign-key" ? "CONFLICT" : "VALIDATION_ERROR";
  const body: ProblemBody = { type: problemType(code), title: problemTitle(code), status: code === "CONFLICT" ? 409 : 400, detail: CONSTRAINT_DETAIL[violation.kind], code, constraint: violation.kind };
  if (violation.fields.length > 0) body.fields = violation.fields;
  return body;
}

/** Duck-typed, so zod never has to be installed: `ZodError` (zod 3/4) and `$ZodError` (zod/mini, zod/v4/core). */
function isZodError(err: unknown): err is { issues: { path: PropertyKey[]; message: string }[] } {
  return typeof err === "object" && err !== null && /^\$?ZodError$/.test(String((err as Error).name)) && Array.isArray((err as { issues?: unknown }).issues);
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * The id the observability middleware gave the request (so the problem matches the echoed
 * `X-Request-Id`), else the caller's `x-request-id` when it is a sane token, else a fresh one.
 */
function requestIdOf(c: Context): string {
  const assigned = c.get("requestId" as never) as unknown;
  if (typeof assigned === "string" && assigned !== "") return assigned;
  const given = c.req.header("x-request-id");
  return given && REQUEST_ID.test(given) ? given : crypto.randomUUID();
}

/** `NODE_ENV=production` from process.env, or from the Worker's `[vars]` when there is no process.env. */
function productionFor(c: Context): boolean {
  return isProduction() || (c.env as Record<string, unknown> | undefined)?.NODE_ENV === "production";
}

/** Hono `onError` handler rendering problem+json; 5xx are logged at `error`, 4xx at `warn`. */
export const errorHandler: ErrorHandler = (err, c: Context) => {
  // A plain HTTPException that carries its own response (e.g. with WWW-Authenticate) keeps it.
  if (err instanceof HTTPException && !(err instanceof ResourceError) && err.res) return err.getResponse();
  const requestId = requestIdOf(c);
  const { body, headers } = formatRFC7807Error(err, requestId, productionFor(c));
  const fields = { requestId, method: c.req.method, path: c.req.path, status: body.status, code: body.code };
  // The request's logger (observability) adds `traceId`; without it this is the global logger.
  const logger = loggerFor(c);
  if (body.status >= 500) logger.error("request failed", { ...fields, error: err instanceof Error ? err.message : String(err), ...(isDebugEnabled() && err instanceof Error ? { stack: err.stack } : {}) });
  else logger.warn("request rejected", fields);
  return problemResponse(body, headers);
};

/** Hono `notFound` handler: 404 `not-found` with `Route <METHOD> <path> not found`. */
export const notFoundHandler: NotFoundHandler = (c: Context) => {
  const code = "NOT_FOUND";
  const requestId = requestIdOf(c);
  return problemResponse({
    type: problemType(code),
    title: problemTitle(code),
    status: 404,
    detail: `Route ${c.req.method} ${c.req.path} not found`,
    code,
    instance: `/requests/${requestId}`,
    requestId,
  });
};
