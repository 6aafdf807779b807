/**
 * The OpenAPI endpoints: a rich app (masked fields, computed, ETags, soft delete, disabled
 * capabilities, procedures, batch/aggregate/rpc routes) on better-sqlite3 and a Postgres table
 * family on PGlite; the document is checked by a real OpenAPI 3.1 validator, its schemas by a
 * JSON Schema 2020-12 validator against rows the API really returns.
 */
import { describe, it, expect, beforeAll } from "vitest";
import { createHash } from "node:crypto";
import Database from "better-sqlite3";
import { drizzle as drizzleBetter } from "drizzle-orm/better-sqlite3";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { PGlite } from "@electric-sql/pglite";
import { sqliteTable, integer, text, real, blob } from "drizzle-orm/sqlite-core";
import { pgTable, pgEnum, serial, bigint, numeric, uuid, jsonb, date, timestamp, boolean, text as pgText } from "drizzle-orm/pg-core";
import { Validator } from "@seriousme/openapi-schema-validator";
import Ajv2020Module from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { createCovara, toYaml, type CovaraApp } from "../../src/index.js";
import { SQLITE_DDL, sqliteBlog, sqlitePeople } from "../resources/schema.js";

type Doc = Record<string, any>;
const Ajv2020 = ((Ajv2020Module as any).default ?? Ajv2020Module) as typeof Ajv2020Module;
const addFormats = ((addFormatsModule as any).default ?? addFormatsModule) as typeof addFormatsModule;

const widgets = sqliteTable("widgets", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  kind: text("kind", { enum: ["small", "large"] }).notNull(),
  meta: text("meta", { mode: "json" }),
  madeAt: integer("made_at", { mode: "timestamp_ms" }),
  shiny: integer("shiny", { mode: "boolean" }).notNull().default(false),
  weight: real("weight"),
});
const mood = pgEnum("mood", ["happy", "sad"]);
const gadgets = pgTable("gadgets", {
  id: serial("id").primaryKey(),
  serial: bigint("serial", { mode: "bigint" }).notNull(),
  price: numeric("price"),
  token: uuid("token").notNull(),
  mood: mood("mood").notNull(),
  data: jsonb("data"),
  tags: pgText("tags").array(),
  day: date("day"),
  seenAt: timestamp("seen_at", { withTimezone: true, mode: "date" }),
  on: boolean("on").notNull().default(true),
});

const json = (body: unknown, method = "POST", headers: Record<string, string> = {}) => ({
  method,
  headers: { "content-type": "application/json", ...headers },
  body: JSON.stringify(body),
});

async function getDoc(app: CovaraApp, path = "/__covara/openapi.json"): Promise<Doc> {
  const res = await app.request(path);
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toContain("application/json");
  return res.json();
}

/** Validates the document against the OpenAPI 3.1 schema and compiles every component schema. */
async function expectValid(doc: Doc): Promise<InstanceType<typeof Ajv2020Module>> {
  const validator = new Validator();
  const result = await validator.validate(doc);
  expect(result.errors).toBeUndefined();
  expect(result.valid).toBe(true);
  expect(validator.version).toBe("3.1");
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema({ $id: "https://covara.test/openapi", components: doc.components });
  for (const name of Object.keys(doc.components.schemas)) expect(ajv.getSchema(`https://covara.test/openapi#/components/schemas/${name}`)).toBeTypeOf("function");
  return ajv;
}

function expectMatches(ajv: InstanceType<typeof Ajv2020Module>, schema: string, value: unknown): void {
  const validate = ajv.getSchema(`https://covara.test/openapi#/components/schemas/${schema}`)!;
  expect(validate(value), JSON.stringify(validate.errors)).toBe(true);
}

const operationIds = (doc: Doc): string[] => Object.values(doc.paths).flatMap((item: any) => Object.values(item).map((op: any) => op.operationId));
const paramNames = (doc: Doc, op: Doc): string[] =>
  (op.parameters ?? []).map((p: Doc) => (p.$ref ? doc.components.parameters[p.$ref.split("/").pop()].name : p.name));

