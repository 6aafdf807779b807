/** Parser: grammar of 10-resources §5.1, limits, and every error with its position. */
import { describe, expect, it } from "vitest";
import { BUILTIN_OPERATORS, parseRsql } from "../../src/rsql/index.js";
import type { RsqlComparison, RsqlNode } from "../../src/rsql/index.js";
import { parseErrorOf } from "./helpers.js";

function cmp(source: string): RsqlComparison {
  const node = parseRsql(source);
  expect(node?.type).toBe("cmp");
  return node as RsqlComparison;
}

/** A compact rendering of the tree: `and(a==1, or(b==2, c==3))`. */
function shape(node: RsqlNode | null): string {
  if (node === null) return "null";
  if (node.type === "cmp") return `${node.field}${node.op}${JSON.stringify(node.value)}`;
  return `${node.type}(${node.children.map(shape).join(", ")})`;
}

describe("parseRsql: structure", () => {
  it("returns null for empty and blank input", () => {
    expect(parseRsql("")).toBeNull();
    expect(parseRsql("  \t\n ")).toBeNull();
  });

  it("parses a comparison with its position and path", () => {
    expect(parseRsql('  name=="x"')).toEqual({ type: "cmp", field: "name", path: ["name"], op: "==", value: "x", position: 2 });
  });

  it("keeps relation paths as written", () => {
    const node = cmp("org.members.userId==1");
    expect(node.field).toBe("org.members.userId");
    expect(node.path).toEqual(["org", "members", "userId"]);
  });

  it("binds AND tighter than OR", () => {
    expect(shape(parseRsql("a==1,b==2;c==3"))).toBe("or(a==1, and(b==2, c==3))");
    expect(shape(parseRsql("a==1;b==2,c==3"))).toBe("or(and(a==1, b==2), c==3)");
  });

  it("groups with parentheses and flattens same-type groups", () => {
    expect(shape(parseRsql("(a==1,b==2);c==3"))).toBe("and(or(a==1, b==2), c==3)");
    expect(shape(parseRsql("(a==1;b==2);c==3"))).toBe("and(a==1, b==2, c==3)");
    expect(shape(parseRsql("((a==1))"))).toBe("a==1");
  });

  it.each([
    ["a==1;b==2", "and"], ["a==1 and b==2", "and"], ["a==1 AND b==2", "and"], ["a==1&&b==2", "and"],
    ["a==1,b==2", "or"], ["a==1 or b==2", "or"], ["a==1 OR b==2", "or"], ["a==1||b==2", "or"],
  ])("accepts the separator in %s", (source, type) => {
    expect(parseRsql(source)?.type).toBe(type);
  });

  it("does not read a keyword out of a longer field name", () => {
    expect(shape(parseRsql("a==1 or orders==2"))).toBe("or(a==1, orders==2)");
    expect(shape(parseRsql("a==1 and andy==2"))).toBe("and(a==1, andy==2)");
  });

  it("allows whitespace between tokens", () => {
    expect(shape(parseRsql(' ( a == 1 ; b =in= ( "x" , 2 ) ) '))).toBe('and(a==1, b=in=["x",2])');
  });
});

describe("parseRsql: operators", () => {
  it.each([
    ["==", "=="], ["!=", "!="], [">", "=gt="], [">=", "=ge="], ["<", "=lt="], ["<=", "=le="],
    ["%=", "=like="], ["!%=", "=nlike="], ["=eq=", "=="], ["=ne=", "!="], ["=gte=", "=ge="], ["=lte=", "=le="],
    ["=nin=", "=out="], ["=IN=", "=in="], ["=Between=", "=between="],
  ])("%s → %s", (written, canonical) => {
    expect(cmp(`f${written}1`).op).toBe(canonical);
  });

  it("parses every built-in named operator", () => {
    for (const op of BUILTIN_OPERATORS) {
      if (op.startsWith("=")) expect(cmp(`f${op}1`).op).toBe(op);
    }
  });

  it("keeps unknown named operators for the compiler (custom operators)", () => {
    expect(cmp("f=near=1").op).toBe("=near=");
  });
});

describe("parseRsql: values", () => {
  it.each([
    ["1", 1], ["-1", -1], ["+2", 2], ["1.5", 1.5], [".5", 0.5], ["-.5", -0.5], ["007", 7],
    ["true", true], ["false", false], ["null", null],
  ])("reads %s", (text, value) => {
    expect(cmp(`f==${text}`).value).toBe(value);
  });

  it("unescapes strings: a backslash makes the next character literal", () => {
    expect(cmp('f=="a\\"b"').value).toBe('a"b');
    expect(cmp('f=="a\\\\b"').value).toBe("a\\b");
    expect(cmp('f=="O\\\'Brien"').value).toBe("O'Brien");
    expect(cmp('f=="\\x\\%"').value).toBe("x%");
    expect(cmp('f==""').value).toBe("");
    expect(cmp('f=="😀,;()"').value).toBe("😀,;()");
  });

  it("turns quoted ISO-8601 literals into dates, keeping the text", () => {
    const cases: [string, string][] = [
      ["2024-01-15", "2024-01-15T00:00:00.000Z"],
      ["2024-01-15T10:30:00", "2024-01-15T10:30:00.000Z"],
      ["2024-01-15T10:30:00Z", "2024-01-15T10:30:00.000Z"],
      ["2024-01-15T10:30:00.5Z", "2024-01-15T10:30:00.500Z"],
      ["2024-01-15T10:30:00.123+02:00", "2024-01-15T08:30:00.123Z"],
      ["2024-02-29T00:00:00-05:30", "2024-02-29T05:30:00.000Z"],
      ["0099-01-01", "0099-01-01T00:00:00.000Z"],
    ];
    for (const [text, iso] of cases) {
      const value = cmp(`f=="${text}"`).value as { type: string; text: string; date: Date };
      expect(value.type).toBe("date");
      expect(value.text).toBe(text);
      expect(value.date.toISOString()).toBe(iso);
    }
  });

  it("leaves impossible or partial dates as strings", () => {
    for (const text of ["2023-02-29", "2024-13-01", "2024-01-15T24:00:00", "2024-01-15T10:30", "2024-1-5", "2024-01-15 10:30:00"]) {
      expect(cmp(`f=="${text}"`).value).toBe(text);
    }
  });

  it("reads sets, including empty ones and bare values", () => {
    expect(cmp('f=in=("a",1,true,null)').value).toEqual(["a", 1, true, null]);
    expect(cmp("f=in=()").value).toEqual([]);
    expect(cmp("f=in=( )").value).toEqual([]);
    expect(cmp("f=in=1").value).toBe(1);
  });

  it("reads ranges", () => {
    expect(cmp("f=between=[1, 5]").value).toEqual({ type: "range", bounds: [1, 5] });
    expect(cmp('f=between=["a","b"]').value).toEqual({ type: "range", bounds: ["a", "b"] });
  });
});

