/**
 * The §5 parity rule as a property: for random rows and random filters, the in-memory predicate
 * and the SQL translation select the same ids on better-sqlite3, libsql, PGlite and (when
 * DATABASE_URL is set) PostgreSQL.
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatValue, parseRsql, toPredicate, toSql } from "../../src/rsql/index.js";
import { openBackends } from "./backends.js";
import type { Backend, ParityRow } from "./backends.js";

// Characters chosen to hit every dialect trap: ASCII and non-ASCII case pairs (é/É, ß, Kelvin K,
// fullwidth A), astral code points, LIKE/GLOB metacharacters, quotes, backslash and private use
// (U+E000 sorts below astral characters by code point but above them by UTF-16 unit).
const UNITS = ["a", "a", "A", "b", "B", "B", "z", "é", "É", "ß", "😀", "𝔸", "%", "_", "\\", "*", "?", "[", "]", "'", '"', " ", "0", "1", "K", "k", "\u212a", "\uff21", "\ue000", "\n"];
const text = fc.string({ unit: fc.constantFrom(...UNITS), maxLength: 5 });

const INSTANTS = [
  Date.UTC(2024, 0, 15),
  Date.UTC(2024, 0, 15, 10, 30, 0, 123),
  Date.UTC(2024, 0, 16),
  Date.UTC(1999, 11, 31, 23, 59, 59, 999),
  0,
  -86_400_000,
];
const instant = fc.oneof(fc.constantFrom(...INSTANTS), fc.integer({ min: Date.UTC(1950, 0, 1), max: Date.UTC(2100, 0, 1) }));
const REALS = [0, -0, 0.1, 0.2, 0.30000000000000004, 2.5, -1.5, 1e-7, 123456.789, 3, 1e21];
const realValue = fc.oneof(fc.constantFrom(...REALS), fc.double({ min: -1e6, max: 1e6, noNaN: true }));

const rowsArb = fc
  .array(
    fc.record({
      n: fc.option(fc.integer({ min: -5, max: 5 })),
      r: fc.option(realValue),
      s: fc.option(text),
      b: fc.option(fc.boolean()),
      ts: fc.option(instant.map((ms) => new Date(ms))),
    }),
    { maxLength: 10 },
  )
  .map((rows): ParityRow[] => rows.map((row, i) => ({ id: i + 1, ...row })));

const ORDER = ["==", "!=", ">", ">=", "<", "<=", "=gt=", "=ge=", "=lt=", "=le="];
const TEXT_OPS = ["%=", "!%=", "=like=", "=nlike=", "=ilike=", "=nilike=", "=contains=", "=icontains=", "=startswith=", "=istartswith=", "=endswith=", "=iendswith=", "=ieq=", "=ine="];
const SEPARATORS = [";", " and ", "&&", " AND ", ",", " or ", "||", " OR "];

/** Comparisons every column supports, given literals of the column's type. */
function common(field: string, lit: fc.Arbitrary<string>): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 4, arbitrary: fc.tuple(fc.constantFrom(...ORDER), lit).map(([op, v]) => `${field}${op}${v}`) },
    fc.tuple(fc.constantFrom("=in=", "=out="), fc.array(lit, { maxLength: 3 })).map(([op, vs]) => `${field}${op}(${vs.join(",")})`),
    lit.map((v) => `${field}=in=${v}`),
    fc
      .tuple(fc.constantFrom("=between=", "=nbetween="), lit, lit, fc.boolean())
      .map(([op, a, b, square]) => (square ? `${field}${op}[${a},${b}]` : `${field}${op}(${a}, ${b})`)),
    fc.constantFrom(
      `${field}==null`, `${field}!=null`, `${field}=isnull=true`, `${field}=isnull=false`,
      `${field}=isnull="true"`, `${field}=isempty=true`, `${field}=isempty=false`,
    ),
  );
}

/** Picks from the rows' own values (when there are any) to make matches likely, else from `fallback`. */
function fromRows<T>(values: (T | null)[], fallback: fc.Arbitrary<T>): fc.Arbitrary<T> {
  const present = values.filter((v): v is T => v !== null);
  return present.length === 0 ? fallback : fc.oneof(fallback, fc.constantFrom(...present));
}

/** Swaps the case of ASCII letters; upper-cases anything else (é → É). */
function swapCase(text: string): string {
  if (!/[A-Za-z]/.test(text)) return text.toUpperCase();
  return text.replace(/[A-Za-z]/g, (c) => (c <= "Z" ? c.toLowerCase() : c.toUpperCase()));
}

/** Text derived from a stored string: itself, a code-point slice, or with its case changed. */
function variant(value: string): fc.Arbitrary<string> {
  const points = Array.from(value);
  return fc.oneof(
    fc.constant(value),
    fc.tuple(fc.nat(points.length), fc.nat(points.length)).map(([a, b]) => points.slice(Math.min(a, b), Math.max(a, b)).join("")),
    fc.constant(value.toUpperCase()),
    fc.constant(swapCase(value)),
  );
}

/** A LIKE pattern derived from a stored string: each code point kept (escaped), or replaced by `_` / `%`. */
function likePattern(value: string): fc.Arbitrary<string> {
  const points = Array.from(value);
  return fc
    .array(fc.constantFrom("keep", "keep", "one", "any", "swap"), { minLength: points.length, maxLength: points.length })
    .map((choices) =>
      points
        .map((p, i) => {
          const c = choices[i];
          if (c === "one") return "_";
          if (c === "any") return "%";
          const ch = c === "swap" ? swapCase(p) : p;
          return /[%_\\]/.test(ch) ? `\\${ch}` : ch;
        })
        .join(""),
    );
}

