/**
 * A resource's relations (spec 10 §14.1, §14.5): the declared ones, plus — with `autoRelations`,
 * and always for scope relation paths — belongsTo/hasMany discovered from single-column foreign
 * keys between registered resources. Resources register one after another, so discovery runs on
 * first use and again only when the registry has grown since.
 * @module
 */
import { getTableColumns, getTableName, type Column, type Table } from "drizzle-orm";
import type { RelationConfig, RelationType } from "../config.js";
import { columnKey } from "../model.js";
import type { ResourceRuntime } from "../runtime.js";
import { foreignKeysOf } from "./foreign-keys.js";

/** A relation reduced to what loading and relation paths need. */
export interface Relation {
  name: string;
  type: RelationType;
  /** The target's resource (table) name: the registry key. */
  target: string;
  table: Table;
  /** The target's columns by property key. */
  columns: Record<string, Column>;
  /** The target's primary key: the order of to-many results and of per-parent limits. */
  idColumn: Column;
  /** Property key of the parent column whose values are looked up. */
  parentKey: string;
  /** The column matched against those values: on the target, or on the join table for manyToMany. */
  matchColumn: Column;
  /** manyToMany: the join table and the join condition's two columns. */
  through?: { table: Table; targetKey: Column; references: Column };
  eager: boolean;
  /** Target property keys loaded when an include names no `select`. */
  defaultSelect?: string[];
}

interface Resolved {
  registered: number;
  relations: Map<string, Relation>;
}

const caches = { include: new WeakMap<ResourceRuntime, Resolved>(), paths: new WeakMap<ResourceRuntime, Resolved>() };

function primaryColumn(table: Table, rt: ResourceRuntime | undefined): Column {
  if (rt) return rt.model.idColumn;
  const columns = Object.values(getTableColumns(table) as Record<string, Column>);
  return columns.find((c) => c.primary) ?? columns[0]!;
}

function declared(rt: ResourceRuntime, name: string, config: RelationConfig): Relation {
  const where = `relations.${name}`;
  const target = rt.registry.get(config.resource);
  const columns = getTableColumns(config.schema) as Record<string, Column>;
  const base = {
    name,
    type: config.type,
    target: config.resource,
    table: config.schema,
    columns,
    idColumn: primaryColumn(config.schema, target),
    eager: config.strategy === "eager",
    defaultSelect: config.defaultSelect?.map((c) => columnKey(columns, c, `${where}.defaultSelect`)),
  };
  switch (config.type) {
    case "belongsTo":
      columnKey(columns, config.references, `${where}.references`);
      return { ...base, parentKey: columnKey(rt.model.columns, config.foreignKey, `${where}.foreignKey`), matchColumn: config.references };
    case "hasOne":
    case "hasMany":
      columnKey(columns, config.foreignKey, `${where}.foreignKey`);
      return { ...base, parentKey: columnKey(rt.model.columns, config.references, `${where}.references`), matchColumn: config.foreignKey };
    case "manyToMany": {
      const through = config.through;
      if (!through) throw new Error(`${where}: a manyToMany relation needs \`through\``);
      const joinColumns = getTableColumns(through.schema) as Record<string, Column>;
      columnKey(joinColumns, through.sourceKey, `${where}.through.sourceKey`);
      columnKey(joinColumns, through.targetKey, `${where}.through.targetKey`);
      columnKey(columns, config.references, `${where}.references`);
      return {
        ...base,
        parentKey: rt.model.idKey,
        matchColumn: through.sourceKey,
        through: { table: through.schema, targetKey: through.targetKey, references: config.references },
      };
    }
    default:
      throw new Error(`${where}: unknown relation type '${String(config.type)}'`);
  }
}

/** `author_id` → `author`, `authorId` → `author`; a name without the suffix stays as it is. */
export function relationNameOf(sqlColumn: string): string {
  const stripped = sqlColumn.replace(/(_id|Id|id)$/, "");
  return stripped === "" ? sqlColumn : stripped;
}

function discover(rt: ResourceRuntime, relations: Map<string, Relation>): void {
  const { table, columns } = rt.model;
  for (const fk of foreignKeysOf(table)) {
    const target = rt.registry.get(getTableName(fk.foreignTable));
    const name = relationNameOf(fk.column.name);
    // Our decision: only registered targets, so every discovered relation has a read scope.
    if (!target || target.model.table !== fk.foreignTable || relations.has(name)) continue;
    relations.set(name, {
      name,
      type: "belongsTo",
      target: target.model.name,
      table: fk.foreignTable,
      columns: target.model.columns,
      idColumn: target.model.idColumn,
      parentKey: columnKey(columns, fk.column, "foreign key"),
      matchColumn: fk.foreignColumn,
      eager: false,
    });
  }
  for (const other of rt.registry.all()) {
    for (const fk of foreignKeysOf(other.model.table)) {
      const name = other.model.name;
      if (fk.foreignTable !== table || relations.has(name)) continue;
      relations.set(name, {
        name,
        type: "hasMany",
        target: name,
        table: other.model.table,
        columns: other.model.columns,
        idColumn: other.model.idColumn,
        parentKey: columnKey(columns, fk.foreignColumn, "foreign key"),
        matchColumn: fk.column,
        eager: false,
      });
    }
  }
}

/**
 * The relations of a resource by name: declared ones win; FK discovery adds to them when
 * `autoRelations` is on, or always for `purpose: "paths"` (scope relation paths, §5.7).
 */
export function relationsOf(rt: ResourceRuntime, purpose: "include" | "paths" = "include"): Map<string, Relation> {
  const cache = caches[purpose];
  const registered = rt.registry.all().length;
  const known = cache.get(rt);
  if (known && known.registered === registered) return known.relations;
  const relations = new Map<string, Relation>();
  for (const [name, config] of Object.entries(rt.config.relations ?? {})) relations.set(name, declared(rt, name, config));
  if (purpose === "paths" || rt.config.autoRelations) discover(rt, relations);
  cache.set(rt, { registered, relations });
  return relations;
}

/** Validates the declared relations at startup (they need no registry); throws on a mistake. */
export function checkDeclaredRelations(rt: ResourceRuntime): void {
  for (const [name, config] of Object.entries(rt.config.relations ?? {})) declared(rt, name, config);
}
