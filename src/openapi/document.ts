/**
 * `generateOpenAPISpec`: the OpenAPI 3.1 document of a Covara app, built from the resources it
 * mounted and the routes Hono really registered, so disabled capabilities, batch limits of 0 and
 * procedures show up exactly as they are served.
 * @module
 */
import { COVARA_VERSION } from "../middleware/versioning/index.js";
import { customOperation, procedureOperation, resourceOperation, routeKind, type ResourceNames } from "./operations.js";
import { HEADERS, PARAMETERS, problemResponses } from "./parameters.js";
import { inputSchema, PROBLEM_SCHEMA, rowSchema, type JsonSchema } from "./schemas.js";
import { servedProcedures, servedRoutes, type OpenApiSource } from "./route-table.js";

export type { OpenApiSource };

/** Options of the generated document (`createCovara({ openapi: { … } })`). */
export interface OpenApiConfig {
  /** `info.title`; default `"Covara API"`. */
  title?: string;
  /** `info.version`; default the Covara version. */
  version?: string;
  description?: string;
  servers?: { url: string; description?: string }[];
  /** Where the endpoints are mounted; default `"/__covara"`. */
  path?: string;
}

/** `post_tags` / `/api/v1/people` → `PostTags` / `ApiV1People`. */
export function pascalCase(text: string): string {
  return text
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((word) => word[0]!.toUpperCase() + word.slice(1))
    .join("");
}

const unique = (taken: Set<string>, wanted: string): string => {
  let name = wanted;
  for (let n = 2; taken.has(name); n++) name = `${wanted}${n}`;
  taken.add(name);
  return name;
};

const AGGREGATE_RESULT: JsonSchema = {
  type: "object",
  required: ["groups"],
  properties: {
    groups: {
      type: "array",
      items: {
        type: "object",
        required: ["key"],
        properties: {
          key: { type: ["object", "null"], description: "groupBy values; null without groupBy" },
          count: { type: "integer" },
          sum: { type: "object", additionalProperties: { type: "number" } },
          avg: { type: "object", additionalProperties: { type: "number" } },
          min: { type: "object" },
          max: { type: "object" },
        },
      },
    },
  },
};

/**
 * Generates the OpenAPI 3.1 document of an app.
 * @example const doc = generateOpenAPISpec(app, { title: "Todo API" });
 */
export function generateOpenAPISpec(source: OpenApiSource, config: OpenApiConfig = {}): JsonSchema {
  const names = new Set<string>();
  const tags = new Set<string>();
  const resources: (ResourceNames & { mount: string })[] = source.resources.map(({ path, runtime }) => {
    const first = !names.has(pascalCase(runtime.model.name));
    return {
      mount: path,
      rt: runtime,
      pascal: unique(names, pascalCase(first ? runtime.model.name : path) || "Root"),
      tag: unique(tags, first ? runtime.model.name : path),
    };
  });
  const schemas: Record<string, JsonSchema> = { Problem: PROBLEM_SCHEMA, AggregateResult: AGGREGATE_RESULT };
  const relationRef = (resource: string) => {
    const target = resources.find((r) => r.rt.model.name === resource);
    return target ? `#/components/schemas/${target.pascal}` : undefined;
  };
  for (const r of resources) schemas[r.pascal] = rowSchema(r.rt, relationRef);

  const schemaRef = (r: (typeof resources)[number]) => (suffix: string) => {
    const name = `${r.pascal}${suffix}`;
    if (!schemas[name]) {
      schemas[name] =
        suffix === "List"
          ? {
              type: "object",
              required: ["items", "nextCursor", "hasMore"],
              properties: {
                items: { type: "array", items: { $ref: `#/components/schemas/${r.pascal}` } },
                nextCursor: { type: ["string", "null"], description: "null exactly when hasMore is false" },
                hasMore: { type: "boolean" },
                totalCount: { type: "integer", description: "Only with totalCount=true" },
              },
            }
          : inputSchema(r.rt, suffix === "Input" ? "create" : suffix === "Update" ? "update" : "replace");
    }
    return { $ref: `#/components/schemas/${name}` };
  };

  const paths: Record<string, Record<string, JsonSchema>> = {};
  const operationIds = new Set<string>();
  const add = (path: string, method: string, op: JsonSchema) => {
    const item = (paths[path] ??= {});
    if (item[method]) return;
    op.operationId = unique(operationIds, op.operationId as string);
    item[method] = op;
  };
  const served = servedRoutes(source);
  resources.forEach((owner, i) => {
    const base = owner.mount === "/" ? "" : owner.mount;
    for (const { method: upper, suffix } of served[i]!) {
      const method = upper.toLowerCase();
      const kind = routeKind(upper, suffix);
      if (kind) {
        add(`${base}${suffix.replace(/\/:[^/]+$/, "/{id}")}` || "/", method, resourceOperation(kind, owner, schemaRef(owner)));
      } else if (upper === "POST" && /^\/rpc\/[^/]+$/.test(suffix)) {
        for (const name of servedProcedures(owner.rt, [{ method: upper, suffix }])) {
          add(`${base}/rpc/${name}`, method, procedureOperation(owner, name, `call${owner.pascal}${pascalCase(name)}`));
        }
      } else {
        const path = `${base}${suffix}`.replace(/:([A-Za-z0-9_]+)(\{[^}]*\})?\??/g, "{$1}") || "/";
        add(path, method, customOperation(owner, upper, path, `${method}${pascalCase(path)}`));
      }
    }
  });

  const document: JsonSchema = {
    openapi: "3.1.0",
    info: { title: config.title ?? "Covara API", version: config.version ?? COVARA_VERSION, ...(config.description ? { description: config.description } : {}) },
    ...(config.servers?.length ? { servers: config.servers } : {}),
    tags: resources.map((r) => ({ name: r.tag, description: `Resource ${r.rt.model.name} at ${r.mount}` })),
    paths,
    components: {
      schemas,
      parameters: PARAMETERS,
      responses: problemResponses(),
      headers: HEADERS,
      ...(source.authInstalled ? { securitySchemes: { bearerAuth: { type: "http", scheme: "bearer" } } } : {}),
    },
  };
  // Anonymous access stays possible (public operations), hence the empty alternative.
  if (source.authInstalled) document.security = [{ bearerAuth: [] }, {}];
  return document;
}
