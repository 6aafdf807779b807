/**
 * `usePublicEnv(env)` (spec 60 §4): a router serving the public variables with a strong ETag,
 * and their inferred schema. Only `getPublicEnvironmentVariables()` is ever read, so private
 * values cannot reach a response.
 * @module
 */
import { Hono } from "hono";
import { sha256Hex } from "../util/sha256.js";

/** Options of `usePublicEnv`. */
export interface PublicEnvRouteConfig {
  /** Default `public, max-age=3600`. */
  cacheControl?: string;
  /** Extra headers on every response. */
  headers?: Record<string, string>;
  /** Serve `GET /schema`. Default true. */
  exposeSchema?: boolean;
}

/** A field of `GET /schema`. */
export interface PublicEnvField {
  path: string[];
  type: "string" | "number" | "boolean" | "array" | "object" | "unknown";
}

function typeOf(value: unknown): PublicEnvField["type"] {
  if (value === null || value === undefined) return "unknown";
  if (Array.isArray(value)) return "array";
  const t = typeof value;
  return t === "string" || t === "number" || t === "boolean" || t === "object" ? t : "unknown";
}

/** Leaves of the public object with types inferred from their values; an empty object is one `object` field. */
export function publicEnvFields(value: Record<string, unknown>, path: string[] = []): PublicEnvField[] {
  const fields: PublicEnvField[] = [];
  for (const [key, child] of Object.entries(value)) {
    const isNested = typeof child === "object" && child !== null && !Array.isArray(child) && Object.keys(child).length > 0;
    if (isNested) fields.push(...publicEnvFields(child as Record<string, unknown>, [...path, key]));
    else fields.push({ path: [...path, key], type: typeOf(child) });
  }
  return fields;
}

const ENTITY_TAG = /(?:W\/)?"[^"]*"|\*/g;

/**
 * Whether an `If-None-Match` value matches `etag` (RFC 9110 §13.1.2): `*`, or any listed tag
 * equal under weak comparison (a `W/` prefix is ignored).
 */
export function ifNoneMatch(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  const opaque = etag.replace(/^W\//, "");
  for (const tag of header.match(ENTITY_TAG) ?? []) {
    if (tag === "*" || tag.replace(/^W\//, "") === opaque) return true;
  }
  return false;
}

/**
 * The public variables as a router: `GET /` (JSON, `ETag`, `Cache-Control`, 304 on a matching
 * `If-None-Match`) and `GET /schema` (404 with `exposeSchema: false`).
 * @example app.route("/api/env", usePublicEnv(env));
 */
export function usePublicEnv(env: { getPublicEnvironmentVariables(): object }, config: PublicEnvRouteConfig = {}): Hono {
  const publicEnv = env.getPublicEnvironmentVariables() as Record<string, unknown>;
  const body = JSON.stringify(publicEnv);
  const fields = publicEnvFields(publicEnv);
  const cacheControl = config.cacheControl ?? "public, max-age=3600";
  const extra = config.headers ?? {};
  // Web Crypto digests are async: hashed on first use, once; the promise is what is cached.
  let etag: Promise<string> | undefined;
  const etagOf = () => (etag ??= sha256Hex(body).then((hex) => `"${hex.slice(0, 32)}"`));

  const router = new Hono();
  router.get("/", async (c) => {
    const tag = await etagOf();
    const headers = { ...extra, ETag: tag, "Cache-Control": cacheControl };
    if (ifNoneMatch(c.req.header("if-none-match"), tag)) return new Response(null, { status: 304, headers });
    return new Response(body, { status: 200, headers: { ...headers, "Content-Type": "application/json" } });
  });
  if (config.exposeSchema !== false) {
    router.get("/schema", (c) => c.json({ fields, timestamp: new Date().toISOString() }, 200, extra));
  }
  return router;
}
