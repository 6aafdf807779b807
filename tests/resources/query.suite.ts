/** List queries: filter, orderBy, limit, select, totalCount and keyset cursors, on every database. */
import { describe, it, expect, beforeAll } from "vitest";
import { sql } from "drizzle-orm";
import { createCovara, type CustomOperators } from "../../src/index.js";
import type { DbHarness } from "./harness.js";

const ROLES = ["admin", "user", "editor", null];

/** 57 deterministic rows with duplicate and NULL sort values. */
export function seedRows() {
  return Array.from({ length: 57 }, (_, i) => ({
    name: `Person ${String(i).padStart(2, "0")}${i % 5 === 0 ? " Ünïcødé" : ""}`,
    email: `p${i}@example.com`,
    role: ROLES[i % 4],
    age: i % 7 === 0 ? null : 18 + ((i * 13) % 40),
    score: i % 3 === 0 ? null : (i * 7) % 10 + 0.5,
    active: i % 2 === 0,
    createdAt: new Date(Date.UTC(2024, 0, 1) + ((i * 37) % 20) * 86_400_000),
  }));
}

type Row = Record<string, any>;

function compare(a: unknown, b: unknown, descending: boolean, nullsLast: boolean): number {
  if (a === b) return 0;
  // NULL is the largest value with nullsLast (mirrored for descending fields).
  if (a === null) return (nullsLast ? 1 : -1) * (descending ? -1 : 1);
  if (b === null) return (nullsLast ? -1 : 1) * (descending ? -1 : 1);
  const r = (a as number | string) < (b as number | string) ? -1 : 1;
  return descending ? -r : r;
}

function expectedOrder(rows: Row[], fields: [string, boolean][], nullsLast = true): number[] {
  return [...rows]
    .sort((x, y) => {
      for (const [key, desc] of fields) {
        const c = compare(x[key], y[key], desc, nullsLast);
        if (c !== 0) return c;
      }
      return x.id - y.id;
    })
    .map((r) => r.id);
}

