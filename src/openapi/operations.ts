/**
 * One OpenAPI operation per route a resource really serves: the route table decides which
 * operations exist, the resource config decides their parameters, bodies and responses.
 * @module
 */
import { filterDescription, PROBLEM_RESPONSES } from "./parameters.js";
import { validatorSchema, valueSchema, type JsonSchema } from "./schemas.js";
import type { ResourceRuntime } from "../resource/runtime.js";

/** What the operations of one resource need to know. */
export interface ResourceNames {
  /** PascalCase name used in operationIds and schema names, unique in the document. */
  pascal: string;
  /** The tag grouping its operations. */
  tag: string;
  rt: ResourceRuntime;
}

type Operation = JsonSchema;

const ref = (kind: string, name: string) => ({ $ref: `#/components/${kind}/${name}` });
const param = (name: string) => ref("parameters", name);
const json = (schema: JsonSchema) => ({ "application/json": { schema } });
const body = (schema: JsonSchema) => ({ required: true, content: json(schema) });
const ok = (description: string, schema: JsonSchema, headers?: JsonSchema) => ({ description, content: json(schema), ...(headers ? { headers } : {}) });
const countSchema = { type: "object", required: ["count"], properties: { count: { type: "integer", minimum: 0 } } };

/** Route kinds a resource router registers, keyed by `METHOD suffix` (suffix with `:param` as `:id`). */
const KINDS: Record<string, string> = {
  "GET ": "list",
  "GET /:id": "get",
  "POST ": "create",
  "PATCH /:id": "update",
  "PUT /:id": "replace",
  "DELETE /:id": "delete",
  "GET /count": "count",
  "GET /aggregate": "aggregate",
  "GET /aggregate/subscribe": "subscribeAggregate",
  "GET /subscribe": "subscribe",
  "GET /search": "search",
  "POST /batch": "batchCreate",
  "PATCH /batch": "batchUpdate",
  "DELETE /batch": "batchDelete",
  "POST /batch/upsert": "batchUpsert",
};

/** Typical problem statuses per kind (spec 10 §3); 401 is everywhere, 429 joins with a rate limit. */
const ERRORS: Record<string, number[]> = {
  list: [400],
  get: [404],
  create: [400, 403, 413],
  update: [400, 403, 404, 412, 413],
  replace: [400, 403, 404, 412, 413],
  delete: [404],
  count: [400],
  aggregate: [400],
  subscribe: [400, 429],
  subscribeAggregate: [400, 429],
  search: [400, 500],
  batchCreate: [400, 403, 413],
  batchUpdate: [400, 413],
  batchDelete: [400],
  batchUpsert: [400, 403, 413],
};

/** The operation kind of a route, or undefined for a route Covara did not generate. */
export function routeKind(method: string, suffix: string): string | undefined {
  return KINDS[`${method} ${suffix.replace(/^\/:[^/]+$/, "/:id")}`];
}

const SSE_EVENTS = "Server-sent events: existing (initial snapshot), added, changed, removed, invalidate (refetch).";

