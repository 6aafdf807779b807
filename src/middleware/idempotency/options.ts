/** Validation and defaults of the idempotency options: a bad option fails at startup, not per request. */
import { KV_LIMITS } from "../../ports/kv-store.js";
import type { IdempotencyConfig } from "./index.js";

const DAY = 86_400_000;

/** The checked options with defaults applied. */
export interface IdempotencyOptions {
  ttlMs: number;
  methods: ReadonlySet<string>;
  paths: string[] | undefined;
  excludePaths: string[];
  headerName: string;
  acceptAlias: boolean;
  onStoreError: "proceed" | "fail";
  lockTtlMs: number;
  waitTimeoutMs: number;
  pollIntervalMs: number;
  maxBodyBytes: number;
}

function positive(name: string, value: number | undefined, fallback: number, max = Number.MAX_SAFE_INTEGER): number {
  const v = value ?? fallback;
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v <= 0 || v > max) {
    throw new TypeError(`idempotency: ${name} must be a positive integer${max < Number.MAX_SAFE_INTEGER ? ` no larger than ${max}` : ""}`);
  }
  return v;
}

function stringList(name: string, value: unknown): string[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || !value.every((v) => typeof v === "string" && v !== "")) {
    throw new TypeError(`idempotency: ${name} must be an array of non-empty strings`);
  }
  return value;
}

/** Applies defaults and throws `TypeError` for an invalid option. */
export function checkOptions(config: IdempotencyConfig): IdempotencyOptions {
  const headerName = (config.headerName ?? "idempotency-key").toLowerCase();
  if (!/^[a-z0-9-]+$/.test(headerName)) throw new TypeError("idempotency: headerName must be a header name");
  const onStoreError = config.onStoreError ?? "proceed";
  if (onStoreError !== "proceed" && onStoreError !== "fail") throw new TypeError('idempotency: onStoreError must be "proceed" or "fail"');
  return {
    ttlMs: positive("ttlMs", config.ttlMs, DAY, KV_LIMITS.maxTtlMs),
    methods: new Set((stringList("methods", config.methods) ?? ["POST", "PATCH", "PUT"]).map((m) => m.toUpperCase())),
    paths: stringList("paths", config.paths),
    excludePaths: stringList("excludePaths", config.excludePaths) ?? [],
    headerName,
    // The client's offline sync sends X-Idempotency-Key; accepted only with the default header name.
    acceptAlias: headerName === "idempotency-key",
    onStoreError,
    lockTtlMs: positive("lockTtlMs", config.lockTtlMs, 60_000, KV_LIMITS.maxTtlMs),
    waitTimeoutMs: positive("waitTimeoutMs", config.waitTimeoutMs, 10_000),
    pollIntervalMs: positive("pollIntervalMs", config.pollIntervalMs, 25),
    maxBodyBytes: positive("maxBodyBytes", config.maxBodyBytes, 1024 * 1024),
  };
}

/** True when `path` equals `prefix` or lies under it segment-wise. */
export function underPrefix(path: string, prefix: string): boolean {
  if (prefix.endsWith("/")) return path.startsWith(prefix) || path === prefix.slice(0, -1);
  return path === prefix || path.startsWith(`${prefix}/`);
}

/** A predicate for the `paths` / `excludePaths` options. */
export function pathFilter(paths: string[] | undefined, exclude: string[]): (path: string) => boolean {
  return (path) => (!paths || paths.some((p) => underPrefix(path, p))) && !exclude.some((p) => underPrefix(path, p));
}
