/** `GET /aggregate` (spec 10 §7): groups, every aggregate kind, HAVING, scopes, soft delete and errors, on every database. */
import { describe, it, expect, beforeEach } from "vitest";
import { createCovara, rsql, type ResourceConfig } from "../../src/index.js";
import type { DbHarness } from "./harness.js";
import { headerAuth } from "./test-auth.js";

type Group = { key: Record<string, unknown> | null; count?: number; sum?: Record<string, number>; avg?: Record<string, number>; min?: Record<string, unknown>; max?: Record<string, unknown> };

const day = (iso: string) => new Date(`${iso}T00:00:00.000Z`);

/** Six posts: one soft-deleted (e), NULL amounts and NULL timestamps in some groups. */
const POSTS = [
  { title: "a", status: "open", views: 10, amount: 1.5, updatedAt: day("2024-01-02") },
  { title: "b", status: "open", views: 20, amount: null, updatedAt: day("2024-03-05") },
  { title: "c", status: "closed", views: 5, amount: 10, updatedAt: null },
  { title: "d", status: "draft", views: 0, amount: null, updatedAt: null },
  { title: "e", status: "open", views: 30, amount: 2.5, updatedAt: day("2024-02-01"), deletedAt: day("2024-05-01") },
  { title: "f", status: "closed", views: 7, amount: 4, updatedAt: day("2024-01-01") },
];

const PEOPLE = [
  { name: "p1", email: "p1@x", role: "admin", age: 30, active: true, createdAt: day("2024-01-01") },
  { name: "p2", email: "p2@x", role: "admin", age: 40, active: false, createdAt: day("2024-01-01") },
  { name: "p3", email: "p3@x", role: "user", age: 20, active: true, createdAt: day("2024-06-30") },
  { name: "p4", email: "p4@x", role: "user", age: null, active: true, createdAt: null },
  { name: "p5", email: "p5@x", role: null, age: 50, active: false, createdAt: day("2024-06-30") },
];

const signIn = headerAuth();

/** Groups in a stable order (the API leaves the order unspecified). */
const sorted = (groups: Group[]) => [...groups].sort((a, b) => JSON.stringify(a.key).localeCompare(JSON.stringify(b.key)));