describe("parseRsql: errors carry a position", () => {
  it.each([
    ["name==", 6, "Expected a value"],
    ["name", 4, "Expected an operator"],
    ["name=foo", 4, "Expected an operator"],
    ["name~=1", 4, "Expected an operator"],
    ["==1", 0, "Expected a field name"],
    ["name==admin", 6, "Unquoted value"],
    ["role=in=(admin,mod)", 9, "Unquoted value"],
    ["name==trueish", 6, "Unquoted value"],
    ['name=="abc', 6, "Unterminated string"],
    ['name=="abc\\"', 6, "Unterminated string"],
    ['name=="abc\\', 6, "Unterminated string"],
    ["name==1)", 7, "Unexpected ')'"],
    ["(name==1", 0, "Missing ')'"],
    ["(name==1 name==2)", 9, "Expected ')'"],
    ["name==1 name==2", 8, "Unexpected input"],
    ['name=="x";DROP TABLE', 15, "Expected an operator"],
    ["()", 0, "Empty group"],
    ["a==1;", 5, "Expected a field name"],
    ["a==1,,b==2", 5, "Expected a field name"],
    ["a==1 And b==2", 5, "Unexpected input"],
    ["a.==1", 2, "Expected a field name after '.'"],
    ["1a==1", 0, "Expected a field name"],
    ["a=in=(1", 7, "Expected ',' or ')'"],
    ["a=in=(1,(2))", 8, "cannot be nested"],
    ["a=between=[1]", 10, "exactly two values"],
    ["a=between=[1,2,3]", 10, "exactly two values"],
    ["a==1.", 3, "Invalid number"],
    ["a==1e3", 3, "Invalid number"],
    ["a==--1", 3, "Invalid number"],
    ["a==1.2.3", 3, "Invalid number"],
    ["a==" + "9".repeat(400), 3, "out of range"],
    ["a==@", 3, "Expected a value"],
  ])("%s → position %i", (source, position, message) => {
    const error = parseErrorOf(() => parseRsql(source));
    expect(error.extras.position).toBe(position);
    expect(error.detail).toContain(message);
    expect(error.detail.startsWith("Invalid filter expression: ")).toBe(true);
  });

  it("rejects NUL characters, which Postgres cannot store", () => {
    expect(parseErrorOf(() => parseRsql('a=="x\0"')).extras.position).toBe(5);
  });

  it("rejects a non-string input", () => {
    parseErrorOf(() => parseRsql(42 as unknown as string));
  });

  it("suggests quoting for unquoted words", () => {
    expect(parseErrorOf(() => parseRsql("a==b")).extras.suggestion).toBe('Quote strings: "b"');
  });
});

describe("parseRsql: limits", () => {
  it("caps the length at 4096 characters by default", () => {
    const exact = `a=="${"x".repeat(4091)}"`;
    expect(exact.length).toBe(4096);
    expect(parseRsql(exact)).not.toBeNull();
    expect(parseErrorOf(() => parseRsql(`${exact} `)).extras.position).toBe(4096);
  });

  it("caps parenthesis depth at 10 by default", () => {
    expect(parseRsql(`${"(".repeat(10)}a==1${")".repeat(10)}`)).not.toBeNull();
    const error = parseErrorOf(() => parseRsql(`${"(".repeat(11)}a==1${")".repeat(11)}`));
    expect(error.extras.position).toBe(10);
  });

  it("caps comparisons at 100 by default", () => {
    const terms = (n: number) => Array.from({ length: n }, (_, i) => `a==${i}`).join(";");
    expect(parseRsql(terms(100))).not.toBeNull();
    const error = parseErrorOf(() => parseRsql(terms(101)));
    expect(error.extras.position).toBe(terms(100).length + 1);
  });

  it("honours custom limits", () => {
    parseErrorOf(() => parseRsql("a==1;b==2", { maxNodes: 1 }));
    parseErrorOf(() => parseRsql("(a==1)", { maxDepth: 0 }));
    parseErrorOf(() => parseRsql("a==12", { maxLength: 4 }));
    expect(parseRsql("a==1", { maxLength: 4, maxDepth: 0, maxNodes: 1 })).not.toBeNull();
  });

  it("stays linear on hostile input", () => {
    const start = performance.now();
    for (let i = 0; i < 200; i++) {
      try {
        parseRsql(`a=="${"\\".repeat(4000)}`);
      } catch {
        // expected
      }
    }
    expect(performance.now() - start).toBeLessThan(2000);
  });
});
