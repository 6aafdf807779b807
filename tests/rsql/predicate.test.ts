/** In-memory evaluation: §5.2 rules without columns, column coercion with them, and every operator. */
import { getTableColumns } from "drizzle-orm";
import { integer, real, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { describe, expect, it } from "vitest";
import { parseRsql, toPredicate } from "../../src/rsql/index.js";
import type { CustomOperators } from "../../src/rsql/index.js";
import { parseErrorOf } from "./helpers.js";

const people = sqliteTable("people", {
  id: integer("id").primaryKey(),
  name: text("name"),
  age: integer("age"),
  score: real("score"),
  active: integer("active", { mode: "boolean" }),
  born: integer("born", { mode: "timestamp" }),
});
const columns = getTableColumns(people);

function matches(filter: string, row: Record<string, unknown>, withColumns = false): boolean {
  return toPredicate(parseRsql(filter), withColumns ? { columns } : {})(row);
}

function ids(filter: string, rows: Record<string, unknown>[], withColumns = true): unknown[] {
  return rows.filter(toPredicate(parseRsql(filter), withColumns ? { columns } : {})).map((r) => r.id);
}

describe("toPredicate without columns (§5.2)", () => {
  it("matches everything for a null filter", () => {
    expect(toPredicate(null)({})).toBe(true);
  });

  it("compares == by string form", () => {
    expect(matches('age=="30"', { age: 30 })).toBe(true);
    expect(matches("age==30", { age: "30" })).toBe(true);
    expect(matches("age==30", { age: 30 })).toBe(true);
    expect(matches('name=="x"', { name: "x" })).toBe(true);
    expect(matches("age==30", { age: 31 })).toBe(false);
  });

  it("reads booleans loosely", () => {
    for (const v of [true, 1, "true", "TRUE", "1"]) expect(matches("active==true", { active: v })).toBe(true);
    for (const v of [false, 0, "false", "False", "0"]) expect(matches("active==false", { active: v })).toBe(true);
    expect(matches("active==true", { active: "yes" })).toBe(false);
  });

  it("never lets NULL satisfy a comparison, negated ones included", () => {
    for (const filter of ["a!=1", "a=out=(1)", 'a!%="x"', 'a=nilike="x"', "a=nbetween=[1,2]", 'a=ine="x"', "a>0", "a<0", 'a=contains=""']) {
      expect({ filter, match: matches(filter, { a: null }) }).toEqual({ filter, match: false });
      expect({ filter, match: matches(filter, {}) }).toEqual({ filter, match: false });
    }
  });

  it("handles the null-aware operators", () => {
    expect(matches("a==null", { a: null })).toBe(true);
    expect(matches("a==null", {})).toBe(true);
    expect(matches("a!=null", { a: 0 })).toBe(true);
    expect(matches("a=isnull=true", { a: null })).toBe(true);
    expect(matches('a=isnull="true"', { a: null })).toBe(true);
    expect(matches("a=isnull=false", { a: null })).toBe(false);
    expect(matches("a=isnull=1", { a: 1 })).toBe(true); // anything but true/"true" means "not null"
    expect(matches("a=isempty=true", { a: "" })).toBe(true);
    expect(matches("a=isempty=true", { a: null })).toBe(true);
    expect(matches("a=isempty=false", { a: "x" })).toBe(true);
    expect(matches("a=isempty=false", { a: "" })).toBe(false);
  });

  it("orders numbers numerically, dates by instant, text by code point", () => {
    expect(matches("a>9", { a: 10 })).toBe(true);
    expect(matches('a>"9"', { a: "10" })).toBe(false);
    expect(matches('d>"2024-01-01"', { d: new Date("2024-06-01") })).toBe(true);
    expect(matches('d<"2024-01-01T00:00:00+01:00"', { d: new Date("2023-12-31T23:30:00Z") })).toBe(false);
    // U+FF21 sorts before 😀 (U+1F600) by code point, though not by UTF-16 unit.
    expect(matches('s<"😀"', { s: "\uff21" })).toBe(true);
    expect(matches('s>"😀"', { s: "\uff21" })).toBe(false);
  });

  it("guards prototype keys", () => {
    expect(matches("constructor==null", {})).toBe(true);
    expect(matches("toString!=null", {})).toBe(false);
  });

  it("compiles once: later changes to the tree do not affect the predicate", () => {
    const node = parseRsql("a==1") as { value: unknown };
    const match = toPredicate(node as never);
    node.value = 2;
    expect(match({ a: 1 })).toBe(true);
  });

  it("refuses relation paths", () => {
    expect(parseErrorOf(() => toPredicate(parseRsql("org.id==1"))).detail).toContain("Relation paths");
  });
});

describe("operators", () => {
  const rows = [
    { id: 1, name: "Alice", age: 30, score: 1.5, active: true, born: new Date("1990-05-01T00:00:00Z") },
    { id: 2, name: "alice", age: 25, score: null, active: false, born: null },
    { id: 3, name: "Émile_%", age: null, score: 2.5, active: null, born: new Date("2000-01-01T12:00:00Z") },
    { id: 4, name: "😀b", age: 40, score: -1, active: true, born: new Date("1980-01-01T00:00:00Z") },
    { id: 5, name: "", age: 18, score: 0, active: false, born: null },
    { id: 6, name: null, age: 30, score: 3, active: true, born: null },
  ];

  it.each([
    ['name=="Alice"', [1]], ['name!="Alice"', [2, 3, 4, 5]], ["age>25", [1, 4, 6]], ["age=ge=30", [1, 4, 6]],
    ["age<25", [5]], ["age<=25", [2, 5]], ["age=in=(18,40)", [4, 5]], ["age=in=30", [1, 6]], ["age=out=(30)", [2, 4, 5]],
    ["age=in=()", []], ["age=out=()", [1, 2, 4, 5, 6]], ["age=in=(null,18)", [5]],
    ['name%="A%"', [1]], ['name%="_lice"', [1, 2]], ['name!%="A%"', [2, 3, 4, 5]], ['name%="%\\\\%"', [3]],
    ['name%="%\\\\_%"', [3]], ['name%="_b"', [4]], ['name=ilike="a%"', [1, 2]], ['name=nilike="a%"', [3, 4, 5]],
    ['name=ilike="é%"', []], ['name=ilike="É%"', [3]],
    ['name=contains="li"', [1, 2]], ['name=contains="_%"', [3]], ['name=icontains="LI"', [1, 2]],
    ['name=startswith="A"', [1]], ['name=istartswith="A"', [1, 2]], ['name=endswith="b"', [4]],
    ['name=iendswith="CE"', [1, 2]], ['name=contains=""', [1, 2, 3, 4, 5]],
    ['name=ieq="ALICE"', [1, 2]], ['name=ine="alice"', [3, 4, 5]], ['name=ieq="émile_%"', []],
    ["name=isnull=true", [6]], ["name=isempty=true", [5, 6]], ["name=isempty=false", [1, 2, 3, 4]],
    ["age=between=[25,30]", [1, 2, 6]], ["age=between=(25,30)", [1, 2, 6]], ["age=nbetween=[25,30]", [4, 5]],
    ["age=between=[30,25]", []], ["score=between=[-1,1.5]", [1, 4, 5]],
    ['name=regex="^[Aa]"', [1, 2]], ['name=iregex="^a"', [1, 2]], ['name=iregex="^é"', []], ['name=iregex="^[a-c]LICE$"', [1, 2]],
    ["name=length=2", [4]], ["name=minlength=5", [1, 2, 3]], ["name=maxlength=0", [5]],
    ["active==true", [1, 4, 6]], ['active=="false"', [2, 5]], ["active==0", [2, 5]], ["active!=true", [2, 5]],
    ['born>"1985-01-01"', [1, 3]], ['born=="1990-05-01"', [1]], ['born=between=["1980-01-01","1990-05-01"]', [1, 4]],
    ['age=="30"', [1, 6]], ["score==1.5", [1]], ['score>"0"', [1, 3, 6]],
  ])("%s", (filter, expected) => {
    expect(ids(filter, rows)).toEqual(expected);
  });

  it("applies SQLite's second precision to timestamp comparisons", () => {
    const row = { born: new Date("2000-01-01T00:00:10Z") };
    // Bound as floor(10.5 s) = 10 s, so `<` is false and `==` true, as in SQLite.
    expect(toPredicate(parseRsql('born<"2000-01-01T00:00:10.500Z"'), { columns })(row)).toBe(false);
    expect(toPredicate(parseRsql('born=="2000-01-01T00:00:10.500Z"'), { columns })(row)).toBe(true);
  });
});

describe("errors with columns", () => {
  it.each([
    ["nope==1", "Unknown column: nope"],
    ["nmae==1", "Unknown column: nmae"],
    ['age=="abc"', "Invalid value for age"],
    ['active=="maybe"', "Invalid value for active"],
    ['born=="yesterday"', "Invalid value for born"],
    ['age%="1%"', "needs a text column"],
    ["age=length=1", "needs a text column"],
    ["age=between=(1,2,3)", "exactly two values"],
    ["age=between=(1)", "exactly two values"],
    ["age=between=5", "exactly two values"],
    ["age=between=[null,5]", "null bounds"],
    ["age=out=(1,null)", "cannot contain null"],
    ["age>null", "does not accept null"],
    ['name%=null', "does not accept null"],
    ["age==(1,2)", "expects a single value"],
    ["age=in=[1,2]", "expects a set"],
    ["name=length=-1", "non-negative integer"],
    ['name=length="x"', "non-negative integer"],
    ["name=length=1.5", "non-negative integer"],
    ["age=near=1", "Unknown operator: =near="],
    ['name=regex="("', "Invalid regular expression"],
    ['name=regex="(a+)+$"', "repeats a group"],
    ['name=regex="(a|aa)*"', "repeats a group"],
    ['name=regex=".*.*x"', "more than 1 unbounded"],
    ['name=regex="^a+b+c+"', "more than 2 unbounded"],
    ['name=regex="^a+|b+"', "more than 1 unbounded"],
    ['name=regex="a{1,100}b*"', "more than 1 unbounded"],
    [`name=regex="${"a".repeat(257)}"`, "longer than 256"],
  ])("%s → %s", (filter, message) => {
    const error = parseErrorOf(() => toPredicate(parseRsql(filter), { columns }));
    expect(error.detail).toContain(message);
    expect(error.extras.position).toBe(0);
  });

  it("suggests the closest column name", () => {
    expect(parseErrorOf(() => toPredicate(parseRsql("nmae==1"), { columns })).extras.suggestion).toBe("Did you mean 'name'?");
  });
});

describe("hostile patterns stay fast in memory", () => {
  it("matches many-wildcard LIKE patterns in linear time", () => {
    const match = toPredicate(parseRsql(`s%="${"%a".repeat(200)}%b"`));
    const row = { s: "a".repeat(10_000) };
    const start = performance.now();
    expect(match(row)).toBe(false);
    expect(performance.now() - start).toBeLessThan(1000);
  });

  it("still matches wildcards exactly", () => {
    const match = (pattern: string, value: string) => toPredicate(parseRsql(`s%=${JSON.stringify(pattern)}`))({ s: value });
    expect(match("a%b_c%", "a😀b😀c")).toBe(true);
    expect(match("%a_a%", "xaya")).toBe(true);
    expect(match("%ab%ab", "abab")).toBe(true);
    expect(match("%ab%ab", "ab")).toBe(false);
    expect(match("_%_", "😀")).toBe(false);
    expect(match("_%_", "😀😀")).toBe(true);
    expect(match("a%", "A")).toBe(false);
  });

  it("accepts bounded and anchored regular expressions", () => {
    expect(toPredicate(parseRsql('s=regex="^[a-z]+@[a-z]+$"'))({ s: "ab@cd" })).toBe(true);
    expect(toPredicate(parseRsql('s=regex="a{2,4}b{3}"'))({ s: "aaabbb" })).toBe(true);
    expect(toPredicate(parseRsql('s=regex="a.b"'))({ s: "a\nb" })).toBe(true);
    expect(toPredicate(parseRsql('s=iregex="\\\\x41b"'))({ s: "AB" })).toBe(true);
    expect(toPredicate(parseRsql('s=iregex="\\\\x41b"'))({ s: "ab" })).toBe(false);
  });
});

describe("custom operators", () => {
  const customOperators: CustomOperators = {
    "=near=": {
      convert: () => {
        throw new Error("not used in memory");
      },
      execute: (lhs, rhs) => typeof lhs === "number" && Math.abs(lhs - (rhs as number)) <= 1,
    },
    "=contains=": {
      convert: () => {
        throw new Error("not used in memory");
      },
      execute: () => true,
    },
  };

  it("evaluates execute() with the plain right-hand side", () => {
    const match = toPredicate(parseRsql("age=near=30"), { columns, customOperators });
    expect(match({ age: 31 })).toBe(true);
    expect(match({ age: 33 })).toBe(false);
  });

  it("lets custom operators take precedence over built-ins", () => {
    expect(toPredicate(parseRsql('name=contains="zzz"'), { customOperators })({ name: "a" })).toBe(true);
  });

  it("passes dates, sets and ranges as plain values", () => {
    let seen: unknown;
    const spy: CustomOperators = { "=spy=": { convert: () => undefined as never, execute: (_l, r) => ((seen = r), true) } };
    toPredicate(parseRsql('a=spy=("2024-01-01",1)'), { customOperators: spy })({});
    expect(seen).toEqual([new Date("2024-01-01T00:00:00Z"), 1]);
    toPredicate(parseRsql("a=spy=[1,2]"), { customOperators: spy })({});
    expect(seen).toEqual([1, 2]);
  });
});