describe("OpenAPI on better-sqlite3 (rich app)", () => {
  let app: CovaraApp;
  let doc: Doc;
  let ajv: InstanceType<typeof Ajv2020Module>;

  beforeAll(async () => {
    const sqlite = new Database(":memory:");
    for (const stmt of SQLITE_DDL) sqlite.exec(stmt);
    sqlite.exec("CREATE TABLE widgets (id INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL, meta TEXT, made_at INTEGER, shiny INTEGER NOT NULL DEFAULT 0, weight REAL)");
    const db = drizzleBetter(sqlite);
    const { posts, authors } = sqliteBlog;
    app = createCovara()
      .resource(sqlitePeople, {
        id: sqlitePeople.id,
        db,
        fields: { readable: [sqlitePeople.id, sqlitePeople.name, sqlitePeople.role, sqlitePeople.active, sqlitePeople.createdAt] },
        computed: { label: (row) => `${row.name} (${row.role})` },
        pagination: { defaultLimit: 5, maxLimit: 7 },
        capabilities: { enableBatch: false },
        procedures: {
          greet: { input: z.object({ name: z.string() }), output: z.object({ hello: z.string() }), handler: (_ctx, input) => ({ hello: input.name }) },
          raw: { handler: () => 1 },
        },
      })
      .resource("/posts", posts, {
        id: posts.id,
        db,
        etag: { versionField: posts.version },
        softDelete: { field: posts.deletedAt },
        strictInput: true,
        batch: { create: 50 },
        capabilities: { enableAggregations: false },
        relations: { author: { resource: "authors", schema: authors, type: "belongsTo", foreignKey: posts.authorId, references: authors.id } },
      })
      .resource(authors, { id: authors.id, db, capabilities: { enableCreate: false, enableUpdate: false, enableDelete: false } })
      .resource(widgets, { id: widgets.id, db });
    // A route the app adds under a mount path is described too.
    const stub = (c: any) => c.json({});
    app.get("/api/people/stats/:day", stub);
    doc = await getDoc(app);
    ajv = await expectValid(doc);
  });

  it("is a valid OpenAPI 3.1 document with default info and one tag per resource", () => {
    expect(doc.openapi).toBe("3.1.0");
    expect(doc.info).toEqual({ title: "Covara API", version: "0.1.0" });
    expect(doc.tags.map((t: Doc) => t.name)).toEqual(["people", "posts", "authors", "widgets"]);
    expect(doc.components.securitySchemes).toBeUndefined();
  });

  it("row schemas hold readable columns and computed fields, never masked columns", () => {
    const people = doc.components.schemas.People;
    expect(Object.keys(people.properties)).toEqual(["id", "name", "role", "active", "createdAt", "label"]);
    expect(people.required).toEqual(["id", "name", "role", "active", "createdAt"]);
    expect(people.properties.createdAt).toEqual({ type: ["string", "null"], format: "date-time" });
    expect(people.properties.active).toEqual({ type: "boolean" });
    expect(JSON.stringify(doc.components.schemas.PeopleList)).not.toContain("email");
  });

  it("input schemas follow the writable and required sets", () => {
    const { PeopleInput, PeopleUpdate, PeopleReplace, PostsInput } = doc.components.schemas;
    expect(PeopleInput.required).toEqual(["name", "email"]);
    // Masked but writable: sendable, never returned.
    expect(PeopleInput.properties.email).toEqual({ type: "string", writeOnly: true });
    expect(PeopleInput.properties.role).toEqual({ type: ["string", "null"], default: "user" });
    expect(PeopleUpdate.required).toBeUndefined();
    expect(PeopleUpdate.properties.id).toBeUndefined();
    expect(PeopleReplace.required).toEqual(["name", "email"]);
    expect(PostsInput.required).toEqual(["title"]);
    expect(PostsInput.additionalProperties).toBe(false);
    expect(PeopleInput.additionalProperties).toBeUndefined();
  });

  it("describes exactly the routes served: disabled capabilities and absent routes have no operation", () => {
    expect(Object.keys(doc.paths["/api/authors"])).toEqual(["get"]);
    expect(Object.keys(doc.paths["/api/authors/{id}"])).toEqual(["get"]);
    expect(doc.paths["/api/people/batch"]).toBeUndefined();
    expect(doc.paths["/api/posts/aggregate"]).toBeUndefined();
    expect(Object.keys(doc.paths["/api/posts/batch"]).sort()).toEqual(["delete", "patch", "post"]);
    expect(Object.keys(doc.paths)).not.toContain("/__covara/openapi.json");
    expect(Object.keys(doc.paths["/api/people/{id}"]).sort()).toEqual(["delete", "get", "patch", "put"]);
    // A route the app added under a mount path is described generically, with its path parameter.
    const custom = doc.paths["/api/people/stats/{day}"].get;
    expect(custom.tags).toEqual(["people"]);
    expect(custom.parameters).toEqual([{ name: "day", in: "path", required: true, schema: { type: "string" } }]);
  });

  it("operationIds are unique and named after the resource", () => {
    const ids = operationIds(doc);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ["listPeople", "getPeople", "createPeople", "updatePeople", "replacePeople", "deletePeople", "countPeople", "aggregatePeople", "callPeopleGreet", "callPeopleRaw"]) {
      expect(ids).toContain(id);
    }
    for (const id of ["batchCreatePosts", "batchUpdatePosts", "batchDeletePosts", "batchUpsertPosts", "listAuthors", "getAuthors", "countAuthors"]) expect(ids).toContain(id);
    expect(ids).not.toContain("createAuthors");
  });

  it("documents ETag headers, If-Match / If-None-Match, 304 and 412 only for a resource with etag", () => {
    const getPost = doc.paths["/api/posts/{id}"].get;
    expect(getPost.responses["200"].headers.ETag).toEqual({ $ref: "#/components/headers/ETag" });
    expect(getPost.responses["304"].headers.ETag).toBeDefined();
    expect(paramNames(doc, getPost)).toContain("If-None-Match");
    expect(doc.paths["/api/posts"].post.responses["201"].headers.ETag).toBeDefined();
    for (const method of ["patch", "put", "delete"]) {
      const op = doc.paths["/api/posts/{id}"][method];
      expect(paramNames(doc, op)).toContain("If-Match");
      expect(op.responses["412"]).toEqual({ $ref: "#/components/responses/PreconditionFailed" });
    }
    const getPerson = doc.paths["/api/people/{id}"].get;
    expect(getPerson.responses["200"].headers).toBeUndefined();
    expect(getPerson.responses["304"]).toBeUndefined();
    expect(paramNames(doc, getPerson)).not.toContain("If-None-Match");
    expect(paramNames(doc, doc.paths["/api/people/{id}"].patch)).not.toContain("If-Match");
    expect(doc.paths["/api/people/{id}"].delete.responses["412"]).toBeUndefined();
    expect(doc.paths["/api/people/{id}"].delete.responses["204"]).toEqual({ description: "Deleted" });
  });

  it("query parameters follow the config: limits, withDeleted only with soft delete, aggregate parameters", () => {
    const list = doc.paths["/api/people"].get;
    expect(paramNames(doc, list)).toEqual(["filter", "select", "include", "orderBy", "cursor", "limit", "totalCount"]);
    expect(list.parameters.find((p: Doc) => p.name === "limit").schema).toEqual({ type: "integer", default: 5, maximum: 7 });
    expect(paramNames(doc, doc.paths["/api/posts"].get)).toContain("withDeleted");
    expect(paramNames(doc, doc.paths["/api/posts/count"].get)).toContain("withDeleted");
    expect(paramNames(doc, doc.paths["/api/people/aggregate"].get)).toEqual(["filter", "groupBy", "count", "sum", "avg", "min", "max", "having"]);
    expect(paramNames(doc, doc.paths["/api/posts/batch"].patch)).toEqual(["filter", "withDeleted"]);
    expect(doc.components.parameters.Filter.description).toContain("=icontains=");
  });

  it("list envelope, batch bodies and problem responses", () => {
    const list = doc.components.schemas.PeopleList;
    expect(list.required).toEqual(["items", "nextCursor", "hasMore"]);
    expect(Object.keys(list.properties)).toEqual(["items", "nextCursor", "hasMore", "totalCount"]);
    const batch = doc.paths["/api/posts/batch"].post;
    expect(batch.requestBody.content["application/json"].schema.properties.items).toEqual({ type: "array", items: { $ref: "#/components/schemas/PostsInput" }, maxItems: 50 });
    expect(doc.paths["/api/posts/batch/upsert"].post.responses["403"]).toEqual({ $ref: "#/components/responses/Forbidden" });
    expect(doc.paths["/api/posts/batch"].patch.requestBody.content["application/json"].schema).toEqual({ $ref: "#/components/schemas/PostsUpdate" });
    expect(doc.components.responses.NotFound.content).toEqual({ "application/problem+json": { schema: { $ref: "#/components/schemas/Problem" } } });
    expect(doc.paths["/api/people/{id}"].get.responses["404"]).toEqual({ $ref: "#/components/responses/NotFound" });
    expect(doc.components.schemas.Posts.properties.author.anyOf[0]).toEqual({ $ref: "#/components/schemas/Authors" });
  });

  it("embeds a procedure's zod schemas; a procedure without schemas gets open ones", () => {
    const greet = doc.paths["/api/people/rpc/greet"].post;
    const input = greet.requestBody.content["application/json"].schema;
    expect(input.properties.name).toEqual({ type: "string" });
    expect(input.required).toEqual(["name"]);
    expect(input.$schema).toBeUndefined();
    expect(greet.responses["200"].content["application/json"].schema.properties.data.properties.hello).toEqual({ type: "string" });
    const raw = doc.paths["/api/people/rpc/raw"].post;
    expect(raw.requestBody.content["application/json"].schema).toEqual({ type: "object" });
    expect(raw.responses["200"].content["application/json"].schema.properties.data).toEqual({});
  });

  it("rows the real API returns validate against the generated schemas", async () => {
    const person = await (await app.request("/api/people", json({ name: "Ada", email: "ada@example.com", age: 36, createdAt: "2024-01-02T03:04:05.000Z" }))).json();
    expectMatches(ajv, "People", person);
    expectMatches(ajv, "PeopleList", await (await app.request("/api/people?totalCount=true")).json());
    const widget = await app.request("/api/widgets", json({ kind: "large", meta: { a: [1] }, madeAt: 1700000000000, weight: 1.5 }));
    expect(widget.status).toBe(201);
    expectMatches(ajv, "Widgets", await widget.json());
    expect(doc.components.schemas.Widgets.properties.kind).toEqual({ type: "string", enum: ["small", "large"] });
    expect(doc.components.schemas.Widgets.properties.meta).toEqual({});
    // The schema is strict enough to reject what the API never sends.
    const validate = ajv.getSchema("https://covara.test/openapi#/components/schemas/People")!;
    expect(validate({ ...person, createdAt: 12 })).toBe(false);
    expect(validate({ ...person, id: "1" })).toBe(false);
  });

  it("serves the same document as YAML that parses back to the same object", async () => {
    const res = await app.request("/__covara/openapi.yaml");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/yaml; charset=utf-8");
    expect(parseYaml(await res.text())).toEqual(doc);
  });

  it("the YAML emitter keeps tricky scalars as the same JSON values", () => {
    const tricky = {
      "200": ["yes", "No", "null", "~", "", " padded ", "123", "-1", "1e3", "0x1F", "a: b", "#hash", "- dash", "quote\"d", "multi\nline", "tab\there", "ünïcødé ✓"],
      nested: { emptyObject: {}, emptyArray: [], deep: [[1, [2]], [{ a: null, b: true }], { "$ref": "#/x" }] },
      numbers: [0, -0.5, 1.25, 9007199254740991],
      "key with space": "/api/people/{id}",
      "@at": "`tick`",
    };
    expect(parseYaml(toYaml(tricky))).toEqual(JSON.parse(JSON.stringify(tricky)));
    expect(parseYaml(toYaml([]))).toEqual([]);
    expect(parseYaml(toYaml("true"))).toBe("true");
  });

  it("/__covara/schema describes resources for type generators without masked columns", async () => {
    const schema = await (await app.request("/__covara/schema")).json();
    const people = schema.resources.find((r: Doc) => r.name === "people");
    expect(people.path).toBe("/api/people");
    expect(people.fields.map((f: Doc) => f.name)).toEqual(["id", "name", "role", "active", "createdAt", "label"]);
    expect(people.fields[0]).toEqual({ name: "id", type: { kind: "primitive", primitive: "integer" }, nullable: false, primaryKey: true, autoIncrement: true });
    expect(people.fields[4].type).toEqual({ kind: "primitive", primitive: "string", format: "date-time" });
    expect(people.procedures).toEqual(["greet", "raw"]);
    expect(people.capabilities).toMatchObject({ create: true, batch: false, aggregations: true });
    const authors = schema.resources.find((r: Doc) => r.name === "authors");
    expect(authors.capabilities).toMatchObject({ list: true, get: true, create: false, update: false, delete: false });
    const posts = schema.resources.find((r: Doc) => r.name === "posts");
    expect(posts.relations).toEqual([{ name: "author", resource: "authors", type: "belongsTo", nullable: true }]);
    const widgetsInfo = schema.resources.find((r: Doc) => r.name === "widgets");
    expect(widgetsInfo.fields[1].type).toEqual({ kind: "enum", enumValues: ["small", "large"] });
    expect(typeof schema.timestamp).toBe("string");
  });

  it("serves an API reference page whose CSP allows exactly its script", async () => {
    const res = await app.request("/__covara/docs");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
    const html = await res.text();
    expect(html).toContain('<script src="https://cdn.jsdelivr.net/npm/@scalar/api-reference@1"></script>');
    const inline = /<script>(.*)<\/script>/.exec(html)![1]!;
    expect(inline).toContain('"/__covara/openapi.json"');
    const csp = res.headers.get("content-security-policy")!;
    const hash = createHash("sha256").update(inline).digest("base64");
    expect(csp).toContain(`script-src https://cdn.jsdelivr.net 'sha256-${hash}'`);
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("connect-src 'self'");
    expect(csp.split("; ").find((d) => d.startsWith("script-src"))).not.toContain("unsafe");
    // The app's security headers still apply around it.
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
  });

  it("generates once, on first request, and serves the cached result afterwards", async () => {
    const first = await (await app.request("/__covara/schema")).json();
    await new Promise((resolve) => setTimeout(resolve, 5));
    const second = await (await app.request("/__covara/schema")).json();
    expect(second.timestamp).toBe(first.timestamp);
    expect(await getDoc(app)).toEqual(doc);
  });
});

