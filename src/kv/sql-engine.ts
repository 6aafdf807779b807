/**
 * The KV state machine over SQLite: what `CovaraKVDurableObject` runs on `ctx.storage.sql`, kept out
 * of the DO shell so Node tests can drive it on any synchronous SQLite. Every operation is one
 * synchronous call, so a single-threaded object runs it atomically. Expiry is lazy on read; `sweep`
 * (the DO's alarm) reclaims the rows nobody reads again.
 * @module
 */
import { KV_LIMITS, KvError, type KvListPage, type KvWindowHit } from "../ports/kv-store.js";
import { prefixUpperBound } from "./key-order.js";
import { checkIncrement, checkList, checkTtl, checkValue, parseInteger } from "./validate.js";

/** A value SQLite hands back or takes as a binding. */
export type KvSqlValue = string | number | null;

/**
 * The slice of `ctx.storage.sql` the engine needs (structural, so no Cloudflare import): `exec`
 * runs one or more statements and returns a cursor over the rows.
 */
export interface KvSql {
  exec(query: string, ...bindings: KvSqlValue[]): { toArray(): Record<string, unknown>[] };
}

/** One KV operation as it travels from a client to the engine (JSON). Keys arrive prefixed. */
export type KvRequest =
  | { op: "get"; key: string }
  | { op: "set"; key: string; value: string; ttlMs?: number; ifAbsent?: boolean }
  | { op: "delete"; key: string }
  | { op: "increment"; key: string; delta: number; ttlMs?: number; min?: number }
  | { op: "compareAndSet"; key: string; expected: string | null; next: string | null; ttlMs?: number }
  | { op: "list"; prefix: string; limit?: number; cursor?: string }
  | { op: "hit"; key: string; windowMs: number };

const TABLE = "covara_kv";
/** Rows deleted per sweep statement, so one alarm never holds the object for long. */
const SWEEP_BATCH = 500;

interface Row {
  value: string;
  /** Epoch ms, or null for no expiry. */
  expiresAt: number | null;
}

/** The KV engine over one SQLite database (one Durable Object shard). */
export class SqlKvEngine {
  /** Earliest expiry written since the last `takeEarliestExpiry()`, for alarm scheduling. */
  private earliestExpiry: number | null = null;

  constructor(
    private readonly sql: KvSql,
    private readonly now: () => number = Date.now,
  ) {
    sql.exec(`CREATE TABLE IF NOT EXISTS ${TABLE} (key TEXT PRIMARY KEY, value TEXT NOT NULL, expires_at INTEGER)`);
    sql.exec(`CREATE INDEX IF NOT EXISTS ${TABLE}_expires ON ${TABLE} (expires_at) WHERE expires_at IS NOT NULL`);
  }

  /** Runs one request and returns its JSON-able result; throws `KvError` for bad input. */
  run(request: KvRequest): unknown {
    if (request === null || typeof request !== "object") throw new KvError("INVALID_ARGUMENT", "request must be an object");
    if (request.op !== "list") checkStoredKey(request.key);
    switch (request.op) {
      case "get":
        return this.live(request.key)?.value ?? null;
      case "set":
        return this.set(request);
      case "delete":
        return this.delete(request.key);
      case "increment":
        return this.increment(request);
      case "compareAndSet":
        return this.compareAndSet(request);
      case "list":
        return this.list(request);
      case "hit":
        return this.hit(request.key, request.windowMs);
      default:
        throw new KvError("INVALID_ARGUMENT", `unknown operation ${String((request as { op?: unknown }).op)}`);
    }
  }

  /** The earliest expiry written since the last call (null if none), then forgets it. */
  takeEarliestExpiry(): number | null {
    const at = this.earliestExpiry;
    this.earliestExpiry = null;
    return at;
  }

  /**
   * Deletes expired rows, at most `maxRows`; returns how many went and the next expiry still
   * pending (null if none), which is when the next sweep is worth running.
   */
  sweep(maxRows = 10_000): { removed: number; nextExpiry: number | null } {
    const now = this.now();
    let removed = 0;
    while (removed < maxRows) {
      const batch = this.sql
        .exec(
          `DELETE FROM ${TABLE} WHERE key IN (SELECT key FROM ${TABLE} WHERE expires_at IS NOT NULL AND expires_at <= ? LIMIT ?) RETURNING key`,
          now,
          Math.min(SWEEP_BATCH, maxRows - removed),
        )
        .toArray().length;
      removed += batch;
      if (batch < SWEEP_BATCH) break;
    }
    const [next] = this.sql.exec(`SELECT MIN(expires_at) AS at FROM ${TABLE} WHERE expires_at IS NOT NULL`).toArray();
    return { removed, nextExpiry: next?.at == null ? null : Number(next.at) };
  }

  /** Rows held, expired or not (tests and diagnostics). */
  rowCount(): number {
    return Number(this.sql.exec(`SELECT COUNT(*) AS n FROM ${TABLE}`).toArray()[0]?.n ?? 0);
  }

