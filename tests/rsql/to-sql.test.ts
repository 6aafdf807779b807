/** SQL translation: shapes per dialect, bound parameters, options, and compile-time errors. */
import { getTableColumns, sql } from "drizzle-orm";
import type { SQL } from "drizzle-orm";
import { PgDialect, integer as pgInteger, pgTable, text as pgText } from "drizzle-orm/pg-core";
import { SQLiteSyncDialect, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { describe, expect, it } from "vitest";
import { parseRsql, toSql } from "../../src/rsql/index.js";
import type { CustomOperators, RsqlCompileOptions } from "../../src/rsql/index.js";
import { parseErrorOf } from "./helpers.js";

const lite = sqliteTable("t", { id: integer("id").primaryKey(), name: text("name"), age: integer("age") });
const pg = pgTable("t", { id: pgInteger("id").primaryKey(), name: pgText("name"), age: pgInteger("age") });

function render(filter: string, dialect: "sqlite" | "postgres", extra: Partial<RsqlCompileOptions> = {}) {
  const columns = getTableColumns(dialect === "sqlite" ? lite : pg);
  const where = toSql(parseRsql(filter)!, { dialect, columns, ...extra });
  return dialect === "sqlite" ? new SQLiteSyncDialect().sqlToQuery(where) : new PgDialect().sqlToQuery(where);
}

describe("toSql: SQLite", () => {
  it.each([
    ['name=="x"', '"t"."name" = ?', ["x"]],
    ['name!="x"', '"t"."name" <> ?', ["x"]],
    ["age>1", '"t"."age" > ?', [1]],
    ["age=in=(1,2)", '"t"."age" IN (?, ?)', [1, 2]],
    ["age=out=(1)", '"t"."age" NOT IN (?)', [1]],
    ["age=in=()", "1 = 0", []],
    ["age=out=()", '"t"."age" IS NOT NULL', []],
    ["age==null", '"t"."age" IS NULL', []],
    ["age=between=[1,2]", '"t"."age" BETWEEN ? AND ?', [1, 2]],
    ["age=nbetween=[1,2]", '"t"."age" NOT BETWEEN ? AND ?', [1, 2]],
    ['name%="a*_%"', '"t"."name" GLOB ?', ["a[*]?*"]],
    ['name!%="[x]?"', '"t"."name" NOT GLOB ?', ["[[]x][?]"]],
    ['name=ilike="A%"', 'lower("t"."name") GLOB ?', ["a*"]],
    ['name=contains="%"', 'instr("t"."name", ?) > 0', ["%"]],
    ['name=startswith="😀a"', 'substr("t"."name", 1, ?) = ?', [2, "😀a"]],
    ['name=endswith="ab"', 'substr("t"."name", ?) = ?', [-2, "ab"]],
    ['name=iendswith="AB"', 'substr(lower("t"."name"), ?) = ?', [-2, "ab"]],
    ['name=contains=""', '"t"."name" IS NOT NULL', []],
    ['name=ieq="AbC"', 'lower("t"."name") = ?', ["abc"]],
    ["name=isempty=true", '("t"."name" IS NULL OR "t"."name" = \'\')', []],
    ["name=length=3", 'length("t"."name") = ?', [3]],
    ["age==1;(name==\"a\",name==\"b\")", '("t"."age" = ? and ("t"."name" = ? or "t"."name" = ?))', [1, "a", "b"]],
  ])("%s", (filter, text, params) => {
    expect(render(filter, "sqlite")).toMatchObject({ sql: text, params });
  });

  it("rejects regular expressions", () => {
    expect(parseErrorOf(() => render('name=regex="a"', "sqlite")).detail).toContain("not supported on SQLite");
  });
});

describe("toSql: Postgres", () => {
  const translate = `translate("t"."name", 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz')`;
  it.each([
    ['name>"a"', '"t"."name" COLLATE "C" > $1', ["a"]],
    ['name=between=["a","b"]', '"t"."name" COLLATE "C" BETWEEN $1 AND $2', ["a", "b"]],
    ["age>2.5", '"t"."age" > CAST($1 AS double precision)', [2.5]],
    ["age<3000000000", '"t"."age" < CAST($1 AS double precision)', [3000000000]],
    ["age<30", '"t"."age" < $1', [30]],
    ['name%="a\\\\%"', `"t"."name" LIKE $1 ESCAPE '\\'`, ["a\\%"]],
    ['name%="a\\\\"', `"t"."name" LIKE $1 ESCAPE '\\'`, ["a\\\\"]],
    ['name=contains="5%_\\\\"', `"t"."name" LIKE $1 ESCAPE '\\'`, ["%5\\%\\_\\\\%"]],
    ['name=startswith="a"', `"t"."name" LIKE $1 ESCAPE '\\'`, ["a%"]],
    ['name=ilike="É%A"', `${translate} LIKE $1 ESCAPE '\\'`, ["É%a"]],
    ['name=ine="A"', `${translate} <> $1`, ["a"]],
    ['name=regex="^a"', '"t"."name" ~ $1', ["^a"]],
    ['name=iregex="^a[b-c]"', '"t"."name" ~ $1', ["^[aA][b-cB-C]"]],
    ["name=length=3", 'char_length("t"."name") = $1', [3]],
  ])("%s", (filter, text, params) => {
    expect(render(filter, "postgres")).toMatchObject({ sql: text, params });
  });
});

describe("toSql: options", () => {
  it("never splices values into the SQL text", () => {
    const { sql: text } = render('name=="x\' OR 1=1 --";age=in=(1,2)', "sqlite");
    expect(text).not.toContain("OR 1=1");
  });

  it("reports unknown columns with a suggestion", () => {
    const error = parseErrorOf(() => render("nam==1", "sqlite"));
    expect(error.detail).toBe("Invalid filter expression: Unknown column: nam");
    expect(error.extras).toMatchObject({ field: "nam", position: 0, suggestion: "Did you mean 'name'?" });
  });

  it("rejects relation paths in user filters", () => {
    const error = parseErrorOf(() => render("org.name==1", "sqlite"));
    expect(error.detail).toBe("Invalid filter expression: Relation paths are not allowed in filter queries");
  });

  it("hands relation paths to the resolver when allowed", () => {
    const relationPath = (node: { field: string }) => sql`exists(${node.field})`;
    expect(render("org.name==1", "sqlite", { rejectRelationPaths: false, relationPath }).sql).toBe("exists(?)");
    parseErrorOf(() => render("org.name==1", "sqlite", { rejectRelationPaths: false }));
  });

  it("enforces allowedFields and allowedOperators", () => {
    const fields = parseErrorOf(() => render("age==1", "sqlite", { allowedFields: ["name"] }));
    expect(fields.extras.allowedFields).toEqual(["name"]);
    const ops = parseErrorOf(() => render("age>1", "sqlite", { allowedOperators: ["==", "=in="] }));
    expect(ops.extras.allowedOperators).toEqual(["==", "=in="]);
    expect(render("age=gt=1", "sqlite", { allowedOperators: [">"] }).sql).toBe('"t"."age" > ?');
  });

  it("rejects LIKE/GLOB patterns over maxPatternBytes (D1: 50)", () => {
    const long = "é".repeat(26); // 52 bytes
    parseErrorOf(() => render(`name%="${long}"`, "sqlite", { maxPatternBytes: 50 }));
    parseErrorOf(() => render(`name=contains="${long}"`, "postgres", { maxPatternBytes: 50 }));
    // SQLite's contains uses instr(), no pattern: no limit applies.
    expect(render(`name=contains="${long}"`, "sqlite", { maxPatternBytes: 50 }).params).toEqual([long]);
    expect(render(`name%="${"é".repeat(25)}"`, "sqlite", { maxPatternBytes: 50 }).params).toHaveLength(1);
  });

  it("compiles custom operators through convert()", () => {
    const customOperators: CustomOperators = {
      "=near=": { convert: (lhs, rhs) => sql`abs(${lhs} - ${rhs}) <= 1`, execute: () => true },
    };
    expect(render("age=near=5", "sqlite", { customOperators })).toMatchObject({ sql: 'abs("t"."age" - ?) <= 1', params: [5] });
    parseErrorOf(() => render("age=far=5", "sqlite", { customOperators }));
  });

  it("coerces values to the column type", () => {
    expect(render('age=="30"', "sqlite").params).toEqual([30]);
    expect(render("name==30", "sqlite").params).toEqual(["30"]);
    expect(render("name==true", "sqlite").params).toEqual(["true"]);
    expect(render('name=="2024-01-15"', "sqlite").params).toEqual(["2024-01-15"]);
    expect(parseErrorOf(() => render('age=="abc"', "postgres")).extras.field).toBe("age");
  });

  it("is usable as a Drizzle condition", () => {
    const where: SQL = toSql(parseRsql("age>1")!, { dialect: "sqlite", columns: getTableColumns(lite) });
    expect(where).toBeDefined();
  });
});