/** A quoted date literal in one of the accepted ISO shapes. */
function dateLiteral(ms: number): fc.Arbitrary<string> {
  const iso = new Date(ms).toISOString();
  const plus2 = new Date(ms + 2 * 3_600_000).toISOString().replace("Z", "+02:00");
  return fc.constantFrom(iso, iso.replace(".000Z", "Z"), iso.slice(0, 10), iso.slice(0, 19), plus2).map((t) => `"${t}"`);
}

function filterFor(rows: ParityRow[]): fc.Arbitrary<string> {
  const strings = fromRows(rows.map((r) => r.s), text).chain(variant);
  const textLit = fc.oneof({ weight: 6, arbitrary: strings.map(formatValue) }, fc.constantFrom("1", "2.5", "true", '"2024-01-15"'));
  const patternLit = fromRows(rows.map((r) => r.s), text).chain(likePattern).map(formatValue);
  const intLit = fc.oneof(
    { weight: 5, arbitrary: fromRows(rows.map((r) => r.n), fc.integer({ min: -6, max: 6 })).map(formatValue) },
    fc.constantFrom("2.5", "-0.5", "3000000000", "-3000000000", '"3"', '"-2"', '" 1 "', "true", "false", "+2", ".5"),
  );
  const realLit = fc.oneof(
    { weight: 5, arbitrary: fromRows(rows.map((r) => r.r), realValue).map(formatValue) },
    fc.constantFrom('"2.5"', "true", "-.5"),
  );
  const boolLit = fc.constantFrom("true", "false", "1", "0", '"true"', '"FALSE"', '"1"', '"0"');
  const dateLit = fc.oneof(
    { weight: 5, arbitrary: fromRows(rows.map((r) => r.ts?.getTime() ?? null), instant).chain(dateLiteral) },
    fc.constant(String(Date.UTC(2024, 0, 15))),
  );
  const leaf = fc.oneof(
    common("n", intLit),
    common("r", realLit),
    { weight: 2, arbitrary: common("s", textLit) },
    { weight: 2, arbitrary: fc.tuple(fc.constantFrom(...TEXT_OPS), textLit).map(([op, v]) => `s${op}${v}`) },
    { weight: 2, arbitrary: fc.tuple(fc.constantFrom("%=", "!%=", "=ilike=", "=nilike="), patternLit).map(([op, v]) => `s${op}${v}`) },
    fc.tuple(fc.constantFrom("=length=", "=minlength=", "=maxlength="), fc.integer({ min: 0, max: 6 })).map(([op, n]) => `s${op}${n}`),
    common("b", boolLit),
    common("ts", dateLit),
  );
  const { tree } = fc.letrec((tie) => ({
    tree: fc.oneof({ maxDepth: 3, depthIdentifier: "filter" }, leaf, tie("group")),
    group: fc
      .tuple(fc.constantFrom(...SEPARATORS), fc.array(tie("tree"), { minLength: 2, maxLength: 3 }))
      .map(([sep, parts]) => `(${(parts as string[]).join(sep)})`),
  }));
  return tree as fc.Arbitrary<string>;
}

const scenario = rowsArb.chain((rows) => fc.tuple(fc.constant(rows), fc.array(filterFor(rows), { minLength: 1, maxLength: 4 })));

describe("RSQL parity: memory ≡ SQLite ≡ Postgres", () => {
  let backends: Backend[] = [];
  let close: () => Promise<void> = async () => {};

  beforeAll(async () => {
    ({ backends, close } = await openBackends());
  });
  afterAll(async () => {
    await close();
  });

  it("selects the same ids everywhere", async () => {
    const sqliteColumns = backends.find((b) => b.dialect === "sqlite")!.columns;
    const pgColumns = backends.find((b) => b.dialect === "postgres")!.columns;
    await fc.assert(
      fc.asyncProperty(scenario, async ([rows, filters]) => {
        for (const b of backends) await b.reset(rows);
        const stored = await Promise.all(backends.map((b) => b.rows()));
        for (const source of filters) {
          const node = parseRsql(source)!;
          const expected = rows.filter(toPredicate(node, { columns: sqliteColumns })).map((r) => r.id);
          const viaPg = rows.filter(toPredicate(node, { columns: pgColumns })).map((r) => r.id);
          expect({ source, memory: "pg columns", ids: viaPg }).toEqual({ source, memory: "pg columns", ids: expected });
          for (const [i, b] of backends.entries()) {
            const selected = await b.ids(toSql(node, { dialect: b.dialect, columns: b.columns }));
            expect({ source, backend: b.name, ids: selected }).toEqual({ source, backend: b.name, ids: expected });
            const matched = stored[i]!.filter(toPredicate(node, { columns: b.columns })).map((r) => r.id);
            expect({ source, stored: b.name, ids: matched }).toEqual({ source, stored: b.name, ids: expected });
          }
        }
      }),
      // RSQL_RUNS raises the budget for a deeper local search (3000 runs take about a minute).
      { numRuns: Number(process.env.RSQL_RUNS ?? 200) },
    );
  }, 600_000);
});