describe("OpenAPI options", () => {
  const db = drizzleBetter(new Database(":memory:"));

  it("openapi: false removes every endpoint", async () => {
    const app = createCovara({ openapi: false }).resource(widgets, { id: widgets.id, db });
    for (const path of ["/__covara/openapi.json", "/__covara/openapi.yaml", "/__covara/schema", "/__covara/docs"]) {
      const res = await app.request(path);
      expect(res.status).toBe(404);
      expect(res.headers.get("content-type")).toContain("application/problem+json");
    }
  });

  it("title, version, description, servers and path are applied", async () => {
    const app = createCovara({
      basePath: "/v1",
      auth: { middleware: async (_c, next) => next() },
      openapi: { title: "Shop <API>", version: "2.3.0", description: "Widgets", servers: [{ url: "https://api.example.com/v1" }], path: "/meta/" },
    }).resource(widgets, { id: widgets.id, db });
    expect((await app.request("/__covara/openapi.json")).status).toBe(404);
    const doc = await getDoc(app, "/meta/openapi.json");
    await expectValid(doc);
    expect(doc.info).toEqual({ title: "Shop <API>", version: "2.3.0", description: "Widgets" });
    expect(doc.servers).toEqual([{ url: "https://api.example.com/v1" }]);
    expect(Object.keys(doc.paths)).toContain("/v1/widgets/{id}");
    expect(doc.components.securitySchemes).toEqual({ bearerAuth: { type: "http", scheme: "bearer" } });
    const page = await app.request("/meta/docs");
    expect(await page.text()).toContain("<title>Shop &#60;API&#62;</title>");
    expect(page.headers.get("content-security-policy")).toContain("connect-src 'self' https://api.example.com");
  });

  it("a table mounted twice gets distinct schema names, tags and operationIds", async () => {
    const app = createCovara().resource(widgets, { id: widgets.id, db }).resource("/admin/widgets", widgets, { id: widgets.id, db });
    const doc = await getDoc(app);
    await expectValid(doc);
    expect(doc.tags.map((t: Doc) => t.name)).toEqual(["widgets", "/api/admin/widgets"]);
    expect(doc.paths["/api/widgets"].get.operationId).toBe("listWidgets");
    expect(doc.paths["/api/admin/widgets"].get.operationId).toBe("listApiAdminWidgets");
    expect(doc.paths["/api/admin/widgets"].get.responses["200"].content["application/json"].schema).toEqual({ $ref: "#/components/schemas/ApiAdminWidgetsList" });
  });
});

