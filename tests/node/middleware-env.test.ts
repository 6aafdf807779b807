/** Typed environment variables (spec 60 §1–4) and every invariant of §7 (1–5), through HTTP for the route. */
import { afterEach, describe, expect, expectTypeOf, it, vi } from "vitest";
import { Hono } from "hono";
import { z } from "zod";
import { createCovara, createEnv, envVariable, usePublicEnv } from "../../src/index.js";

const SECRET = "s3cr3t-value-never-shown";

afterEach(() => vi.unstubAllEnvs());

describe("createEnv", () => {
  it("parses leaves with defaults, transforms and coercion, typed by the schema", () => {
    const env = createEnv(
      {
        PUBLIC_API_URL: z.string().url(),
        PORT: z.string().default("3000").transform(Number),
        DB: { URL: z.string(), POOL_SIZE: z.coerce.number() },
        FLAG: z.enum(["on", "off"]).optional(),
      },
      { source: { PUBLIC_API_URL: "https://api.example.com", DB_URL: "postgres://db", DB_POOL_SIZE: "7" } },
    );
    expect(env.PORT).toBe(3000);
    expect(env.DB).toEqual({ URL: "postgres://db", POOL_SIZE: 7 });
    expect(env.FLAG).toBeUndefined();
    expectTypeOf(env.PORT).toEqualTypeOf<number>();
    expectTypeOf(env.DB.POOL_SIZE).toEqualTypeOf<number>();
    expectTypeOf(env.FLAG).toEqualTypeOf<"on" | "off" | undefined>();
  });

  it("§7.1 a missing required variable throws naming the joined key; nothing is returned", () => {
    let result: unknown = "untouched";
    expect(() => {
      result = createEnv({ A: z.string().optional(), DB: { URL: z.string(), PORT: z.string() } }, { source: {} });
    }).toThrow(/^Environment variable validation error for DB_URL: /);
    expect(result).toBe("untouched");
  });

  it("§7.2 nested keys read underscore-joined names, from process.env by default", () => {
    vi.stubEnv("SERVICE_AUTH_TOKEN", "tok");
    vi.stubEnv("SERVICE_NAME", "svc");
    const env = createEnv({ SERVICE: { AUTH: { TOKEN: z.string() }, NAME: z.string() } });
    expect(env.SERVICE.AUTH.TOKEN).toBe("tok");
    expect(env.SERVICE.NAME).toBe("svc");
    // Later changes are not seen.
    vi.stubEnv("SERVICE_NAME", "changed");
    expect(env.SERVICE.NAME).toBe("svc");
  });

  it("reads a Workers-style bindings object with { source }", () => {
    const bindings = { API_KEY: SECRET, LIMIT: "5" };
    const env = createEnv({ API_KEY: z.string(), LIMIT: z.coerce.number() }, { source: bindings });
    expect(env).toEqual({ API_KEY: SECRET, LIMIT: 5 });
  });

  it("validates in key order and fails fast on the first bad leaf", () => {
    expect(() => createEnv({ FIRST: z.string().min(10), SECOND: z.string() }, { source: { FIRST: "short" } })).toThrow(/for FIRST:/);
  });

  it("never puts a value into an error message, even when a check quotes its input", () => {
    const quoting = z.string().refine((v) => v.length > 100, { message: `value ${SECRET} is too short` });
    try {
      createEnv({ KEY: quoting }, { source: { KEY: SECRET } });
      expect.unreachable();
    } catch (error) {
      expect((error as Error).message).toContain("for KEY");
      expect((error as Error).message).not.toContain(SECRET);
    }
    try {
      envVariable(SECRET, quoting);
      expect.unreachable();
    } catch (error) {
      expect((error as Error).message).toMatch(/^Environment variable validation error: /);
      expect((error as Error).message).not.toContain(SECRET);
    }
  });

  it("rejects the reserved key and leaves that are not schemas", () => {
    expect(() => createEnv({ getPublicEnvironmentVariables: z.string() } as never, { source: {} })).toThrow(/reserved/);
    expect(() => createEnv({ X: "plain" } as never, { source: {} })).toThrow(TypeError);
  });

  it("returns a frozen object whose getPublicEnvironmentVariables is not enumerable", () => {
    const env = createEnv({ PUBLIC_A: z.string(), B: z.string() }, { source: { PUBLIC_A: "a", B: "b" } });
    expect(Object.keys(env)).toEqual(["PUBLIC_A", "B"]);
    expect(Object.isFrozen(env)).toBe(true);
    expect(JSON.stringify(env)).toBe('{"PUBLIC_A":"a","B":"b"}');
  });
});

describe("envVariable and the public rules (§3)", () => {
  const build = () =>
    createEnv(
      {
        PUBLIC_API_URL: z.string(),
        PUBLIC: { URL: z.string() },
        CLIENT: { PUBLIC_URL: z.string() },
        PUBLIC_X: envVariable("x", z.string()),
        PUBLIC_KEEP_PRIVATE: envVariable("kp", z.string(), { public: false }),
        EXPLICIT: envVariable("shown", z.string(), { public: true }),
        SECRET_KEY: envVariable(SECRET, z.string()),
        DB: { URL: z.string(), PUBLIC_HOST: z.string() },
        EMPTY: { PRIVATE: z.string() },
      },
      { source: { PUBLIC_API_URL: "https://api", PUBLIC_URL: "https://pub", CLIENT_PUBLIC_URL: "https://client", DB_URL: SECRET, DB_PUBLIC_HOST: "db.example", EMPTY_PRIVATE: SECRET } },
    );

  it("parses an envVariable at construction and fails there", () => {
    expect(envVariable("42", z.coerce.number()).value).toBe(42);
    expect(() => envVariable(undefined, z.string())).toThrow(/^Environment variable validation error: /);
  });

  it("§7.3 getPublicEnvironmentVariables holds exactly the public leaves, nesting kept", () => {
    const pub = build().getPublicEnvironmentVariables();
    expect(pub).toEqual({ PUBLIC_API_URL: "https://api", PUBLIC: { URL: "https://pub" }, EXPLICIT: "shown" });
    expect(JSON.stringify(pub)).not.toContain(SECRET);
    expectTypeOf(pub).toEqualTypeOf<{ readonly PUBLIC_API_URL: string; readonly PUBLIC: { readonly URL: string }; readonly EXPLICIT: string }>();
  });
});

