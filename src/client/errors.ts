/**
 * `TransportError`: what every non-2xx response becomes (spec 80 §4.3). It reads RFC 7807
 * problem+json, which is what Covara servers answer, and still understands the legacy
 * `{ error: { code, message, details } }` envelope (the JWT `/refresh` route uses it).
 * @module
 */

/** Problem members that are not extension members. */
const STANDARD = new Set(["type", "title", "status", "detail", "code", "instance", "requestId", "errors"]);

/** `/__covara/problems/rate-limit-exceeded` → `RATE_LIMIT_EXCEEDED`: problems without `code` still get one. */
function codeFromType(type: string): string | undefined {
  const slug = /\/problems\/([a-z0-9-]+)$/.exec(type)?.[1];
  return slug ? slug.toUpperCase().replace(/-/g, "_") : undefined;
}

/** Seconds from a `Retry-After` header (delta-seconds or an HTTP date). */
function retryAfterFrom(header: string | null | undefined): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds);
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - Date.now()) / 1000));
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * A non-2xx HTTP response. `body` is the parsed response body; `message` is the problem's
 * `detail` (else `title`), so it can be shown to users as is.
 * @example
 * try { await todos.get("x") } catch (e) { if (e instanceof TransportError && e.isNotFound()) ... }
 */
export class TransportError extends Error {
  /** HTTP status. */
  readonly status: number;
  /** Stable problem code (`NOT_FOUND`, `VALIDATION_ERROR`, ...), `HTTP_ERROR` when the body has none. */
  readonly code: string;
  readonly type?: string;
  readonly title?: string;
  readonly detail?: string;
  /** Field errors (`errors`), else the problem's remaining extension members. */
  readonly details?: unknown;
  /** Seconds to wait before retrying, from `Retry-After` or the body. */
  readonly retryAfter?: number;
  /** Response headers, lower-cased names. */
  readonly headers: Record<string, string>;
  /** The parsed response body (JSON or text). */
  readonly body: unknown;

  constructor(status: number, body: unknown, headers: Record<string, string> = {}) {
    let message = `HTTP ${status}`;
    let code = "HTTP_ERROR";
    let fields: Partial<Pick<TransportError, "type" | "title" | "detail" | "details" | "retryAfter">> = {};
    if (isRecord(body) && isRecord(body.error)) {
      // Legacy envelope: { error: { code, message, details } }.
      const legacy = body.error;
      if (typeof legacy.message === "string") message = legacy.message;
      if (typeof legacy.code === "string") code = legacy.code;
      fields = { details: legacy.details };
    } else if (isRecord(body) && (typeof body.type === "string" || typeof body.title === "string" || typeof body.detail === "string")) {
      const type = typeof body.type === "string" ? body.type : undefined;
      const title = typeof body.title === "string" ? body.title : undefined;
      const detail = typeof body.detail === "string" ? body.detail : undefined;
      message = detail ?? title ?? message;
      code = typeof body.code === "string" ? body.code : ((type && codeFromType(type)) ?? code);
      const extras = Object.fromEntries(Object.entries(body).filter(([key]) => !STANDARD.has(key)));
      fields = {
        type,
        title,
        detail,
        details: body.errors ?? (Object.keys(extras).length > 0 ? extras : undefined),
        retryAfter: typeof body.retryAfter === "number" ? body.retryAfter : undefined,
      };
    } else if (typeof body === "string" && body.trim() !== "" && body.length < 500) {
      message = body.trim();
    }
    super(message);
    this.name = "TransportError";
    this.status = status;
    this.code = code;
    this.headers = headers;
    this.body = body;
    for (const [key, value] of Object.entries(fields)) if (value !== undefined) (this as Record<string, unknown>)[key] = value;
    const fromHeader = retryAfterFrom(headers["retry-after"]);
    if (fromHeader !== undefined) (this as { retryAfter?: number }).retryAfter = fromHeader;
  }

  /** 404 */
  isNotFound(): boolean {
    return this.status === 404;
  }
  /** 401 */
  isUnauthorized(): boolean {
    return this.status === 401;
  }
  /** 403 */
  isForbidden(): boolean {
    return this.status === 403;
  }
  /** 400 */
  isValidationError(): boolean {
    return this.status === 400;
  }
  /** 409 or 412: the write lost against another one (ETag mismatch, unique key). */
  isConflict(): boolean {
    return this.status === 409 || this.status === 412;
  }
  /** 429 */
  isRateLimited(): boolean {
    return this.status === 429;
  }
  /** ≥ 500 */
  isServerError(): boolean {
    return this.status >= 500;
  }
}

/** True for the error a request rejects with when its signal aborted it (caller abort or timeout). */
export function isAbortError(error: unknown): boolean {
  const name = (error as { name?: unknown } | null)?.name;
  return name === "AbortError" || name === "TimeoutError";
}

/** True for the error a request rejects with when its `timeoutMs` ran out. */
export function isTimeoutError(error: unknown): boolean {
  return (error as { name?: unknown } | null)?.name === "TimeoutError";
}