  private live(key: string): Row | undefined {
    const [row] = this.sql.exec(`SELECT value, expires_at FROM ${TABLE} WHERE key = ?`, key).toArray();
    if (!row) return undefined;
    const expiresAt = row.expires_at == null ? null : Number(row.expires_at);
    if (expiresAt !== null && expiresAt <= this.now()) {
      this.sql.exec(`DELETE FROM ${TABLE} WHERE key = ?`, key);
      return undefined;
    }
    return { value: String(row.value), expiresAt };
  }

  private write(key: string, value: string, expiresAt: number | null): void {
    this.sql.exec(
      `INSERT INTO ${TABLE} (key, value, expires_at) VALUES (?, ?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at`,
      key,
      value,
      expiresAt,
    );
    if (expiresAt !== null && (this.earliestExpiry === null || expiresAt < this.earliestExpiry)) this.earliestExpiry = expiresAt;
  }

  private expiry(ttlMs: number | undefined): number | null {
    return ttlMs === undefined ? null : this.now() + ttlMs;
  }

  private set(r: Extract<KvRequest, { op: "set" }>): boolean {
    checkValue(r.value);
    checkTtl(r.ttlMs);
    if (r.ifAbsent && this.live(r.key)) return false;
    this.write(r.key, r.value, this.expiry(r.ttlMs));
    return true;
  }

  private delete(key: string): boolean {
    const existed = this.live(key) !== undefined;
    if (existed) this.sql.exec(`DELETE FROM ${TABLE} WHERE key = ?`, key);
    return existed;
  }

  private increment(r: Extract<KvRequest, { op: "increment" }>): number | null {
    checkTtl(r.ttlMs);
    checkIncrement(r.delta, r.min);
    const row = this.live(r.key);
    const next = (row ? parseInteger(row.value, r.key) : 0) + r.delta;
    if (!Number.isSafeInteger(next)) throw new KvError("NOT_AN_INTEGER", `increment of ${r.key} overflows`);
    if (r.min !== undefined && next < r.min) return null;
    // An existing key keeps its TTL; a new one gets `ttlMs`.
    this.write(r.key, String(next), row ? row.expiresAt : this.expiry(r.ttlMs));
    return next;
  }

  private compareAndSet(r: Extract<KvRequest, { op: "compareAndSet" }>): boolean {
    if (r.next !== null) checkValue(r.next);
    if (r.expected !== null && typeof r.expected !== "string") throw new KvError("INVALID_ARGUMENT", "expected must be a string or null");
    checkTtl(r.ttlMs);
    if ((this.live(r.key)?.value ?? null) !== r.expected) return false;
    if (r.next === null) this.sql.exec(`DELETE FROM ${TABLE} WHERE key = ?`, r.key);
    else this.write(r.key, r.next, this.expiry(r.ttlMs));
    return true;
  }

  private list(r: Extract<KvRequest, { op: "list" }>): KvListPage {
    const limit = checkList(r.prefix, r);
    // TEXT compares as UTF-8 bytes (BINARY collation): code-point order, as compareKeys.
    const upper = prefixUpperBound(r.prefix);
    const rows = this.sql
      .exec(
        `SELECT key FROM ${TABLE} WHERE key >= ? AND key > ? AND (? IS NULL OR key < ?)` +
          ` AND (expires_at IS NULL OR expires_at > ?) ORDER BY key LIMIT ?`,
        r.prefix,
        r.cursor ?? "",
        upper,
        upper,
        this.now(),
        limit + 1,
      )
      .toArray();
    const keys = rows.slice(0, limit).map((row) => String(row.key));
    return { keys, cursor: rows.length > limit ? keys[keys.length - 1]! : null };
  }

  private hit(key: string, windowMs: number): KvWindowHit {
    if (windowMs === undefined) throw new KvError("INVALID_TTL", "windowMs is required");
    checkTtl(windowMs);
    const row = this.live(key);
    if (!row) {
      const resetAt = this.now() + windowMs;
      this.write(key, "1", resetAt);
      return { count: 1, resetAt };
    }
    const count = parseInteger(row.value, key) + 1;
    if (!Number.isSafeInteger(count)) throw new KvError("NOT_AN_INTEGER", `hit count of ${key} overflows`);
    const resetAt = row.expiresAt ?? this.now() + windowMs;
    this.write(key, String(count), resetAt);
    return { count, resetAt };
  }
}

/**
 * Stored keys carry the client's prefix, so the port's key limit is checked by the client; the
 * engine only refuses what cannot be a key at all (and keys far past any prefixed limit).
 */
function checkStoredKey(key: unknown): void {
  if (typeof key !== "string" || key.length === 0) throw new KvError("INVALID_ARGUMENT", "key must be a non-empty string");
  if (key.length > KV_LIMITS.maxKeyBytes * 4) throw new KvError("KEY_TOO_LARGE", "key is too large");
}
