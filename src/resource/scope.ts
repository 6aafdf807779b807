/**
 * Resolves a resource's `auth` option into the rows an operation may touch (spec 10 §2.1):
 * `"all"`, `"none"` (deny, compiles to a false predicate) or an RSQL scope text.
 * Fails closed: a scope function that throws denies.
 * @module
 */
import type { Context } from "hono";
import { UnauthorizedError } from "../errors/problem.js";
import { isCompiledScope } from "../rsql/index.js";
import type { ResourceAuth, ScopeOperation, UserContext } from "./config.js";

/** The outcome of scope resolution. */
export type ResolvedScope = { kind: "all" } | { kind: "none" } | { kind: "rsql"; text: string };

const ALL: ResolvedScope = { kind: "all" };
const NONE: ResolvedScope = { kind: "none" };

/** Context variable set by auth middleware once an auth adapter is installed. */
export const AUTH_INSTALLED = "covaraAuthInstalled";
/**
 * Context key of a re-authentication check (`() => Promise<boolean>`) that auth middleware sets
 * and long-lived requests (subscriptions) call later to learn whether the credentials still stand.
 */
export const SESSION_CHECK = "covaraSessionCheck";

function isPublic(auth: ResourceAuth, op: ScopeOperation): boolean {
  if (auth.public === true) return op === "read" || op === "subscribe";
  return typeof auth.public === "object" && auth.public[op] === true;
}

const MEMO = "covaraScopeMemo";

/** Forgets the request's memoised scopes, so the scope functions run again (subscription rechecks). */
export function forgetScopes(c: Context): void {
  c.set(MEMO as never, undefined as never);
}

/**
 * Resolves the scope of `op` for the request's user, throwing 401 for anonymous callers that
 * need a user. Memoised per request, so a route that checks a scope twice (lookup, then the
 * write) calls the app's scope function once.
 */
export function resolveScope(c: Context, auth: ResourceAuth | undefined, op: ScopeOperation, resource: string): Promise<ResolvedScope> {
  if (!auth) return resolveUncached(c, auth, op, resource);
  let memo = c.get(MEMO as never) as Map<unknown, Map<string, Promise<ResolvedScope>>> | undefined;
  if (!memo) c.set(MEMO as never, (memo = new Map()) as never);
  let byOp = memo.get(auth);
  if (!byOp) memo.set(auth, (byOp = new Map()));
  let scope = byOp.get(op);
  if (!scope) byOp.set(op, (scope = resolveUncached(c, auth, op, resource)));
  return scope;
}

/**
 * The access rule for a resource without an `auth` option, decided synchronously: open without an
 * auth adapter, signed-in users only with one (throws 401).
 */
export function openAccess(c: Context, op: ScopeOperation, resource: string): void {
  const user = c.get("user" as never) as UserContext | null | undefined;
  if (!user && c.get(AUTH_INSTALLED as never)) throw new UnauthorizedError(`Authentication required for ${op} on ${resource}`);
}

async function resolveUncached(c: Context, auth: ResourceAuth | undefined, op: ScopeOperation, resource: string): Promise<ResolvedScope> {
  const user = (c.get("user" as never) as UserContext | null | undefined) ?? null;
  if (!auth) {
    // Our default-access decision: open without an auth adapter, signed-in users only with one.
    openAccess(c, op, resource);
    return ALL;
  }
  if (isPublic(auth, op)) return ALL;
  if (!user) throw new UnauthorizedError(`Authentication required for ${op} on ${resource}`);
  const fn = op === "subscribe" ? auth.subscribe ?? auth.read ?? auth.scope : auth[op] ?? auth.scope;
  if (!fn) return ALL;
  try {
    return interpret(await fn(user));
  } catch {
    // Fail closed: a scope that cannot be computed (a lookup failed) denies instead of a 500.
    return NONE;
  }
}

/**
 * What a scope function returned, as a resolved scope: a string is trusted RSQL, a CompiledScope
 * its text; anything else (null, undefined, a number, a plain object) denies (spec 40 §9.2).
 */
function interpret(scope: unknown): ResolvedScope {
  let text: string;
  if (typeof scope === "string") text = scope.trim();
  else if (isCompiledScope(scope)) text = scope.isEmpty() ? "" : scope.toString().trim();
  else return NONE;
  if (text === "*") return ALL;
  if (text === "") return NONE;
  return { kind: "rsql", text };
}
