/**
 * Turns a parsed include tree into a loading plan before any relation is queried: relation names
 * and depth are checked (400), and each relation's WHERE is built — the target's read scope,
 * not-deleted condition and the include filter compiled with the target's user-filter rules
 * (spec 10 §14.4). A target the caller may not read (401) loads as null/[] instead of failing.
 * @module
 */
import type { SQL } from "drizzle-orm";
import type { Context } from "hono";
import { UnauthorizedError, ValidationError } from "../../errors/problem.js";
import { parseRsql, toSql } from "../../rsql/index.js";
import type { ResourceRuntime } from "../runtime.js";
import type { IncludeNode } from "./parse.js";
import { relationsOf, type Relation } from "./resolve.js";

/** One relation to load, ready to query. */
export interface PlannedInclude {
  relation: Relation;
  /** The registered target resource; undefined for an unregistered table (no scope, no mask). */
  target: ResourceRuntime | undefined;
  where: SQL | undefined;
  /** The caller may not read the target: every parent gets null/[] and no query runs. */
  denied: boolean;
  /** Target keys to keep; null keeps every readable column. */
  select: string[] | null;
  limit: number | undefined;
  offset: number;
  children: PlannedInclude[];
}

/** Settings shared by every level of one include tree. */
export interface PlanSettings {
  maxDepth: number;
  defaultLimit: number | undefined;
}

function unknownRelation(name: string, owner: string, known: Map<string, Relation>): never {
  const allowed = [...known.keys()];
  throw new ValidationError(`Unknown relation '${name}' on ${owner}`, [{ field: "include", message: `unknown relation '${name}'` }], {
    allowedRelations: allowed,
  });
}

async function targetWhere(c: Context, owner: ResourceRuntime, relation: Relation, target: ResourceRuntime | undefined, filter: string | undefined) {
  if (!target) {
    // No resource, so no scope and no mask; the filter is still untrusted input.
    const node = filter ? parseRsql(filter) : null;
    const options = { dialect: owner.model.dialect, columns: relation.columns, rejectRelationPaths: true };
    return { where: node ? toSql(node, options) : undefined, denied: false };
  }
  try {
    return { where: await target.where(c, "read", filter), denied: false };
  } catch (error) {
    if (error instanceof UnauthorizedError) return { where: undefined, denied: true };
    throw error;
  }
}

function selectKeys(relation: Relation, target: ResourceRuntime | undefined, select: string[] | undefined): string[] | null {
  const keys = select ?? relation.defaultSelect;
  if (!keys) return null;
  const allowed: ReadonlySet<string> = target?.selectable ?? new Set(Object.keys(relation.columns));
  // Unknown and masked keys are ignored, as in `?select=`, so hidden columns cannot be probed.
  return keys.filter((k) => allowed.has(k));
}

/**
 * Plans the includes of `nodes` on resource `owner` at nesting `depth` (1 = top level). Throws a
 * 400 for an unknown relation, a level deeper than `maxDepth`, or an invalid include filter.
 */
export async function planIncludes(
  c: Context,
  owner: ResourceRuntime,
  nodes: IncludeNode[],
  settings: PlanSettings,
  depth = 1,
  path = "",
): Promise<PlannedInclude[]> {
  const relations = relationsOf(owner);
  const planned: PlannedInclude[] = [];
  for (const node of nodes) {
    const where = path ? `${path}.${node.name}` : node.name;
    const relation = relations.get(node.name) ?? unknownRelation(node.name, owner.model.name, relations);
    if (depth > settings.maxDepth) {
      throw new ValidationError(`Include '${where}' is deeper than include.maxDepth (${settings.maxDepth})`, [
        { field: "include", message: `at most ${settings.maxDepth} levels` },
      ]);
    }
    const target = owner.registry.get(relation.target);
    const options = node.options ?? {};
    const toMany = relation.type === "hasMany" || relation.type === "manyToMany";
    const scoped = await targetWhere(c, owner, relation, target, options.filter);
    let children: PlannedInclude[] = [];
    if (node.children.length > 0) {
      if (!target) unknownRelation(node.children[0]!.name, relation.target, new Map());
      children = await planIncludes(c, target, node.children, settings, depth + 1, where);
    }
    planned.push({
      relation,
      target,
      ...scoped,
      select: selectKeys(relation, target, options.select),
      // A per-parent window only means something for to-many relations.
      limit: toMany ? options.limit ?? settings.defaultLimit : undefined,
      offset: toMany ? options.offset ?? 0 : 0,
      children,
    });
  }
  return planned;
}