export function aggregateSuite(getHarness: () => DbHarness) {
  describe("aggregations", () => {
    let h: DbHarness;
    const posts = () => h.blog.posts;
    const postsApp = (config: Partial<ResourceConfig> = {}, withAuth = false) =>
      createCovara(withAuth ? { auth: { middleware: signIn } } : {}).resource("/posts", posts(), { id: posts().id, db: h.db, ...config });
    const peopleApp = (config: Partial<ResourceConfig> = {}) => createCovara().resource("/people", h.table, { id: h.table.id, db: h.db, ...config });
    const get = async (app: ReturnType<typeof createCovara>, query: string, init?: RequestInit) => {
      const res = await app.request(`/api/${query}`, init);
      return { status: res.status, type: res.headers.get("content-type"), body: (await res.json()) as any };
    };
    const agg = async (query: string, config: Partial<ResourceConfig> = {}) => get(postsApp(config), `posts/aggregate?${query}`);
    const groups = async (query: string, config: Partial<ResourceConfig> = {}) => {
      const res = await agg(query, config);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(Object.keys(res.body)).toEqual(["groups"]);
      return sorted(res.body.groups as Group[]);
    };
    const expectProblem = (res: { status: number; type: string | null; body: any }, code: string, detail?: string | RegExp) => {
      expect(res.status, JSON.stringify(res.body)).toBe(400);
      expect(res.type).toContain("application/problem+json");
      expect(res.body.code).toBe(code);
      if (detail !== undefined) expect(res.body.detail).toMatch(detail);
    };
    const postCount = async () => (await h.db.select().from(posts())).length as number;

    beforeEach(async () => {
      h = getHarness();
      await h.reset();
      await h.db.insert(posts()).values(POSTS);
      await h.db.insert(h.table).values(PEOPLE);
    });

    it("without groupBy answers exactly one group with key null and every aggregate kind", async () => {
      const result = await groups("count=true&sum=views,amount&avg=views,amount&min=updatedAt,amount,title&max=updatedAt,amount,title");
      expect(result).toEqual([
        {
          key: null,
          count: 6,
          sum: { views: 72, amount: 18 },
          avg: { views: 12, amount: 4.5 },
          // Timestamps are the same ISO strings on SQLite (epoch ms), D1 and PostgreSQL (timestamptz).
          min: { updatedAt: "2024-01-01T00:00:00.000Z", amount: 1.5, title: "a" },
          max: { updatedAt: "2024-03-05T00:00:00.000Z", amount: 10, title: "f" },
        },
      ]);
    });

    it("answers one group with count 0 and empty maps on an empty table", async () => {
      await h.reset();
      expect(await groups("count=true&sum=views&avg=amount&min=updatedAt&max=views")).toEqual([{ key: null, count: 0, sum: {}, avg: {}, min: {}, max: {} }]);
      // With groupBy there is no group at all.
      expect(await groups("groupBy=status&count=true")).toEqual([]);
    });

    it("groups by one column, omitting NULL aggregates from their map", async () => {
      const result = await groups("groupBy=status&count=true&sum=views,amount&avg=amount&min=updatedAt&max=updatedAt");
      expect(result).toEqual([
        { key: { status: "closed" }, count: 2, sum: { views: 12, amount: 14 }, avg: { amount: 7 }, min: { updatedAt: "2024-01-01T00:00:00.000Z" }, max: { updatedAt: "2024-01-01T00:00:00.000Z" } },
        { key: { status: "draft" }, count: 1, sum: { views: 0 }, avg: {}, min: {}, max: {} },
        { key: { status: "open" }, count: 3, sum: { views: 60, amount: 4 }, avg: { amount: 2 }, min: { updatedAt: "2024-01-02T00:00:00.000Z" }, max: { updatedAt: "2024-03-05T00:00:00.000Z" } },
      ]);
    });

    it("only includes the maps that were asked for", async () => {
      const result = await groups("groupBy=status&max=views");
      expect(result.map((g) => Object.keys(g).sort())).toEqual([["key", "max"], ["key", "max"], ["key", "max"]]);
      expect(await groups("groupBy=status")).toEqual([{ key: { status: "closed" } }, { key: { status: "draft" } }, { key: { status: "open" } }]);
    });

    it("groups by several columns, with NULL, boolean and timestamp keys the same on every database", async () => {
      const app = peopleApp();
      const res = await get(app, "people/aggregate?groupBy=role,active&count=true&sum=age");
      expect(res.status).toBe(200);
      expect(sorted(res.body.groups)).toEqual(
        sorted([
          { key: { role: "admin", active: true }, count: 1, sum: { age: 30 } },
          { key: { role: "admin", active: false }, count: 1, sum: { age: 40 } },
          { key: { role: "user", active: true }, count: 2, sum: { age: 20 } },
          { key: { role: null, active: false }, count: 1, sum: { age: 50 } },
        ]),
      );
      const byDate = await get(app, "people/aggregate?groupBy=createdAt&count=true&min=active&max=active");
      expect(sorted(byDate.body.groups)).toEqual(
        sorted([
          { key: { createdAt: "2024-01-01T00:00:00.000Z" }, count: 2, min: { active: false }, max: { active: true } },
          { key: { createdAt: "2024-06-30T00:00:00.000Z" }, count: 2, min: { active: false }, max: { active: true } },
          { key: { createdAt: null }, count: 1, min: { active: true }, max: { active: true } },
        ]),
      );
    });

    it("narrows rows with filter before grouping", async () => {
      expect(await groups(`groupBy=status&count=true&filter=${encodeURIComponent("views>=7")}`)).toEqual([
        { key: { status: "closed" }, count: 1 },
        { key: { status: "open" }, count: 3 },
      ]);
      expect(await groups(`groupBy=status&count=true&filter=${encodeURIComponent('status=="none"')}`)).toEqual([]);
      expect(await groups(`count=true&filter=${encodeURIComponent('status=="none"')}`)).toEqual([{ key: null, count: 0 }]);
      expectProblem(await agg(`count=true&filter=${encodeURIComponent("views=>")}`), "FILTER_PARSE_ERROR");
    });

    it("aggregates only rows inside the read scope; a filter cannot widen it", async () => {
      const scoped: Partial<ResourceConfig> = { auth: { read: (user) => rsql`status==${String(user.role)}` } };
      const app = postsApp(scoped, true);
      const asUser = (role: string) => ({ headers: { "x-user": `1:${role}` } });
      const open = await get(app, "posts/aggregate?count=true&sum=views", asUser("open"));
      expect(open.body.groups).toEqual([{ key: null, count: 3, sum: { views: 60 } }]);
      const widened = await get(app, `posts/aggregate?groupBy=status&count=true&filter=${encodeURIComponent('status=="closed",status!="closed"')}`, asUser("draft"));
      expect(widened.body.groups).toEqual([{ key: { status: "draft" }, count: 1 }]);
      // A denying scope aggregates nothing (never 403).
      const denied = await get(postsApp({ auth: { read: () => "" } }, true), "posts/aggregate?count=true", asUser("open"));
      expect(denied.body.groups).toEqual([{ key: null, count: 0 }]);
      const anonymous = await get(app, "posts/aggregate?count=true&sum=nosuch");
      expect(anonymous.status).toBe(401);
      expect(anonymous.body.code).toBe("UNAUTHORIZED");
    });

    it("excludes soft-deleted rows unless withDeleted=true", async () => {
      const softDelete = { softDelete: { field: posts().deletedAt } };
      expect(await groups("groupBy=status&count=true&sum=views", softDelete)).toEqual([
        { key: { status: "closed" }, count: 2, sum: { views: 12 } },
        { key: { status: "draft" }, count: 1, sum: { views: 0 } },
        { key: { status: "open" }, count: 2, sum: { views: 30 } },
      ]);
      expect(await groups("count=true&max=views", softDelete)).toEqual([{ key: null, count: 5, max: { views: 20 } }]);
      expect(await groups("count=true&max=views&withDeleted=true", softDelete)).toEqual([{ key: null, count: 6, max: { views: 30 } }]);
      expect(await groups("count=true&withDeleted=yes", softDelete)).toEqual([{ key: null, count: 5 }]);
    });

    it("filters groups with having: counts, sums, averages, min/max and group columns", async () => {
      const q = (having: string, rest = "groupBy=status&count=true&sum=views&avg=amount&min=updatedAt&max=views") => groups(`${rest}&having=${encodeURIComponent(having)}`);
      const keys = (result: Group[]) => result.map((g) => g.key?.status);
      expect(keys(await q("count>1"))).toEqual(["closed", "open"]);
      expect(keys(await q("count==1"))).toEqual(["draft"]);
      expect(keys(await q("count>=2;sum_views<20"))).toEqual(["closed"]);
      expect(keys(await q("sum_views>=60"))).toEqual(["open"]);
      // avg over the group's non-NULL amounts; a NULL avg never matches.
      expect(keys(await q("avg_amount>2.5"))).toEqual(["closed"]);
      expect(keys(await q("avg_amount!=7"))).toEqual(["open"]);
      expect(keys(await q("max_views<=7"))).toEqual(["closed", "draft"]);
      expect(keys(await q("max_views>7.5"))).toEqual(["open"]);
      expect(keys(await q("status==open"))).toEqual(["open"]);
      expect(keys(await q("status!=open"))).toEqual(["closed", "draft"]);
      expect(keys(await q(" status > d ; count < 3 "))).toEqual(["draft"]);
      // Timestamps compare as instants, given as ISO text or epoch milliseconds.
      expect(keys(await q("min_updatedAt>2024-01-01T12:00:00Z"))).toEqual(["open"]);
      expect(keys(await q(`min_updatedAt<=${Date.UTC(2024, 0, 1)}`))).toEqual(["closed"]);
      // Quotes are part of the value.
      expect(await q('status=="open"')).toEqual([]);
      // Without groupBy the single group is kept or dropped.
      expect(await q("count>5", "count=true")).toEqual([{ key: null, count: 6 }]);
      expect(await q("count>6", "count=true")).toEqual([]);
    });

    it("compares boolean group columns with true/false in having", async () => {
      const res = await get(peopleApp(), `people/aggregate?groupBy=active&count=true&having=${encodeURIComponent("active==true")}`);
      expect(res.body.groups).toEqual([{ key: { active: true }, count: 3 }]);
      expectProblem(await get(peopleApp(), `people/aggregate?groupBy=active&having=${encodeURIComponent("active==yes")}`), "VALIDATION_ERROR", /^Invalid having expression/);
    });

    it("rejects having aliases the query does not produce", async () => {
      for (const having of ["sum_amount>1", "count>1", "title==a", "avg_views>1", "nosuch==1"]) {
        const res = await agg(`groupBy=status&sum=views&having=${encodeURIComponent(having)}`);
        expectProblem(res, "VALIDATION_ERROR", /^Unknown having field/);
      }
    });

    it("rejects malformed having terms", async () => {
      for (const having of ["", "count", "count>", "count=>1", "count>1;", "count~1", "count>abc", "sum_views>=1e", "1>count", "count>1;;status==open"]) {
        const res = await agg(`groupBy=status&count=true&sum=views&having=${encodeURIComponent(having)}`);
        expectProblem(res, "VALIDATION_ERROR", /^Invalid having expression/);
      }
      const tooMany = Array.from({ length: 11 }, () => "count>0").join(";");
      expectProblem(await agg(`groupBy=status&count=true&having=${encodeURIComponent(tooMany)}`), "VALIDATION_ERROR", /^Invalid having expression/);
    });

    it("binds having values as parameters: injection attempts fail or match nothing and change nothing", async () => {
      const attempts = [
        "status==open' OR '1'='1",
        "status==x') OR (1=1",
        "status==open; DROP TABLE canary; --",
        "count>0) OR (1=1",
        "count>0 OR 1=1",
        "status==open'--",
        "status==\"; DROP TABLE posts; --",
        "count>1 UNION SELECT 1",
      ];
      for (const having of attempts) {
        const res = await agg(`groupBy=status&count=true&having=${encodeURIComponent(having)}`);
        if (res.status === 200) expect(res.body.groups, having).toEqual([]);
        else expectProblem(res, "VALIDATION_ERROR");
      }
      expect(await h.canaryExists()).toBe(true);
      expect(await postCount()).toBe(6);
    });

    it("answers 400 validation-error for unknown, masked, non-numeric and empty parameters", async () => {
      expectProblem(await agg("sum=nosuch"), "VALIDATION_ERROR", "Invalid sum field: nosuch");
      expectProblem(await agg("avg=nosuch"), "VALIDATION_ERROR", "Invalid avg field: nosuch");
      expectProblem(await agg("min=nosuch"), "VALIDATION_ERROR", "Invalid min field: nosuch");
      expectProblem(await agg("max=nosuch"), "VALIDATION_ERROR", "Invalid max field: nosuch");
      expectProblem(await agg("groupBy=nosuch"), "VALIDATION_ERROR", "Invalid groupBy field: nosuch");
      expectProblem(await agg("sum=title"), "VALIDATION_ERROR", /^Invalid sum field: title/);
      expectProblem(await agg("avg=updatedAt"), "VALIDATION_ERROR", /^Invalid avg field: updatedAt/);
      for (const query of ["sum=", "groupBy=", "groupBy=status,", "min=views,,title", "count=yes", "count="]) expectProblem(await agg(query), "VALIDATION_ERROR");
      // Prototype keys are not columns.
      expectProblem(await agg("max=constructor"), "VALIDATION_ERROR", "Invalid max field: constructor");
    });

    it("refuses to group or aggregate masked columns, exactly like missing ones", async () => {
      const masked = { fields: { readable: [posts().id, posts().title, posts().status] } };
      for (const query of ["sum=views", "avg=views", "min=amount", "max=updatedAt", "groupBy=views", "groupBy=status,amount"]) {
        const hidden = await agg(query, masked);
        expectProblem(hidden, "VALIDATION_ERROR");
        const missing = await agg(query.replace(/views|amount|updatedAt/, "nosuch"), masked);
        expect(hidden.body.detail.replace(/views|amount|updatedAt/, "nosuch")).toBe(missing.body.detail);
      }
      expect(await groups("groupBy=status&count=true&max=title", masked)).toHaveLength(3);
    });

    it("keeps the first value of a repeated parameter", async () => {
      expect(await groups("sum=views&sum=nosuch&count=true&count=yes")).toEqual([{ key: null, count: 6, sum: { views: 72 } }]);
    });

    it("is absent with enableAggregations: false (the path falls through to /:id)", async () => {
      const res = await agg("count=true", { capabilities: { enableAggregations: false } });
      expect(res.status).toBe(404);
      expect(res.body.code).toBe("NOT_FOUND");
    });
  });
}