describe("usePublicEnv", () => {
  const env = createEnv(
    { PUBLIC_API_URL: z.string(), PUBLIC_FLAGS: { BETA: z.coerce.boolean(), LIMITS: z.string().transform((s) => s.split(",")) }, PUBLIC_EMPTY: envVariable({}, z.object({}), { public: true }), SECRET: z.string() },
    { source: { PUBLIC_API_URL: "https://api", PUBLIC_FLAGS_BETA: "1", PUBLIC_FLAGS_LIMITS: "a,b", SECRET } },
  );
  const mount = (config?: Parameters<typeof usePublicEnv>[1]) => createCovara({ health: false }).route("/api/env", usePublicEnv(env, config));

  it("§7.3 GET / returns exactly the public object as JSON with ETag and Cache-Control; no private value anywhere", async () => {
    const app = mount({ headers: { "X-Extra": "1" } });
    const res = await app.request("/api/env");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/json");
    expect(res.headers.get("cache-control")).toBe("public, max-age=3600");
    expect(res.headers.get("x-extra")).toBe("1");
    const text = await res.text();
    expect(JSON.parse(text)).toEqual({ PUBLIC_API_URL: "https://api", PUBLIC_FLAGS: { BETA: true, LIMITS: ["a", "b"] }, PUBLIC_EMPTY: {} });
    for (const path of ["/api/env", "/api/env/schema", "/api/env/nope", "/api/env/../SECRET"]) {
      const body = await (await app.request(path)).text();
      expect(body).not.toContain(SECRET);
    }
    expect(text).not.toContain(SECRET);
  });

  it("§7.4 ETag is strong and stable; If-None-Match (exact, list, *, W/) gives an empty 304 repeating ETag and Cache-Control", async () => {
    const app = mount({ cacheControl: "public, max-age=60" });
    const etag = (await app.request("/api/env")).headers.get("etag")!;
    expect(etag).toMatch(/^"[0-9a-f]{32}"$/);
    expect((await mount().request("/api/env")).headers.get("etag")).toBe(etag);
    for (const inm of [etag, `"other", ${etag}`, "*", `W/${etag}`, `W/"x",W/${etag}`]) {
      const res = await app.request("/api/env", { headers: { "if-none-match": inm } });
      expect([inm, res.status]).toEqual([inm, 304]);
      expect(await res.text()).toBe("");
      expect(res.headers.get("etag")).toBe(etag);
      expect(res.headers.get("cache-control")).toBe("public, max-age=60");
    }
    for (const inm of ['"other"', etag.slice(1, -1), "", `${etag.slice(0, -2)}x"`]) {
      expect((await app.request("/api/env", { headers: { "if-none-match": inm } })).status).toBe(200);
    }
  });

  it("§7.4 different public values give a different ETag; private values do not change it", async () => {
    const other = createEnv({ PUBLIC_API_URL: z.string(), SECRET: z.string() }, { source: { PUBLIC_API_URL: "https://api", SECRET: "one" } });
    const again = createEnv({ PUBLIC_API_URL: z.string(), SECRET: z.string() }, { source: { PUBLIC_API_URL: "https://api", SECRET: "two" } });
    const changed = createEnv({ PUBLIC_API_URL: z.string() }, { source: { PUBLIC_API_URL: "https://api2" } });
    const tag = async (e: { getPublicEnvironmentVariables(): object }) => (await new Hono().route("/", usePublicEnv(e)).request("/")).headers.get("etag");
    expect(await tag(other)).toBe(await tag(again));
    expect(await tag(changed)).not.toBe(await tag(other));
  });

  it("GET /schema lists the leaves with inferred types", async () => {
    const res = await mount().request("/api/env/schema");
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.fields).toEqual([
      { path: ["PUBLIC_API_URL"], type: "string" },
      { path: ["PUBLIC_FLAGS", "BETA"], type: "boolean" },
      { path: ["PUBLIC_FLAGS", "LIMITS"], type: "array" },
      { path: ["PUBLIC_EMPTY"], type: "object" },
    ]);
    expect(Number.isNaN(Date.parse(body.timestamp))).toBe(false);
  });

  it("§7.5 GET /schema is 404 with exposeSchema: false", async () => {
    const res = await mount({ exposeSchema: false }).request("/api/env/schema");
    expect(res.status).toBe(404);
    expect((await res.json()).code).toBe("NOT_FOUND");
  });

  it("answers HEAD like GET without a body", async () => {
    const res = await mount().request("/api/env", { method: "HEAD" });
    expect(res.status).toBe(200);
    expect(res.headers.get("etag")).toMatch(/^"/);
    expect(await res.text()).toBe("");
  });
});
