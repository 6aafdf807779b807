/**
 * Hostile input on every backend: each attempt is either a FilterParseError or bound as one
 * literal value; the table is unchanged afterwards and the results equal the in-memory ones.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FilterParseError } from "../../src/errors/problem.js";
import { parseRsql, rsql, toPredicate, toSql } from "../../src/rsql/index.js";
import { openBackends } from "./backends.js";
import type { Backend, ParityRow } from "./backends.js";

const ROWS: ParityRow[] = [
  { id: 1, n: 1, r: 1.5, s: 'x") OR 1=1 --', b: true, ts: new Date("2024-01-15T00:00:00Z") },
  { id: 2, n: 2, r: null, s: "'; DROP TABLE rsql_parity; --", b: false, ts: null },
  { id: 3, n: null, r: 0, s: "a' OR '1'='1", b: null, ts: null },
  { id: 4, n: 4, r: -1, s: "plain", b: true, ts: new Date("2000-01-01T00:00:00Z") },
];

const ATTEMPTS = [
  's=="x\\") OR 1=1 --"',
  "s==x;DROP TABLE rsql_parity",
  's=="\'; DROP TABLE rsql_parity; --"',
  "s==\"a' OR '1'='1\"",
  's%="%\' OR 1=1 --"',
  's=="x" -- comment',
  's=="x" /* comment */',
  "s==\"x\"; DROP TABLE rsql_parity",
  's) OR (1==1',
  '"s"=="x"',
  "s=in=(\"a\\\"),(\\\"b\")",
  "n==1 OR 1=1",
  "n==1;n=in=(SELECT 1)",
  "s=ilike=\"%'||(SELECT 1)||'%\"",
  "s=contains=\"'); DELETE FROM rsql_parity; --\"",
  "n==0x1",
  "n==1e999",
  "ts>\"2024-01-01'; DROP TABLE rsql_parity; --\"",
  "s=regex=\"'; DROP TABLE rsql_parity; --\"",
  "s==\"\\u0000\"",
  "s;DROP==1",
  "s.x==1",
];

describe("hostile filters", () => {
  let backends: Backend[] = [];
  let close: () => Promise<void> = async () => {};

  beforeAll(async () => {
    ({ backends, close } = await openBackends());
    for (const b of backends) await b.reset(ROWS);
  });
  afterAll(async () => {
    await close();
  });

  it.each(ATTEMPTS)("%s is rejected or bound as a literal", async (source) => {
    for (const b of backends) {
      let where;
      try {
        where = toSql(parseRsql(source)!, { dialect: b.dialect, columns: b.columns });
      } catch (error) {
        expect(error).toBeInstanceOf(FilterParseError);
        continue;
      }
      const expected = (await b.rows()).filter(toPredicate(parseRsql(source), { columns: b.columns })).map((r) => r.id);
      expect(await b.ids(where)).toEqual(expected);
      expect(await b.count()).toBe(ROWS.length);
    }
  });

  it("matches stored hostile strings exactly when asked for them", async () => {
    for (const row of ROWS) {
      const scope = rsql`s==${row.s}`;
      for (const b of backends) {
        expect(await b.ids(toSql(parseRsql(String(scope))!, { dialect: b.dialect, columns: b.columns }))).toEqual([row.id]);
      }
    }
  });

  it("keeps interpolated injection attempts one value", async () => {
    for (const hostile of ['x"),id!=0,(s=="', "\\\"),(n!=0", "' OR 1=1 --"]) {
      const scope = rsql`s==${hostile},n==4`;
      for (const b of backends) {
        expect(await b.ids(toSql(parseRsql(String(scope))!, { dialect: b.dialect, columns: b.columns }))).toEqual([4]);
        expect(await b.count()).toBe(ROWS.length);
      }
    }
  });
});
