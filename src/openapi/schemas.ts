/**
 * JSON Schemas of a resource's rows and request bodies, derived from its Drizzle columns and
 * field policies. They describe the wire format (src/resource/coerce.ts), not the JS types:
 * dates travel as ISO strings, bigints as strings of digits.
 * @module
 */
import type { Column } from "drizzle-orm";
import { isIntegerColumn } from "../resource/coerce.js";
import type { ResourceRuntime } from "../resource/runtime.js";

/** A JSON Schema (2020-12, the OpenAPI 3.1 dialect). */
export type JsonSchema = Record<string, unknown>;

type ColumnExtras = Column & { enumValues?: readonly string[]; baseColumn?: Column };

/** Schema of one column's value as the API emits it (`"out"`) or accepts it (`"in"`), without null. */
export function valueSchema(column: Column, direction: "in" | "out"): JsonSchema {
  const { enumValues, baseColumn } = column as ColumnExtras;
  switch (column.dataType) {
    case "string": {
      if (enumValues?.length) return { type: "string", enum: [...enumValues] };
      const type = column.columnType;
      if (type === "PgUUID") return { type: "string", format: "uuid" };
      if (type === "PgDateString") return { type: "string", format: "date" };
      // Numeric columns map to strings in JS (exact decimals) and also take JSON numbers.
      if (/Numeric|Decimal/.test(type)) return direction === "in" ? { type: ["string", "number"] } : { type: "string", pattern: "^-?\\d+(\\.\\d+)?$" };
      return { type: "string" };
    }
    case "number":
      return { type: isIntegerColumn(column) ? "integer" : "number" };
    case "boolean":
      return { type: "boolean" };
    case "date":
      // Accepted as any date string or epoch milliseconds; emitted as an ISO-8601 instant.
      return direction === "in" ? { type: ["string", "integer"] } : { type: "string", format: "date-time" };
    case "bigint":
      // Emitted as a string: JSON numbers lose precision above 2^53.
      return direction === "in" ? { type: ["string", "integer"], pattern: "^-?\\d+$" } : { type: "string", pattern: "^-?\\d+$" };
    case "array":
      return baseColumn ? { type: "array", items: withNull(baseColumn, valueSchema(baseColumn, direction)) } : { type: "array" };
    default:
      // json, custom and buffer columns: any JSON value.
      return {};
  }
}

/** Adds `null` to a value schema for a nullable column. */
function withNull(column: Column, schema: JsonSchema): JsonSchema {
  if (column.notNull || schema.type === undefined) return schema;
  const types = Array.isArray(schema.type) ? schema.type : [schema.type];
  const out: JsonSchema = { ...schema, type: [...types, "null"] };
  if (Array.isArray(schema.enum)) out.enum = [...schema.enum, null];
  return out;
}

/** The column's schema including nullability and, where useful, its database default. */
function columnSchema(column: Column, direction: "in" | "out"): JsonSchema {
  const schema = withNull(column, valueSchema(column, direction));
  const fallback = (column as Column & { default?: unknown }).default;
  if (direction === "in" && column.hasDefault && isJsonLiteral(fallback)) schema.default = fallback;
  return schema;
}

function isJsonLiteral(value: unknown): boolean {
  return value === null || ["string", "number", "boolean"].includes(typeof value);
}

/**
 * The row as responses carry it: readable columns (always present), computed fields (untyped)
 * and declared relations, present only when included.
 */
export function rowSchema(rt: ResourceRuntime, relationRef: (resource: string) => string | undefined): JsonSchema {
  const properties: Record<string, JsonSchema> = {};
  const required: string[] = [];
  for (const key of rt.model.keys) {
    if (!rt.readable.has(key)) continue;
    properties[key] = columnSchema(rt.model.columns[key]!, "out");
    required.push(key);
  }
  for (const name of Object.keys(rt.config.computed ?? {})) properties[name] = { description: "Computed field" };
  for (const [name, relation] of Object.entries(rt.config.relations ?? {})) {
    const ref = relationRef(relation.resource);
    const target: JsonSchema = ref ? { $ref: ref } : { type: "object" };
    const many = relation.type === "hasMany" || relation.type === "manyToMany";
    properties[name] = many
      ? { type: "array", items: target, description: `Included ${relation.type} relation (?include=${name})` }
      : { anyOf: [target, { type: "null" }], description: `Included ${relation.type} relation (?include=${name})` };
  }
  return { type: "object", properties, required };
}

/** Request body of create (`"create"`), PUT (`"replace"`) or PATCH (`"update"`). */
export function inputSchema(rt: ResourceRuntime, mode: "create" | "replace" | "update"): JsonSchema {
  const rules = mode === "create" ? rt.createRules : rt.updateRules;
  const properties: Record<string, JsonSchema> = {};
  const required: string[] = [];
  for (const key of rt.model.keys) {
    // A required key that is not writable must still be sent (it is validated, then dropped).
    const needed = mode !== "update" && rules.required.has(key);
    if (!rules.writable.has(key) && !needed) continue;
    properties[key] = columnSchema(rt.model.columns[key]!, "in");
    if (!rt.readable.has(key)) properties[key].writeOnly = true;
    if (needed) required.push(key);
  }
  const schema: JsonSchema = { type: "object", properties };
  if (required.length > 0) schema.required = required;
  // strictInput rejects unknown keys, except nested-relation keys on create.
  if (rules.strict && !(mode === "create" && rt.config.nestedWrites)) schema.additionalProperties = false;
  return schema;
}

/** The RFC 7807 problem body every error response carries (spec 10 §16). */
export const PROBLEM_SCHEMA: JsonSchema = {
  type: "object",
  required: ["type", "title", "status", "detail"],
  properties: {
    type: { type: "string", description: "Relative URI /__covara/problems/<slug>" },
    title: { type: "string" },
    status: { type: "integer" },
    detail: { type: "string" },
    code: { type: "string", description: "Stable machine-readable code, e.g. NOT_FOUND" },
    instance: { type: "string" },
    requestId: { type: "string" },
    errors: {
      type: "array",
      items: { type: "object", properties: { field: { type: "string" }, path: { type: "string" }, message: { type: "string" } } },
    },
  },
};

/**
 * JSON Schema of a procedure's input or output validator, when it can describe itself: a
 * Standard JSON Schema (`~standard.jsonSchema`, zod 4, valibot, arktype…) or a `toJSONSchema()`
 * method. Anything else (or a conversion that throws) is an open schema.
 */
export function validatorSchema(validator: unknown, direction: "input" | "output", id: string): JsonSchema | undefined {
  if (!validator || typeof validator !== "object") return undefined;
  const target = { target: "draft-2020-12" };
  let schema: unknown;
  try {
    const standard = (validator as { "~standard"?: { jsonSchema?: Record<string, (o: object) => unknown> } })["~standard"]?.jsonSchema;
    const method = (validator as { toJSONSchema?: (o?: object) => unknown }).toJSONSchema;
    schema = standard?.[direction] ? standard[direction](target) : typeof method === "function" ? method.call(validator, target) : undefined;
  } catch {
    return undefined;
  }
  if (!schema || typeof schema !== "object") return undefined;
  const { $schema: _dialect, ...rest } = schema as JsonSchema;
  // Local `#/$defs/…` references resolve against the nearest `$id`, so give the schema its own.
  if (rest.$defs && rest.$id === undefined) rest.$id = id;
  return rest;
}
