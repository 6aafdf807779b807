/** The `rsql` template, scope builders and combinators (10-resources §5.4, 40-auth §9.3), and the cache. */
import { describe, expect, it } from "vitest";
import {
  allScope, and, combineScopes, createRsqlCache, emptyScope, eq, gt, gte, inList, isCompiledScope, isNotNull,
  isNull, like, lt, lte, ne, notIn, notLike, or, ownerOrPublic, ownerScope, parseRsql, publicScope, rsql,
  scopeFromString, scopePatterns, scopeToPredicate, toPredicate,
} from "../../src/rsql/index.js";
import type { RsqlComparison } from "../../src/rsql/index.js";
import { parseErrorOf } from "./helpers.js";

const text = (value: unknown) => String(value);

describe("rsql template", () => {
  it("escapes quotes so O'Brien round-trips and matches", () => {
    const scope = rsql`name==${"O'Brien"}`;
    expect(text(scope)).toBe(`name=="O\\'Brien"`);
    const node = parseRsql(text(scope)) as RsqlComparison;
    expect(node.value).toBe("O'Brien");
    const match = toPredicate(node);
    expect(match({ name: "O'Brien" })).toBe(true);
    expect(match({ name: "OBrien" })).toBe(false);
  });

  it.each([
    'x" , id!=0 , name=="y',
    'x"),(id!=0',
    '\\", id!=0, name==\\"',
    "\\",
    '"',
    "a\\\"b';--",
    "line\nbreak",
  ])("keeps the interpolated value %j one literal", (hostile) => {
    const node = parseRsql(text(rsql`name==${hostile};id==1`));
    expect(node?.type).toBe("and");
    const [first] = (node as { children: readonly RsqlComparison[] }).children;
    expect(first).toMatchObject({ field: "name", op: "==", value: hostile });
  });

  it("formats numbers, booleans, bigints, dates, arrays and nulls", () => {
    expect(text(rsql`a==${1.5};b==${-2};c==${true};d==${10n}`)).toBe("a==1.5;b==-2;c==true;d==10");
    expect(text(rsql`a==${1e21};b==${1e-7};c==${-0}`)).toBe("a==1000000000000000000000;b==0.0000001;c==0");
    expect(text(rsql`t>${new Date(Date.UTC(2024, 0, 15))}`)).toBe('t>"2024-01-15T00:00:00.000Z"');
    expect(text(rsql`s=in=${["a", 2, null, false]}`)).toBe('s=in=("a",2,null,false)');
    expect(text(rsql`a==${null};b==${undefined}`)).toBe("a==null;b==null");
    expect(text(rsql`s=in=${[]}`)).toBe("s=in=()");
  });

  it("round-trips every number exactly, with no exponent", () => {
    for (const n of [1e21, 1.7976931348623157e308, 5e-324, 1e-7, -1.2345e-20, 0.1, 123456789.123]) {
      const node = parseRsql(text(rsql`a==${n}`)) as RsqlComparison;
      expect(node.value).toBe(n);
    }
  });

  it("rejects values that have no RSQL form", () => {
    parseErrorOf(() => rsql`a==${NaN}`);
    parseErrorOf(() => rsql`a==${Infinity}`);
    parseErrorOf(() => rsql`a==${new Date(Number.NaN)}`);
    parseErrorOf(() => rsql`a=in=${[[1]]}`);
  });

  it("parenthesises nested scopes, trims, and keeps empties visible", () => {
    const inner = rsql`a==1,b==2`;
    expect(text(rsql`  ${inner};c==3  `)).toBe("(a==1,b==2);c==3");
    expect(text(rsql`a==1;${emptyScope()}`)).toBe("a==1;()");
    expect(text(rsql``)).toBe("");
    expect(rsql`*`.isAll()).toBe(true);
    expect(rsql` `.isEmpty()).toBe(true);
  });

  it("quotes other objects by their string form", () => {
    expect(text(rsql`id==${{ toString: () => 'u"1' }}`)).toBe('id=="u\\"1"');
  });
});

describe("builders", () => {
  it.each([
    [eq("a", "x"), 'a=="x"'], [ne("a", 1), "a!=1"], [gt("a", 1), "a=gt=1"], [gte("a", 1), "a=ge=1"],
    [lt("a", 1), "a=lt=1"], [lte("a", 1), "a=le=1"], [inList("a", ["x", 2]), 'a=in=("x",2)'],
    [notIn("a", [1]), "a=out=(1)"], [like("a", "x%"), 'a%="x%"'], [notLike("a", "%y"), 'a!%="%y"'],
    [isNull("a"), "a=isnull=true"], [isNotNull("a.b"), "a.b=isnull=false"],
  ])("%s", (scope, expected) => {
    expect(text(scope)).toBe(expected);
    expect(parseRsql(expected)).not.toBeNull();
  });

  it("rejects field names that are not identifiers", () => {
    parseErrorOf(() => eq("a==1,b", 1));
    parseErrorOf(() => eq("", 1));
  });

  it("recognises scopes", () => {
    expect(isCompiledScope(eq("a", 1))).toBe(true);
    expect(isCompiledScope(scopeFromString(" a==1 "))).toBe(true);
    expect(isCompiledScope("a==1")).toBe(false);
    expect(isCompiledScope({ toString: () => "a==1" })).toBe(false);
    expect(text(scopeFromString(" a==1 "))).toBe("a==1");
  });
});

