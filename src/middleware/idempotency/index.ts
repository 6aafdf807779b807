/**
 * `idempotencyMiddleware` (spec 90 §B.6): a request repeated with the same `Idempotency-Key`
 * gets the first response back instead of running again. Deviations from the reference:
 * `X-Idempotency-Key` is accepted too, and concurrent duplicates are serialised — the first takes
 * a lock (`set` with `ifAbsent`), the others poll until its response is stored and replay it.
 * @module
 */
import type { Context, MiddlewareHandler } from "hono";
import { IdempotencyMismatchError, ResourceError } from "../../errors/problem.js";
import { loggerFor } from "../../log/context.js";
import type { KvStore } from "../../ports/kv-store.js";
import { kvFor } from "../kv-context.js";
import { createLocalStore } from "../local-store.js";
import { checkOptions, pathFilter } from "./options.js";
import {
  cacheKey,
  fingerprint,
  IdempotencyInProgressError,
  IdempotencyStoreUnavailableError,
  parseRecord,
  readBodyCopy,
  REPLAYED_HEADERS,
  validateKey,
  type DoneRecord,
} from "./record.js";

/** The part of the KV port idempotency needs. */
export type IdempotencyStore = Pick<KvStore, "get" | "set" | "compareAndSet">;

/** Options of `idempotencyMiddleware`. */
export interface IdempotencyConfig {
  /** Store; default the app's KV (`c.get("kv")`), else the global KV, else a private in-memory one. */
  storage?: IdempotencyStore;
  /** How long a response is replayable. Default 24 h. */
  ttlMs?: number;
  /** Methods that participate. Default POST, PATCH, PUT. */
  methods?: string[];
  /** Path prefixes that participate (segment-wise: `/api/orders` covers `/api/orders/1`, not `/api/orders-x`). Default all. */
  paths?: string[];
  /** Path prefixes that never participate. */
  excludePaths?: string[];
  /** Request header. Default `idempotency-key`, which also accepts `X-Idempotency-Key`. */
  headerName?: string;
  /** Store failure at lookup: `proceed` (default) logs and runs unprotected; `fail` answers 503. */
  onStoreError?: "proceed" | "fail";
  /** How long a running request holds its key before another may take over (crash safety). Default 60 s. */
  lockTtlMs?: number;
  /** How long a duplicate waits for the first request before a 409 `conflict`. Default 10 s. */
  waitTimeoutMs?: number;
  /** Poll interval while waiting. Default 25 ms. */
  pollIntervalMs?: number;
  /** Largest body fingerprinted; larger is 413. Default 1 MiB. */
  maxBodyBytes?: number;
}

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const NULL_BODY_STATUS = new Set([101, 103, 204, 205, 304]);

/** Takes the key, or returns the response stored for it; throws 409 on mismatch or a lasting lock. */
async function acquire(store: IdempotencyStore, key: string, fp: string, pending: string, cfg: Required<Pick<IdempotencyConfig, "lockTtlMs" | "waitTimeoutMs" | "pollIntervalMs">>): Promise<DoneRecord | null> {
  const deadline = Date.now() + cfg.waitTimeoutMs;
  for (;;) {
    if (await store.set(key, pending, { ifAbsent: true, ttlMs: cfg.lockTtlMs })) return null;
    const current = await store.get(key);
    if (current !== null) {
      const record = parseRecord(current);
      // Not ours (corrupt): take it over atomically rather than fail forever.
      if (!record) {
        if (await store.compareAndSet(key, current, pending, { ttlMs: cfg.lockTtlMs })) return null;
        continue;
      }
      if (record.fp !== fp) throw new IdempotencyMismatchError();
      if (record.state === "done") return record;
    }
    if (Date.now() >= deadline) throw new IdempotencyInProgressError();
    await pause(cfg.pollIntervalMs);
  }
}

function replay(record: DoneRecord): Response {
  const headers = new Headers(record.headers);
  headers.set("Idempotency-Replayed", "true");
  return new Response(record.body, { status: record.status, headers });
}

function isJson(contentType: string | null): boolean {
  const type = contentType?.split(";")[0]?.trim().toLowerCase() ?? "";
  return type === "application/json" || type.endsWith("+json");
}

/**
 * Replays the stored response of a repeated request (same status and JSON body, plus
 * `Idempotency-Replayed: true`); a key reused for a different request is 409 `idempotency-mismatch`.
 * Register it after auth, so the cache is per user.
 * @example app.use("/api/*", idempotencyMiddleware({ storage: kv }));
 */
export function idempotencyMiddleware(config: IdempotencyConfig = {}): MiddlewareHandler {
  const opts = checkOptions(config);
  const participates = pathFilter(opts.paths, opts.excludePaths);
  let fallback: IdempotencyStore | undefined;
  const storeFor = (c: Context): IdempotencyStore => {
    const store = config.storage ?? kvFor(c);
    if (store) return store;
    if (!fallback) loggerFor(c).warn("idempotency: no KV store configured; using a per-process in-memory store");
    return (fallback ??= createLocalStore());
  };

  return async (c, next) => {
    if (!opts.methods.has(c.req.method) || !participates(c.req.path)) return next();
    const header = c.req.header(opts.headerName) ?? (opts.acceptAlias ? c.req.header("x-idempotency-key") : undefined);
    if (header === undefined) return next();
    const idemKey = validateKey(header, opts.headerName);
    const fp = await fingerprint(c.req.method, c.req.url, await readBodyCopy(c.req.raw, opts.maxBodyBytes));
    const key = await cacheKey(c, idemKey);
    const store = storeFor(c);
    const pending = JSON.stringify({ v: 1, state: "pending", fp, lock: crypto.randomUUID() });

    let stored: DoneRecord | null;
    try {
      stored = await acquire(store, key, fp, pending, opts);
    } catch (error) {
      if (error instanceof ResourceError) throw error;
      loggerFor(c).warn("idempotency store unavailable", { error, onStoreError: opts.onStoreError });
      if (opts.onStoreError === "fail") throw new IdempotencyStoreUnavailableError(error);
      return next();
    }
    if (stored) return replay(stored);

    // Only our own lock is replaced or released (compare-and-set on its unique value).
    const release = async () => {
      try {
        await store.compareAndSet(key, pending, null);
      } catch (error) {
        loggerFor(c).warn("idempotency: releasing the key failed", { error });
      }
    };
    try {
      await next();
    } catch (error) {
      await release();
      throw error;
    }
    const res = c.res;
    if (res.status >= 500 || NULL_BODY_STATUS.has(res.status) || !isJson(res.headers.get("content-type"))) return release();
    try {
      const headers: Record<string, string> = {};
      for (const name of REPLAYED_HEADERS) {
        const value = res.headers.get(name);
        if (value !== null) headers[name] = value;
      }
      const done: DoneRecord = { v: 1, state: "done", fp, status: res.status, body: await res.clone().text(), headers };
      if (!(await store.compareAndSet(key, pending, JSON.stringify(done), { ttlMs: opts.ttlMs }))) {
        loggerFor(c).warn("idempotency: the key's lock expired before the response was stored", { lockTtlMs: opts.lockTtlMs });
      }
    } catch (error) {
      loggerFor(c).warn("idempotency: storing the response failed", { error });
      await release();
    }
  };
}


