/** The app factory: health, security headers, CORS, problem rendering, plain-Hono mounting. */
import { describe, it, expect } from "vitest";
import { Hono } from "hono";
import { createCovara, errorHandler, notFoundHandler, useResource, NotFoundError, ConflictError } from "../../src/index.js";
import type { DbHarness } from "./harness.js";

const DEFAULT_HEADERS = {
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "referrer-policy": "strict-origin-when-cross-origin",
  "x-dns-prefetch-control": "off",
  "cross-origin-opener-policy": "same-origin",
};

export function appSuite(getHarness: () => DbHarness) {
  describe("app factory", () => {
    const build = (options = {}) => {
      const h = getHarness();
      return createCovara(options).resource("/people", h.table, { id: h.table.id, db: h.db });
    };

    it("runs middleware and routes the app adds after .resource() before the resource's routes", async () => {
      const app = build();
      // As the README does it: resources first, then the auth middleware and routes.
      app.use("*", async (c, next) => {
        c.set("user", { id: 7 });
        c.set("covaraAuthInstalled", true);
        await next();
        c.header("x-after", "yes");
      });
      app.get("/api/people/stats", (c) => c.json({ user: c.get("user") }));
      const list = await app.request("/api/people");
      expect(list.status).toBe(200);
      expect(list.headers.get("x-after")).toBe("yes");
      expect(await (await app.request("/api/people/stats")).json()).toEqual({ user: { id: 7 } });
      // A parent app that mounts the Covara app gets the resources too, security headers included.
      const parent = new Hono().route("/v1", build());
      const mounted = await parent.request("/v1/api/people");
      expect(mounted.status).toBe(200);
      expect(mounted.headers.get("x-content-type-options")).toBe("nosniff");
      expect(mounted.headers.get("x-frame-options")).toBe("DENY");
    });

    it("answers /healthz and /readyz with the health shape, and HEAD with no body", async () => {
      const app = build();
      for (const path of ["/healthz", "/readyz"]) {
        const res = await app.request(path);
        expect(res.status).toBe(200);
        const body = await res.json();
        expect(body.status).toBe("healthy");
        expect(Number.isNaN(Date.parse(body.timestamp))).toBe(false);
        expect(typeof body.uptime).toBe("number");
        const head = await app.request(path, { method: "HEAD" });
        expect(head.status).toBe(200);
        expect(await head.text()).toBe("");
      }
    });

    it("answers /readyz 503 while shutting down, /healthz unaffected", async () => {
      const app = build();
      app.serverState.shuttingDown = true;
      const res = await app.request("/readyz");
      expect(res.status).toBe(503);
      expect((await res.json()).checks).toEqual([{ name: "readiness", healthy: false, message: "Server is shutting down" }]);
      expect((await app.request("/healthz")).status).toBe(200);
    });

    it("sets the default security headers on every response, errors included, without CSP or HSTS on http", async () => {
      const app = build();
      for (const [path, status] of [["/api/people", 200], ["/nope", 404], ["/api/people/999", 404], ["/healthz", 200]] as const) {
        const res = await app.request(path);
        expect(res.status).toBe(status);
        for (const [name, value] of Object.entries(DEFAULT_HEADERS)) expect(res.headers.get(name)).toBe(value);
        expect(res.headers.has("content-security-policy")).toBe(false);
        expect(res.headers.has("strict-transport-security")).toBe(false);
      }
      const https = await app.request("https://example.com/healthz");
      expect(https.headers.get("strict-transport-security")).toBe("max-age=15552000; includeSubDomains");
    });

    it("keeps a header a route set itself, and honours options", async () => {
      const app = build({ securityHeaders: { frameOptions: "SAMEORIGIN", contentSecurityPolicy: "default-src 'self'" } });
      app.get("/framed", (c) => c.text("ok", 200, { "X-Frame-Options": "ALLOW-FROM https://a.example" }));
      // Response.redirect() has immutable headers: they are added to a copy.
      app.get("/away", () => Response.redirect("https://example.com/", 302));
      expect((await app.request("/framed")).headers.get("x-frame-options")).toBe("ALLOW-FROM https://a.example");
      const res = await app.request("/healthz");
      expect(res.headers.get("x-frame-options")).toBe("SAMEORIGIN");
      expect(res.headers.get("content-security-policy")).toBe("default-src 'self'");
      const away = await app.request("/away");
      expect(away.status).toBe(302);
      expect(away.headers.get("location")).toBe("https://example.com/");
      expect(away.headers.get("x-content-type-options")).toBe("nosniff");
      const off = build({ securityHeaders: false });
      expect((await off.request("/healthz")).headers.has("x-frame-options")).toBe(false);
    });

    it("answers a CORS preflight for PATCH with If-Match when cors is on", async () => {
      const app = build({ cors: true });
      const res = await app.request("/api/people/1", {
        method: "OPTIONS",
        headers: { origin: "https://app.example", "access-control-request-method": "PATCH", "access-control-request-headers": "if-match" },
      });
      expect(res.status).toBe(204);
      expect(res.headers.get("access-control-allow-origin")).toBe("*");
      expect(res.headers.get("access-control-allow-methods")).toContain("PATCH");
      expect(res.headers.get("access-control-allow-headers")?.toLowerCase()).toContain("if-match");
      const exposed = build({ cors: { origin: "*", exposeHeaders: ["ETag"] } });
      const get = await exposed.request("/api/people", { headers: { origin: "https://app.example" } });
      expect(get.headers.get("access-control-expose-headers")).toBe("ETag");
      expect((await build().request("/api/people", { headers: { origin: "https://x" } })).headers.has("access-control-allow-origin")).toBe(false);
    });

    it("mounts at the table name without a path, and honours basePath", async () => {
      const h = getHarness();
      const app = createCovara({ basePath: "/v2/" }).resource(h.table, { id: h.table.id, db: h.db });
      expect((await app.request("/v2/people")).status).toBe(200);
      const root = createCovara({ basePath: "" }).resource("/p", h.table, { id: h.table.id, db: h.db });
      expect((await root.request("/p/count")).status).toBe(200);
    });

    it("useResource serves a plain Hono app, whose errors render as problems even without handlers", async () => {
      const h = getHarness();
      const bare = new Hono();
      bare.route("/api/people", useResource(h.table, { id: h.table.id, db: h.db }));
      const missing = await bare.request("/api/people/987654");
      expect(missing.status).toBe(404);
      expect(missing.headers.get("content-type")).toBe("application/problem+json");
      const bad = await bare.request("/api/people?filter=%28%28");
      expect(bad.status).toBe(400);
      expect((await bad.json()).code).toBe("FILTER_PARSE_ERROR");

      const app = new Hono();
      app.onError(errorHandler);
      app.notFound(notFoundHandler);
      app.route("/api/people", useResource(h.table, { id: h.table.id, db: h.db }));
      app.get("/boom", () => {
        throw new Error("kaput");
      });
      app.get("/conflict", () => {
        throw new ConflictError("Slug taken", { field: "slug" });
      });
      expect(await (await app.request("/unknown")).json()).toMatchObject({ status: 404, code: "NOT_FOUND" });
      const boom = await app.request("/boom", { headers: { "x-request-id": "req-1" } });
      expect(boom.status).toBe(500);
      expect(await boom.json()).toMatchObject({ type: "/__covara/problems/internal-error", code: "INTERNAL_ERROR", requestId: "req-1", instance: "/requests/req-1" });
      const conflict = await (await app.request("/conflict", { headers: { "x-request-id": "<script>" } })).json();
      expect(conflict).toMatchObject({ type: "/__covara/problems/conflict", title: "Conflict", status: 409, detail: "Slug taken", code: "CONFLICT", field: "slug" });
      // A request id that is not a plain token is replaced, never echoed.
      expect(conflict.requestId).toMatch(/^[0-9a-f-]{36}$/);
      expect(conflict.instance).toBe(`/requests/${conflict.requestId}`);
    });

    it("NotFoundError renders the README's problem body", async () => {
      const res = new NotFoundError("users", "123").getResponse();
      expect(res.status).toBe(404);
      expect(await res.json()).toEqual({
        type: "/__covara/problems/not-found",
        title: "Not found",
        status: 404,
        detail: "users with id '123' not found",
        code: "NOT_FOUND",
        resource: "users",
        id: "123",
      });
    });
  });
}