describe("combinators", () => {
  const a = rsql`a==1`;
  const b = rsql`b==2,c==3`;

  it("and: parenthesised operands, * is the identity, any empty operand denies", () => {
    expect(text(and(a, b))).toBe("(a==1);(b==2,c==3)");
    expect(text(and(a, allScope()))).toBe("a==1");
    expect(and(allScope(), allScope()).isAll()).toBe(true);
    expect(and(a, emptyScope()).isEmpty()).toBe(true);
    expect(and().isEmpty()).toBe(true);
    expect(text(a.and(b))).toBe("(a==1);(b==2,c==3)");
  });

  it("or: drops empty operands, * absorbs, empty only if all are", () => {
    expect(text(or(a, b))).toBe("(a==1),(b==2,c==3)");
    expect(text(or(a, emptyScope()))).toBe("a==1");
    expect(or(a, allScope()).isAll()).toBe(true);
    expect(or(emptyScope(), emptyScope()).isEmpty()).toBe(true);
    expect(text(a.or(b))).toBe("(a==1),(b==2,c==3)");
  });

  it("produces parsable text with the right meaning", () => {
    const scope = or(and(a, rsql`d==4`), b);
    const match = toPredicate(parseRsql(text(scope)));
    expect(match({ a: 1, d: 4 })).toBe(true);
    expect(match({ a: 1, d: 5 })).toBe(false);
    expect(match({ c: 3 })).toBe(true);
  });

  it("combineScopes follows 40-auth §9.4", () => {
    expect(combineScopes(emptyScope(), "x==1").isEmpty()).toBe(true);
    expect(text(combineScopes(a, ""))).toBe("a==1");
    expect(text(combineScopes(a, null))).toBe("a==1");
    expect(text(combineScopes(a, allScope()))).toBe("a==1");
    expect(text(combineScopes(a))).toBe("a==1");
    expect(text(combineScopes(allScope(), " x==1 "))).toBe("x==1");
    expect(combineScopes(allScope(), "").isAll()).toBe(true);
    expect(text(combineScopes(a, "x==1,y==2"))).toBe("(a==1);(x==1,y==2)");
    expect(text(combineScopes(a, rsql`x==1`))).toBe("(a==1);(x==1)");
  });

  it("compiles the sentinels: empty denies, * allows", () => {
    expect(scopeToPredicate(emptyScope())({ a: 1 })).toBe(false);
    expect(scopeToPredicate(allScope())({})).toBe(true);
    expect(scopeToPredicate(a)({ a: 1 })).toBe(true);
  });
});

describe("scope presets", () => {
  const user = { id: "u1", metadata: { role: "member", organizationId: "o1" } };

  it("owner and public scopes", () => {
    expect(text(ownerScope(user))).toBe('userId=="u1"');
    expect(text(ownerScope(user, "authorId"))).toBe('authorId=="u1"');
    expect(text(publicScope())).toBe("isPublic==true");
    expect(text(ownerOrPublic(user))).toBe('(userId=="u1"),(isPublic==true)');
  });

  it("scopePatterns", () => {
    expect(text(scopePatterns.ownerOnly().scope!(user))).toBe('userId=="u1"');
    expect(scopePatterns.publicReadOwnerWrite().public).toEqual({ read: true, subscribe: true });
    expect(text(scopePatterns.ownerOrAdmin().scope!(user))).toBe('userId=="u1"');
    expect(scopePatterns.ownerOrAdmin().scope!({ id: 1, metadata: { role: "admin" } }).isAll()).toBe(true);
    expect(text(scopePatterns.orgBased().scope!(user))).toBe('organizationId=="o1"');
    expect(scopePatterns.orgBased().scope!({ id: 1 }).isEmpty()).toBe(true);
    expect(scopePatterns.authenticatedFullAccess().scope!(user).isAll()).toBe(true);
    expect(scopePatterns.fullyPublic().public?.delete).toBe(true);
  });
});

describe("createRsqlCache", () => {
  it("returns cached values and evicts the least recently used", () => {
    const cache = createRsqlCache<number>(2);
    let made = 0;
    const make = () => ++made;
    expect(cache.get("a", make)).toBe(1);
    expect(cache.get("b", make)).toBe(2);
    expect(cache.get("a", make)).toBe(1); // a is now most recent
    expect(cache.get("c", make)).toBe(3); // evicts b
    expect(cache.size).toBe(2);
    expect(cache.get("a", make)).toBe(1);
    expect(cache.get("b", make)).toBe(4);
  });

  it("does not cache failures and stays bounded", () => {
    const cache = createRsqlCache<unknown>();
    expect(() => cache.get("bad", () => parseRsql("a=="))).toThrow();
    expect(cache.size).toBe(0);
    for (let i = 0; i < 2000; i++) cache.get(`a==${i}`, () => i);
    expect(cache.size).toBe(500);
    cache.clear();
    expect(cache.size).toBe(0);
  });
});
