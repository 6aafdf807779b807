/**
 * Relation paths in developer-authored scopes (spec 10 §5.7): `author.orgId=="o1"` on posts
 * compiles to `EXISTS (SELECT 1 FROM authors WHERE authors.id = posts.author_id AND authors.org_id = ?)`,
 * one nested correlated subquery per hop, over declared and FK-discovered relations (discovery
 * applies here even without `autoRelations`). manyToMany hops join through their join table.
 * At most 5 hops and no table twice, so every correlated column reference is unambiguous.
 * @module
 */
import { getTableName, sql, type SQL } from "drizzle-orm";
import { FilterParseError } from "../../errors/problem.js";
import { toSql, type RsqlComparison } from "../../rsql/index.js";
import type { ResourceRuntime } from "../runtime.js";
import { relationsOf, type Relation } from "./resolve.js";

const MAX_HOPS = 5;

function fail(node: RsqlComparison, message: string): never {
  throw new FilterParseError(message, { position: node.position, field: node.field });
}

/** `EXISTS (…)` linking one parent row to the rows of `relation` for which `inner` holds. */
function hop(owner: ResourceRuntime, relation: Relation, inner: SQL): SQL {
  const parentColumn = owner.model.columns[relation.parentKey]!;
  const link = sql`${relation.matchColumn} = ${parentColumn}`;
  const through = relation.through;
  if (!through) return sql`exists (select 1 from ${relation.table} where ${link} and ${inner})`;
  return sql`exists (select 1 from ${through.table} inner join ${relation.table} on ${through.targetKey} = ${through.references} where ${link} and ${inner})`;
}

/**
 * Compiles a dotted comparison of a scope on resource `rt` into nested `EXISTS` subqueries.
 * Throws `FilterParseError` for an unknown relation or column, more than 5 hops or a revisited table.
 */
export function relationPathSql(rt: ResourceRuntime, node: RsqlComparison): SQL {
  const relationNames = node.path.slice(0, -1);
  if (relationNames.length > MAX_HOPS) fail(node, `Relation path ${node.field} has more than ${MAX_HOPS} hops`);
  const seen = new Set([rt.model.name]);
  const hops: { owner: ResourceRuntime; relation: Relation }[] = [];
  let owner: ResourceRuntime | undefined = rt;
  for (const name of relationNames) {
    if (!owner) fail(node, `Relation path ${node.field}: ${hops.at(-1)!.relation.target} is not a registered resource`);
    const relation = relationsOf(owner, "paths").get(name);
    if (!relation) fail(node, `Unknown relation '${name}' on ${owner.model.name} in ${node.field}`);
    const tables = relation.through ? [getTableName(relation.through.table), relation.target] : [relation.target];
    for (const table of tables) {
      if (seen.has(table)) fail(node, `Relation path ${node.field} visits ${table} twice`);
      seen.add(table);
    }
    hops.push({ owner, relation });
    owner = owner.registry.get(relation.target);
  }
  const last = hops.at(-1)!.relation;
  const leaf: RsqlComparison = { ...node, field: node.path.at(-1)!, path: [node.path.at(-1)!] };
  let condition = toSql(leaf, { dialect: rt.model.dialect, columns: last.columns, customOperators: rt.config.customOperators, rejectRelationPaths: false });
  for (let i = hops.length - 1; i >= 0; i--) condition = hop(hops[i]!.owner, hops[i]!.relation, condition);
  return condition;
}
