/**
 * `GET /__covara/schema`: a compact description of the app's resources for type generators
 * (spec 90 §B.4): fields with wire types, relations, capabilities and procedures.
 * @module
 */
import { COVARA_VERSION } from "../middleware/versioning/index.js";
import { routeKind } from "./operations.js";
import { servedProcedures, servedRoutes, type OpenApiSource } from "./route-table.js";
import { valueSchema, type JsonSchema } from "./schemas.js";

/** The type of a field: a JSON primitive (with a format), an enum, an array, or any JSON. */
export interface FieldType {
  kind: "primitive" | "enum" | "array" | "json";
  primitive?: "string" | "number" | "integer" | "boolean";
  format?: string;
  enumValues?: string[];
  items?: FieldType;
}

function fieldType(schema: JsonSchema): FieldType {
  if (Array.isArray(schema.enum)) return { kind: "enum", enumValues: schema.enum.filter((v): v is string => v !== null) };
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== "null") : schema.type;
  if (type === "array") return { kind: "array", items: fieldType((schema.items as JsonSchema | undefined) ?? {}) };
  if (typeof type !== "string") return { kind: "json" };
  const format = typeof schema.format === "string" ? schema.format : undefined;
  return { kind: "primitive", primitive: type as FieldType["primitive"], ...(format ? { format } : {}) };
}

/** Builds the `/__covara/schema` document. */
export function describeResources(source: OpenApiSource): JsonSchema {
  const served = servedRoutes(source);
  const resources = source.resources.map(({ path, runtime: rt }, i) => {
    const { columns, keys, idKey } = rt.model;
    const fields: JsonSchema[] = keys
      .filter((key) => rt.readable.has(key))
      .map((key) => {
        const column = columns[key]!;
        const type = fieldType(valueSchema(column, "out"));
        // Strings that carry numbers: int64 values and exact decimals.
        if (column.dataType === "bigint") type.format = "bigint";
        else if (/Numeric|Decimal/.test(column.columnType) && type.kind === "primitive") type.format = "decimal";
        const field: JsonSchema = { name: key, type, nullable: !column.notNull };
        if (key === idKey) {
          field.primaryKey = true;
          if (!rt.createRules.required.has(key)) field.autoIncrement = true;
        }
        const fallback = (column as { default?: unknown }).default;
        if (column.hasDefault && (fallback === null || ["string", "number", "boolean"].includes(typeof fallback))) field.defaultValue = fallback;
        return field;
      });
    for (const name of Object.keys(rt.config.computed ?? {})) fields.push({ name, type: { kind: "json" }, nullable: true, computed: true });
    const kinds = new Set(served[i]!.map((r) => routeKind(r.method, r.suffix)));
    const relations = Object.entries(rt.config.relations ?? {}).map(([name, r]) => ({
      name,
      resource: r.resource,
      type: r.type,
      nullable: r.type === "belongsTo" || r.type === "hasOne",
    }));
    return {
      name: rt.model.name,
      path,
      fields,
      ...(relations.length > 0 ? { relations } : {}),
      capabilities: {
        list: kinds.has("list"),
        get: kinds.has("get"),
        create: kinds.has("create"),
        update: kinds.has("update"),
        delete: kinds.has("delete"),
        batch: [...kinds].some((k) => k?.startsWith("batch")),
        aggregations: kinds.has("aggregate"),
        subscribe: kinds.has("subscribe"),
        search: kinds.has("search"),
      },
      fieldPolicies: { writable: keys.filter((k) => rt.createRules.writable.has(k)) },
      procedures: servedProcedures(rt, served[i]!),
    };
  });
  return { version: COVARA_VERSION, timestamp: new Date().toISOString(), resources };
}
