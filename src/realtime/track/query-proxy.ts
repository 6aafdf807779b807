/**
 * Proxies around Drizzle write builders and raw statements. Every chain step (`.values()`,
 * `.set()`, `.where()`, `.returning()`, `.onConflictDoNothing()` …) hands back a proxy again, and
 * the executors (`await`, `.execute()`, `.run()`, `.all()`, `.get()`, `.values()`) record what the
 * statement changed once it succeeded. The statement itself runs unchanged on the driver.
 * `.prepare()` returns Drizzle's own prepared statement, which is not tracked.
 * @module
 */
import { entityKind } from "drizzle-orm";
import { getLogger } from "../../log/logger.js";
import type { ChangeInput } from "../types.js";
import { captureBefore, changesOf, type ExecMode, type WriteConfig, type WriteKind } from "./row-changes.js";
import { andThen, isThenable, type Maybe } from "./sync-or-async.js";
import { record, registrationOf, type Registration, type Scope } from "./tracker.js";

const WRITE_KINDS: Record<string, WriteKind> = {
  SQLiteInsert: "insert",
  PgInsert: "insert",
  SQLiteUpdate: "update",
  PgUpdate: "update",
  SQLiteDelete: "delete",
  PgDelete: "delete",
};
/** The stage before `.values()` / `.set()`: not executable yet. */
const BUILDER_KINDS = new Set(["SQLiteInsertBuilder", "PgInsertBuilder", "SQLiteUpdateBuilder", "PgUpdateBuilder"]);
const EXECUTORS = new Set(["then", "catch", "finally", "execute", "run", "all", "get", "values"]);

/** Proxy → the Drizzle object it wraps, so `db.batch` can hand Drizzle its own objects. */
const wrapped = new WeakMap<object, object>();

/** The Drizzle object behind a tracking proxy (or the value itself). */
export function unwrapQuery<T>(value: T): T {
  return (typeof value === "object" && value !== null ? (wrapped.get(value) as T | undefined) : undefined) ?? value;
}

/** Drizzle's entity kind of a value (`"SQLiteInsert"`, `"PgRaw"` …), or "". */
export function kindName(value: unknown): string {
  const ctor = (value as { constructor?: unknown } | null)?.constructor as Record<symbol, unknown> | undefined;
  return typeof ctor?.[entityKind] === "string" ? (ctor[entityKind] as string) : "";
}

/** The write kind and config of a Drizzle insert/update/delete query, if `value` is one. */
export function writeOf(value: unknown): { kind: WriteKind; config: WriteConfig } | undefined {
  const kind = WRITE_KINDS[kindName(value)];
  return kind ? { kind, config: (value as { config: WriteConfig }).config } : undefined;
}

/** Wraps a write builder or query so that running it is recorded; anything else is returned as is. */
export function wrapWrite(query: unknown, scope: Scope): unknown {
  if (typeof query !== "object" || query === null) return query;
  const kind = WRITE_KINDS[kindName(query)];
  if (!kind && !BUILDER_KINDS.has(kindName(query))) return query;
  const proxy: any = new Proxy(query, {
    get(target: any, prop) {
      if (kind && typeof prop === "string" && EXECUTORS.has(prop)) return executor(target, prop, kind, scope, proxy);
      const value = Reflect.get(target, prop, target);
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        const out = value.apply(target, args);
        return out === target ? proxy : wrapWrite(out, scope);
      };
    },
  });
  wrapped.set(proxy, query);
  return proxy;
}

function executor(target: any, prop: string, kind: WriteKind, scope: Scope, proxy: any): unknown {
  if (prop === "then") {
    return (onFulfilled?: (value: unknown) => unknown, onRejected?: (error: unknown) => unknown) =>
      Promise.resolve(runWrite(target, kind, scope, "then", () => target.execute())).then(onFulfilled, onRejected);
  }
  if (prop === "catch") return (onRejected?: (error: unknown) => unknown) => proxy.then(undefined, onRejected);
  if (prop === "finally") return (onFinally?: () => void) => proxy.then().finally(onFinally);
  const fn = target[prop];
  if (typeof fn !== "function") return fn;
  return (...args: unknown[]) => runWrite(target, kind, scope, prop as ExecMode, () => fn.apply(target, args));
}

/**
 * Runs one write: the before-read (update/delete), the statement, then the record. A synchronous
 * driver gets its result back synchronously; recording then finishes in the background.
 */
function runWrite(target: any, kind: WriteKind, scope: Scope, mode: ExecMode, exec: () => unknown): unknown {
  const config = target.config as WriteConfig;
  const reg = registrationOf(scope, config.table);
  if (!reg) return exec();
  return andThen(kind === "insert" ? undefined : captureBefore(scope, reg, config), (before) => {
    const result = exec();
    const changes = (value: unknown) => changesOf(kind, scope, reg, config, before, value, mode);
    return settle(result, (value) => safely(reg, () => andThen(changes(value), (list) => record(scope, reg, list))));
  });
}

/**
 * `result` after `after(value)` has run: awaited for a promise, in the background for a plain
 * value (so better-sqlite3's synchronous executors stay synchronous).
 */
export function settle(result: unknown, after: (value: unknown) => Maybe<void>): unknown {
  if (!isThenable(result)) {
    void after(result);
    return result;
  }
  return Promise.resolve(result).then(async (value) => {
    await after(value);
    return value;
  });
}

/** Runs a recording step; a bug in it is logged, never turned into a failure of the committed write. */
function safely(reg: Registration, fn: () => Maybe<void>): Maybe<void> {
  const fail = (error: unknown) => getLogger().error(`trackMutations: could not record a write to ${reg.resource}`, { error: String(error) });
  try {
    const out = fn();
    return isThenable(out) ? Promise.resolve(out).catch(fail) : out;
  } catch (error) {
    fail(error);
  }
}

/**
 * Wraps a lazy raw statement (`SQLiteRaw`, `PgRaw`): `onDone(result)` runs once it executed.
 * A value that is already a result (synchronous driver) or a plain promise is settled directly.
 */
export function wrapRaw(result: unknown, reg: Registration, change: ChangeInput, scope: Scope, sql: string, countOf: (value: unknown) => number | undefined): unknown {
  const done = (value: unknown) => safely(reg, () => (countOf(value) === 0 ? undefined : record(scope, reg, [change], sql)));
  if (!isThenable(result) || result instanceof Promise) return settle(result, done);
  const proxy: any = new Proxy(result as object, {
    get(target: any, prop) {
      if (prop === "then" || prop === "execute") {
        const run = () => settle(target.execute(), done) as Promise<unknown>;
        return prop === "execute" ? run : (onFulfilled?: (v: unknown) => unknown, onRejected?: (e: unknown) => unknown) => run().then(onFulfilled, onRejected);
      }
      if (prop === "catch") return (onRejected?: (error: unknown) => unknown) => proxy.then(undefined, onRejected);
      if (prop === "finally") return (onFinally?: () => void) => proxy.then().finally(onFinally);
      const value = Reflect.get(target, prop, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  wrapped.set(proxy, result as object);
  return proxy;
}