export function querySuite(getHarness: () => DbHarness) {
  describe("list queries", () => {
    let h: DbHarness;
    let app: ReturnType<typeof createCovara>;
    let rows: Row[];
    const get = async (query: string) => {
      const res = await app.request(`/api/people?${query}`);
      return { status: res.status, body: (await res.json()) as Row };
    };

    beforeAll(async () => {
      h = getHarness();
      await h.reset();
      app = createCovara().resource("/people", h.table, { id: h.table.id, db: h.db, pagination: { defaultLimit: 10, maxLimit: 25 } });
      for (const row of seedRows()) {
        const res = await app.request("/api/people", { method: "POST", body: JSON.stringify(row), headers: { "content-type": "application/json" } });
        expect(res.status).toBe(201);
      }
      rows = (await get("limit=25")).body.items;
      for (let cursor = (await get("limit=25")).body.nextCursor; cursor; ) {
        const page = await get(`limit=25&cursor=${cursor}`);
        rows.push(...page.body.items);
        cursor = page.body.nextCursor;
      }
      rows = rows.map((r) => ({ ...r, createdAt: r.createdAt }));
    });

    it("lists by id with the default limit; nextCursor is null exactly when hasMore is false", async () => {
      expect(rows.map((r) => r.id)).toEqual([...rows.map((r) => r.id)].sort((a, b) => a - b));
      expect(rows).toHaveLength(57);
      const { body } = await get("");
      expect(body.items).toHaveLength(10);
      expect(body.hasMore).toBe(true);
      expect(typeof body.nextCursor).toBe("string");
      const last = await get("limit=25&filter=" + encodeURIComponent("name=='x'".replace(/'/g, '"')));
      expect(last.body).toEqual({ items: [], nextCursor: null, hasMore: false });
    });

    it.each([
      ["0", 1],
      ["-5", 1],
      ["1000", 25],
      ["abc", 10],
      ["7", 7],
    ])("clamps limit=%s to %i", async (limit, expected) => {
      expect((await get(`limit=${limit}`)).body.items).toHaveLength(expected);
    });

    it("adds totalCount over the filter, ignoring the cursor", async () => {
      const filter = encodeURIComponent('role=="admin"');
      const first = await get(`filter=${filter}&totalCount=true&limit=3`);
      const admins = rows.filter((r) => r.role === "admin").length;
      expect(first.body.totalCount).toBe(admins);
      const second = await get(`filter=${filter}&totalCount=true&limit=3&cursor=${first.body.nextCursor}`);
      expect(second.body.totalCount).toBe(admins);
      expect((await get("totalCount=yes")).body).not.toHaveProperty("totalCount");
    });

    it.each([
      ['role=="admin";age>=30', (r: Row) => r.role === "admin" && r.age !== null && r.age >= 30],
      ['role=in=("admin","editor"),age=isnull=true', (r: Row) => r.role === "admin" || r.role === "editor" || r.age === null],
      ['name=icontains="pERSON 1"', (r: Row) => r.name.toLowerCase().includes("person 1")],
      ['name=contains="Ünïcødé"', (r: Row) => r.name.includes("Ünïcødé")],
      ["age=between=[20,30];active==true", (r: Row) => r.age !== null && r.age >= 20 && r.age <= 30 && r.active],
      ["role!=\"user\"", (r: Row) => r.role !== null && r.role !== "user"],
      ['createdAt>="2024-01-10"', (r: Row) => r.createdAt !== null && r.createdAt >= "2024-01-10"],
      ["score=lt=3", (r: Row) => r.score !== null && r.score < 3],
    ])("filters %s like the same predicate in JS", async (filter, predicate) => {
      const { status, body } = await get(`limit=25&filter=${encodeURIComponent(filter)}&totalCount=true`);
      expect(status).toBe(200);
      const expected = rows.filter(predicate).map((r) => r.id);
      expect(body.totalCount).toBe(expected.length);
      expect(body.items.map((r: Row) => r.id)).toEqual(expected.slice(0, 25));
    });

    it.each([
      [["age", false]],
      [["age", true]],
      [["role", false], ["age", true]],
      [["createdAt", true], ["name", false]],
      [["score", false], ["active", true]],
    ] as [string, boolean][][])("pages through orderBy %j with no row missing or repeated", async (...fields) => {
      const orderBy = fields.map(([k, d]) => `${k}:${d ? "desc" : "asc"}`).join(",");
      const seen: number[] = [];
      let cursor: string | null = null;
      for (let guard = 0; guard < 20; guard++) {
        const page = await get(`limit=6&orderBy=${orderBy}${cursor ? `&cursor=${cursor}` : ""}`);
        expect(page.status).toBe(200);
        seen.push(...page.body.items.map((r: Row) => r.id));
        cursor = page.body.nextCursor;
        if (!cursor) break;
      }
      expect(seen).toEqual(expectedOrder(rows, fields));
    });

    it("pages a filtered, ordered list and accepts prefix syntax", async () => {
      const filter = encodeURIComponent("active==true");
      const seen: number[] = [];
      let cursor: string | null = null;
      do {
        const page = await get(`limit=4&orderBy=-age,%2Bname&filter=${filter}${cursor ? `&cursor=${cursor}` : ""}`);
        seen.push(...page.body.items.map((r: Row) => r.id));
        cursor = page.body.nextCursor;
      } while (cursor);
      expect(seen).toEqual(expectedOrder(rows.filter((r) => r.active), [["age", true], ["name", false]]));
    });

    it("puts NULLs first with nullsPosition: first", async () => {
      const first = createCovara().resource("/people", h.table, { id: h.table.id, db: h.db, pagination: { nullsPosition: "first", maxLimit: 100 } });
      const seen: number[] = [];
      let cursor: string | null = null;
      do {
        const res = await first.request(`/api/people?limit=9&orderBy=age${cursor ? `&cursor=${cursor}` : ""}`);
        const body = (await res.json()) as Row;
        seen.push(...body.items.map((r: Row) => r.id));
        cursor = body.nextCursor;
      } while (cursor);
      expect(seen).toEqual(expectedOrder(rows, [["age", false]], false));
    });

    it("supports custom operators from the resource config", async () => {
      const customOperators: CustomOperators = {
        "=even=": {
          convert: (lhs, rhs) => sql`(${lhs} % 2) = ${rhs === true ? 0 : 1}`,
          execute: (lhs, rhs) => typeof lhs === "number" && (lhs % 2 === 0) === (rhs === true),
        },
      };
      const custom = createCovara().resource("/people", h.table, { id: h.table.id, db: h.db, customOperators, pagination: { maxLimit: 100 } });
      const res = await custom.request(`/api/people?limit=100&filter=${encodeURIComponent("age=even=true;active==true")}`);
      expect(res.status).toBe(200);
      const body = (await res.json()) as Row;
      expect(body.items.map((r: Row) => r.id)).toEqual(rows.filter((r) => r.age !== null && r.age % 2 === 0 && r.active).map((r) => r.id));
      // Without the operator the same filter is a parse error.
      expect((await get(`filter=${encodeURIComponent("age=even=true")}`)).status).toBe(400);
    });

    it("answers a filter with more values than D1 can bind with a 400 there, and serves it elsewhere", async () => {
      const many = `id=in=(${Array.from({ length: 90 }, (_, i) => i + 1).join(",")})`;
      const { status, body } = await get(`limit=25&filter=${encodeURIComponent(many)}`);
      if (h.name === "d1") {
        expect(status).toBe(400);
        expect(body.code).toBe("FILTER_PARSE_ERROR");
      } else {
        expect(status).toBe(200);
        expect(body.items).toHaveLength(25);
      }
      const few = await get(`limit=25&filter=${encodeURIComponent(`id=in=(${Array.from({ length: 40 }, (_, i) => i + 1).join(",")})`)}`);
      expect(few.status).toBe(200);
    });

    it("projects with select", async () => {
      const { body } = await get("limit=2&select=name,role");
      expect(Object.keys(body.items[0]).sort()).toEqual(["name", "role"]);
    });

    it.each([
      ["filter", "name==unquoted", "FILTER_PARSE_ERROR"],
      ["filter", 'nope=="x"', "FILTER_PARSE_ERROR"],
      ["filter", 'name=="a"))', "FILTER_PARSE_ERROR"],
      ["filter", 'name=foo="a"', "FILTER_PARSE_ERROR"],
      ["filter", 'age=="abc"', "FILTER_PARSE_ERROR"],
      ["filter", "age=between=[1]", "FILTER_PARSE_ERROR"],
      ["filter", 'org.name=="x"', "FILTER_PARSE_ERROR"],
      ["filter", "(".repeat(20) + 'name=="a"' + ")".repeat(20), "FILTER_PARSE_ERROR"],
      ["filter", 'name=="' + "a".repeat(5000) + '"', "FILTER_PARSE_ERROR"],
      ["filter", 'name=="x") OR 1=1 --', "FILTER_PARSE_ERROR"],
      ["orderBy", "nope", "VALIDATION_ERROR"],
      ["orderBy", "-name:desc", "VALIDATION_ERROR"],
      ["orderBy", "name:sideways", "VALIDATION_ERROR"],
      ["orderBy", "name;DROP TABLE people", "VALIDATION_ERROR"],
      ["cursor", "not-a-cursor!", "CURSOR_INVALID"],
      ["cursor", "eyJ2Ijox", "CURSOR_INVALID"],
      ["cursor", btoa(JSON.stringify({ v: 1, id: "1 OR 1=1", _ver: 1, _orderByHash: "default" })), "CURSOR_INVALID"],
    ])("rejects %s=%.40s with %s and changes nothing", async (param, value, code) => {
      const { status, body } = await get(`${param}=${encodeURIComponent(value)}`);
      expect(status).toBe(400);
      expect(body.code).toBe(code);
      expect(body.type).toBe(`/__covara/problems/${code.toLowerCase().replace(/_/g, "-")}`);
      expect((await get("totalCount=true&limit=1")).body.totalCount).toBe(57);
      expect(await h.canaryExists()).toBe(true);
    });

    it("binds injection attempts as plain values", async () => {
      for (const value of ["x\\\" OR 1=1 --", "'; DROP TABLE people; --", "%", "_"]) {
        const filter = `name==${JSON.stringify(value)}`;
        const { status, body } = await get(`filter=${encodeURIComponent(filter)}`);
        expect(status).toBe(200);
        expect(body.items).toEqual([]);
      }
      expect(await h.canaryExists()).toBe(true);
    });

    it("rejects cursors from another orderBy, with a reason", async () => {
      const page = await get("limit=5&orderBy=age");
      const res = await get(`limit=5&orderBy=name&cursor=${page.body.nextCursor}`);
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ code: "CURSOR_INVALID", reason: "orderby_mismatch" });
      const truncated = await get(`limit=5&orderBy=age&cursor=${page.body.nextCursor.slice(0, 10)}`);
      expect(truncated.body).toMatchObject({ code: "CURSOR_INVALID", reason: "malformed" });
    });

    it("signs cursors with a secret and rejects tampered or unsigned ones", async () => {
      const signed = createCovara().resource("/people", h.table, { id: h.table.id, db: h.db, cursorSigningSecret: "s3cret" });
      const read = async (q: string) => {
        const res = await signed.request(`/api/people?${q}`);
        return { status: res.status, body: (await res.json()) as Row };
      };
      const first = await read("limit=5");
      const cursor: string = first.body.nextCursor;
      expect(cursor).toContain(".");
      expect((await read(`limit=5&cursor=${cursor}`)).status).toBe(200);
      const [payload, sig] = cursor.split(".");
      const forged = btoa(JSON.stringify({ ...JSON.parse(atob(payload!.replace(/-/g, "+").replace(/_/g, "/"))), v: 0, id: "0" })).replace(/=+$/, "");
      for (const bad of [`${forged}.${sig}`, payload!, `${payload}.AAAA`]) {
        const res = await read(`limit=5&cursor=${encodeURIComponent(bad)}`);
        expect(res.status).toBe(400);
        expect(res.body).toMatchObject({ code: "CURSOR_INVALID", reason: "tampered" });
      }
    });

    it("expires cursors older than cursorMaxAgeMs", async () => {
      const short = createCovara().resource("/people", h.table, { id: h.table.id, db: h.db, pagination: { cursorMaxAgeMs: 1 } });
      const first = (await (await short.request("/api/people?limit=5")).json()) as Row;
      await new Promise((r) => setTimeout(r, 5));
      const res = await short.request(`/api/people?limit=5&cursor=${first.nextCursor}`);
      expect(res.status).toBe(400);
      expect((await res.json()).code).toBe("CURSOR_EXPIRED");
    });
  });
}