describe("OpenAPI on PGlite (Postgres column types)", () => {
  let client: PGlite;
  let app: CovaraApp;

  beforeAll(async () => {
    client = new PGlite();
    await client.exec(`CREATE TYPE mood AS ENUM ('happy', 'sad');
      CREATE TABLE gadgets (id SERIAL PRIMARY KEY, serial BIGINT NOT NULL, price NUMERIC, token UUID NOT NULL, mood mood NOT NULL,
        data JSONB, tags TEXT[], day DATE, seen_at TIMESTAMPTZ, "on" BOOLEAN NOT NULL DEFAULT TRUE)`);
    app = createCovara().resource(gadgets, { id: gadgets.id, db: drizzlePglite(client), etag: {} });
    return () => client.close();
  });

  it("maps Postgres columns to their wire types and validates real rows", async () => {
    const doc = await getDoc(app);
    const ajv = await expectValid(doc);
    const props = doc.components.schemas.Gadgets.properties;
    expect(props.id).toEqual({ type: "integer" });
    expect(props.serial).toEqual({ type: "string", pattern: "^-?\\d+$" });
    expect(props.price).toEqual({ type: ["string", "null"], pattern: "^-?\\d+(\\.\\d+)?$" });
    expect(props.token).toEqual({ type: "string", format: "uuid" });
    expect(props.mood).toEqual({ type: "string", enum: ["happy", "sad"] });
    expect(props.data).toEqual({});
    expect(props.tags).toEqual({ type: ["array", "null"], items: { type: ["string", "null"] } });
    expect(props.day).toEqual({ type: ["string", "null"], format: "date" });
    expect(props.seenAt).toEqual({ type: ["string", "null"], format: "date-time" });
    const input = doc.components.schemas.GadgetsInput;
    expect(input.required).toEqual(["serial", "token", "mood"]);
    expect(input.properties.serial.type).toEqual(["string", "integer"]);
    expect(input.properties.price.type).toEqual(["string", "number", "null"]);
    expect(doc.paths["/api/gadgets/{id}"].get.responses["304"]).toBeDefined();

    const created = await app.request(
      "/api/gadgets",
      json({ serial: "9007199254740993", price: 12.5, token: "123e4567-e89b-12d3-a456-426614174000", mood: "sad", data: { x: 1 }, tags: ["a", "b"], day: "2024-02-29", seenAt: "2024-01-01T00:00:00Z" }),
    );
    expect(created.status).toBe(201);
    const row = await created.json();
    expect(row.serial).toBe("9007199254740993");
    expectMatches(ajv, "Gadgets", row);
    expectMatches(ajv, "Gadgets", await (await app.request(`/api/gadgets/${row.id}`)).json());
    expectMatches(ajv, "GadgetsList", await (await app.request("/api/gadgets")).json());
  });
});