/** The operation of a generated route. */
export function resourceOperation(kind: string, names: ResourceNames, schemaRef: (suffix: string) => JsonSchema): Operation {
  const { rt, pascal } = names;
  const etag = rt.config.etag !== undefined;
  const row = schemaRef("");
  const etagHeader = etag ? { ETag: ref("headers", "ETag") } : undefined;
  const parameters: JsonSchema[] = [];
  const responses: Record<string, JsonSchema> = {};
  const filter = () => {
    const custom = Object.keys(rt.config.customOperators ?? {});
    parameters.push(custom.length > 0 ? { ...param("Filter"), description: filterDescription(custom) } : param("Filter"));
  };
  const withDeleted = () => rt.softDelete && parameters.push(param("WithDeleted"));
  const idParam = () => parameters.push({ name: "id", in: "path", required: true, schema: valueSchema(rt.model.idColumn, "out") });
  let requestBody: JsonSchema | undefined;
  let summary = "";
  const errors = [...(ERRORS[kind] ?? []), 401];

  switch (kind) {
    case "list":
      summary = "List rows (filter, sort, keyset pagination)";
      filter();
      parameters.push(param("Select"), param("Include"), param("OrderBy"), param("Cursor"));
      parameters.push({
        name: "limit",
        in: "query",
        description: `Page size; below 1 counts as 1, above ${rt.maxLimit} as ${rt.maxLimit}.`,
        schema: { type: "integer", default: rt.defaultLimit, maximum: rt.maxLimit },
      });
      parameters.push(param("TotalCount"));
      withDeleted();
      responses["200"] = ok("One page of rows", schemaRef("List"));
      break;
    case "get":
      summary = "Get one row";
      idParam();
      parameters.push(param("Select"), param("Include"));
      if (etag) parameters.push(param("IfNoneMatch"));
      withDeleted();
      responses["200"] = ok("The row", row, etagHeader);
      if (etag) responses["304"] = { description: "Not modified (If-None-Match matched)", headers: etagHeader };
      break;
    case "create":
      summary = "Create a row";
      parameters.push(param("OptimisticId"));
      requestBody = body(schemaRef("Input"));
      responses["201"] = ok("The created row", row, etagHeader);
      break;
    case "update":
    case "replace":
      summary = kind === "update" ? "Update some fields of a row" : "Replace a row (full payload)";
      idParam();
      if (etag) parameters.push(param("IfMatch"));
      withDeleted();
      requestBody = body(schemaRef(kind === "update" ? "Update" : "Replace"));
      responses["200"] = ok("The updated row", row, etagHeader);
      break;
    case "delete":
      summary = rt.softDelete ? "Delete a row (soft delete)" : "Delete a row";
      idParam();
      if (etag) parameters.push(param("IfMatch"));
      withDeleted();
      if (etag) errors.push(412);
      responses["204"] = { description: "Deleted" };
      break;
    case "count":
      summary = "Count matching rows";
      filter();
      withDeleted();
      responses["200"] = ok("The count", countSchema);
      break;
    case "aggregate":
      summary = "Group and aggregate rows";
      filter();
      for (const name of ["GroupBy", "Count", "Sum", "Avg", "Min", "Max", "Having"]) parameters.push(param(name));
      withDeleted();
      responses["200"] = ok("The groups", ref("schemas", "AggregateResult"));
      break;
    case "subscribe":
    case "subscribeAggregate":
      summary = kind === "subscribe" ? "Subscribe to matching rows (SSE)" : "Subscribe to a live aggregate (SSE)";
      filter();
      if (kind === "subscribe") for (const name of ["Include", "ResumeFrom", "SkipExisting", "KnownIds"]) parameters.push(param(name));
      else for (const name of ["GroupBy", "Count", "Sum", "Avg", "Min", "Max", "Having"]) parameters.push(param(name));
      responses["200"] = { description: SSE_EVENTS, content: { "text/event-stream": { schema: { type: "string" } } } };
      break;
    case "search":
      summary = "Full-text search";
      parameters.push(param("Q"), param("Filter"), { name: "limit", in: "query", schema: { type: "integer", default: 20, maximum: 100 } });
      parameters.push(param("Offset"), param("Highlight"));
      responses["200"] = ok("Hits on this page", {
        type: "object",
        required: ["items", "total"],
        properties: { items: { type: "array", items: row }, total: { type: "integer" }, highlights: { type: "object" } },
      });
      break;
    case "batchCreate":
    case "batchUpsert": {
      summary = kind === "batchCreate" ? "Create several rows in one statement" : "Insert or update several rows by primary key";
      // Upsert items are create payloads; one carrying an existing id updates that row.
      const items: JsonSchema = { type: "array", items: schemaRef("Input") };
      const limit = rt.config.batch?.create ?? 100;
      items.maxItems = limit;
      requestBody = body({ type: "object", required: ["items"], properties: { items } });
      responses["200"] = ok("The stored rows", { type: "object", required: ["items"], properties: { items: { type: "array", items: row } } });
      break;
    }
    case "batchUpdate":
    case "batchDelete": {
      const limit = (kind === "batchUpdate" ? rt.config.batch?.update : rt.config.batch?.delete) ?? 100;
      summary = `${kind === "batchUpdate" ? "Apply one patch to" : "Delete"} every matching row (at most ${limit}; a blank filter targets every row in scope)`;
      filter();
      withDeleted();
      if (kind === "batchUpdate") requestBody = body(schemaRef("Update"));
      responses["200"] = ok("Rows affected", countSchema);
      break;
    }
  }
  return finish({ operationId: `${kind}${pascal}`, summary, tags: [names.tag], parameters, requestBody, responses }, errors, rt);
}

/** The operation of `POST <mount>/rpc/<name>`. */
export function procedureOperation(names: ResourceNames, name: string, uniqueId: string): Operation {
  const procedure = names.rt.config.procedures?.[name];
  const input = validatorSchema(procedure?.input, "input", `urn:covara:${uniqueId}:input`) ?? { type: "object" };
  const output = validatorSchema(procedure?.output, "output", `urn:covara:${uniqueId}:output`) ?? {};
  return finish(
    {
      operationId: uniqueId,
      summary: `Procedure ${name}`,
      tags: [names.tag],
      requestBody: { content: json(input) },
      responses: { "200": ok("The procedure's output", { type: "object", required: ["data"], properties: { data: output } }) },
    },
    [400, 500],
    names.rt,
  );
}

/** A route under the mount that Covara did not generate (added by the app). */
export function customOperation(names: ResourceNames, method: string, path: string, uniqueId: string): Operation {
  const parameters = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => ({ name: m[1], in: "path", required: true, schema: { type: "string" } }));
  return finish({ operationId: uniqueId, summary: `${method} ${path}`, tags: [names.tag], parameters, responses: { default: { description: "Response" } } }, [], names.rt);
}

/** Adds the problem responses and drops empty members. */
function finish(op: Operation, statuses: number[], rt: ResourceRuntime): Operation {
  const responses = op.responses as Record<string, JsonSchema>;
  if (rt.config.rateLimit) statuses.push(429);
  for (const status of [...new Set(statuses)].sort()) responses[String(status)] = ref("responses", PROBLEM_RESPONSES[status]![0]);
  if (Array.isArray(op.parameters) && op.parameters.length === 0) delete op.parameters;
  if (op.requestBody === undefined) delete op.requestBody;
  return op;
}
