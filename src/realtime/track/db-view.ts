/**
 * The tracked db itself: a Proxy over a Drizzle db (or transaction) whose `insert`, `update`,
 * `delete`, raw statements (`run`, `all`, `get`, `values`, `execute`), `batch` and `transaction`
 * record what they change; everything else is the db's own. A view never changes state another
 * view sees: a transaction or `withoutTracking` gets a view (or handle) of its own.
 * @module
 */
import { affectedCount } from "./row-changes.js";
import { detectWrite, sqlText } from "./raw-sql.js";
import { kindName, unwrapQuery, wrapRaw, wrapWrite, writeOf } from "./query-proxy.js";
import { isThenable } from "./sync-or-async.js";
import { coarse, publish, record, registrationNamed, registrationOf, type Pending, type Registration, type Scope } from "./tracker.js";
import type { ChangeType } from "../types.js";

/** Where a view keeps its scope; `isTrackedDb` looks for it. */
export const TRACKING: unique symbol = Symbol.for("covara.tracking") as never;

const RAW_STATEMENTS = new Set(["run", "all", "get", "values", "execute"]);

/** A tracked view of `target` (a db, a transaction, or a `db.with(…)` builder) in `scope`. */
export function view(target: object, scope: Scope): any {
  return new Proxy(target, {
    get(t: any, prop) {
      if (prop === TRACKING) return scope;
      if (prop === "withoutTracking") return <R>(fn: (db: any) => R): R => fn(scope.handle);
      const value = Reflect.get(t, prop, t);
      if (typeof value !== "function" || typeof prop !== "string") return value;
      if (prop === "insert" || prop === "update" || prop === "delete") return (...args: unknown[]) => wrapWrite(value.apply(t, args), scope);
      // `db.with(cte)` builds statements too; its insert/update/delete are tracked the same way.
      if (prop === "with") return (...args: unknown[]) => view(value.apply(t, args), scope);
      if (RAW_STATEMENTS.has(prop)) return (query: unknown, ...rest: unknown[]) => rawStatement(scope, query, () => value.call(t, query, ...rest));
      if (prop === "batch") return (items: unknown[], ...rest: unknown[]) => batch(scope, items, (raw) => value.call(t, raw, ...rest));
      if (prop === "transaction") return (fn: (tx: any) => unknown, config?: unknown) => transaction(scope, (body) => value.call(t, body, config), fn);
      return value.bind(t);
    },
    has(t, prop) {
      return prop === TRACKING || prop === "withoutTracking" || Reflect.has(t, prop);
    },
  });
}

/** `db.run(sql)` & co.: a coarse entry when the text is a write to a tracked table (spec 20 §12). */
function rawStatement(scope: Scope, query: unknown, exec: () => unknown): unknown {
  const text = sqlText(scope.handle, query);
  const detected = text === undefined ? undefined : detectWrite(text);
  const reg = detected && registrationNamed(scope, detected.table);
  if (!reg) return exec();
  return wrapRaw(exec(), reg, coarse(detected.type), scope, text!, affectedCount);
}

/** What one `db.batch` item writes, if it writes a tracked table. */
function batchItem(scope: Scope, item: unknown): { reg: Registration; type: ChangeType; sql: string } | undefined {
  const write = writeOf(item);
  if (write) {
    const reg = registrationOf(scope, write.config.table);
    const type: ChangeType = write.kind === "insert" ? "create" : write.kind;
    return reg && { reg, type, sql: (item as { toSQL(): { sql: string } }).toSQL().sql };
  }
  if (!kindName(item).endsWith("Raw")) return undefined;
  const text = (item as { getQuery(): { sql: string } }).getQuery().sql;
  const detected = detectWrite(text);
  const reg = detected && registrationNamed(scope, detected.table);
  return reg && { reg, type: detected.type, sql: text };
}

/** `db.batch([...])`: one coarse entry per statement that writes a tracked table, after it committed. */
async function batch(scope: Scope, items: unknown[], exec: (raw: unknown[]) => unknown): Promise<unknown> {
  const raw = items.map(unwrapQuery);
  const writes = raw.map((item) => batchItem(scope, item));
  const results = await exec(raw);
  for (const write of writes) if (write) await record(scope, write.reg, [coarse(write.type)], write.sql);
  return results;
}

/**
 * `db.transaction(fn)` (nested ones too): `fn` gets a view whose changes wait in a buffer. On
 * commit they go to the enclosing transaction's buffer, or out; a rollback drops them.
 */
function transaction(scope: Scope, begin: (body: (tx: any) => unknown) => unknown, fn: (tx: any) => unknown): unknown {
  if (scope.tracker.options.trackTransactions === false) return begin(fn);
  const buffer: Pending[] = [];
  const result = begin((tx) => fn(view(tx, { ...scope, handle: tx, buffer })));
  const commit = (): void | Promise<void> => {
    if (scope.buffer) scope.buffer.push(...buffer);
    else return publish(scope, buffer);
  };
  // better-sqlite3 commits synchronously and its caller expects a plain value back.
  if (!isThenable(result)) {
    void commit();
    return result;
  }
  return Promise.resolve(result).then(async (value) => {
    await commit();
    return value;
  });
}
