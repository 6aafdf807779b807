/**
 * `?include=` for list and get (spec 10 §14): the one entry point the routes call. A request
 * without `include` on a resource without eager relations costs one comparison — no await, no
 * allocation.
 * @module
 */
import type { Context } from "hono";
import type { ResourceRuntime } from "../runtime.js";
import { loadLevel } from "./load.js";
import { parseInclude, type IncludeNode } from "./parse.js";
import { planIncludes } from "./plan.js";
import { checkDeclaredRelations, relationsOf } from "./resolve.js";

type Row = Record<string, unknown>;

/**
 * Attaches the included relations of `rows` (full stored rows) to their presented `bodies`;
 * returns undefined when there is nothing to include, a promise otherwise.
 */
export type IncludeLoader = (c: Context, include: string | undefined, rows: Row[], bodies: Row[]) => Promise<void> | undefined;

/** Eager relations not named by the include load as if they were (top level only). */
function withEager(rt: ResourceRuntime, nodes: IncludeNode[]): IncludeNode[] {
  for (const relation of relationsOf(rt).values()) {
    if (relation.eager && !nodes.some((n) => n.name === relation.name)) nodes.push({ name: relation.name, options: undefined, children: [] });
  }
  return nodes;
}

/** Builds the include loader of a resource; declared relations are checked here, at mount time. */
export function includeLoader(rt: ResourceRuntime): IncludeLoader {
  checkDeclaredRelations(rt);
  const eager = Object.values(rt.config.relations ?? {}).some((r) => r.strategy === "eager");
  const settings = { maxDepth: rt.config.include?.maxDepth ?? 3, defaultLimit: rt.config.include?.defaultLimit };
  return (c, include, rows, bodies) => {
    if (!eager && (include === undefined || include.trim() === "")) return undefined;
    return (async () => {
      const nodes = include === undefined || include.trim() === "" ? [] : parseInclude(include);
      const plans = await planIncludes(c, rt, eager ? withEager(rt, nodes) : nodes, settings);
      if (plans.length > 0) await loadLevel(rt.db, plans, rows, bodies);
    })();
  };
}

export { parseInclude } from "./parse.js";
export type { IncludeNode, IncludeOptions } from "./parse.js";
export { relationsOf, relationNameOf } from "./resolve.js";
export type { Relation } from "./resolve.js";
