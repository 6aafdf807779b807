/** Versioning through HTTP: version header, apiVersion, deprecation headers, minimum version; helpers. */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { checkMinimumVersion, COVARA_VERSION, createCovara, versioningMiddleware, wrapWithVersion, type VersioningConfig } from "../../src/index.js";

function appWith(config: VersioningConfig = {}) {
  const app = createCovara({ health: false, middleware: [versioningMiddleware(config)] });
  app.get("/api/v", (c) => c.json({ apiVersion: c.get("apiVersion") }));
  app.get("/api/legacy/items", (c) => c.json([]));
  app.get("/api/boom", () => {
    throw new Error("boom");
  });
  return app;
}

describe("versioningMiddleware", () => {
  it("sets the version header on every response (errors too) and c.get('apiVersion')", async () => {
    const app = appWith({ currentVersion: "2.1.0" });
    const res = await app.request("/api/v");
    expect(res.headers.get("x-covara-version")).toBe("2.1.0");
    expect(await res.json()).toEqual({ apiVersion: "2.1.0" });
    expect((await app.request("/api/nope")).headers.get("x-covara-version")).toBe("2.1.0");
    expect((await app.request("/api/boom")).headers.get("x-covara-version")).toBe("2.1.0");
    const declared = await app.request("/api/v", { headers: { "x-covara-version": "2.0.3" } });
    expect(await declared.json()).toEqual({ apiVersion: "2.0.3" });
    const junk = await app.request("/api/v", { headers: { "x-covara-version": "<script>" } });
    expect(await junk.json()).toEqual({ apiVersion: "2.1.0" });
  });

  it("defaults to COVARA_VERSION and a custom header name", async () => {
    const res = await appWith({ headerName: "API-Version" }).request("/api/v");
    expect(res.headers.get("api-version")).toBe(COVARA_VERSION);
  });

  it("announces the deprecations that apply to the path", async () => {
    const app = appWith({
      deprecations: [
        { message: "legacy items are going away", affectedPaths: ["/api/legacy"], sunsetDate: "2027-06-30" },
        { message: "use cursor pagination", affectedPaths: ["/api/legacy/items"], sunsetDate: "2027-03-01", replacement: "cursor" },
        { message: "not here", affectedPaths: ["/api/other"] },
      ],
    });
    const res = await app.request("/api/legacy/items");
    expect(res.headers.get("x-covara-warn")).toBe("legacy items are going away; use cursor pagination");
    expect(res.headers.get("deprecation")).toBe("2027-03-01");
    expect(res.headers.get("sunset")).toBe("Mon, 01 Mar 2027 00:00:00 GMT");
    const clean = await app.request("/api/v");
    expect(clean.headers.has("x-covara-warn")).toBe(false);
    expect(clean.headers.has("deprecation")).toBe(false);
    // Prefixes are segment-wise.
    expect((await app.request("/api/legacy-x")).headers.has("x-covara-warn")).toBe(false);
  });

  it("sends Deprecation: true without a sunset date, and accepts deprecationWarnings", async () => {
    const res = await appWith({ deprecationWarnings: [{ message: "everything is deprecated" }] }).request("/api/v");
    expect(res.headers.get("deprecation")).toBe("true");
    expect(res.headers.get("x-covara-warn")).toBe("everything is deprecated");
    expect(res.headers.has("sunset")).toBe(false);
  });

  it("refuses a declared version below minSupportedVersion with 400 unsupported-version", async () => {
    const app = appWith({ currentVersion: "3.0.0", minSupportedVersion: "2.0.0" });
    const old = await app.request("/api/v", { headers: { "x-covara-version": "1.9.9" } });
    expect(old.status).toBe(400);
    expect(old.headers.get("x-covara-version")).toBe("3.0.0");
    expect(await old.json()).toMatchObject({ code: "UNSUPPORTED_VERSION", type: "/__covara/problems/unsupported-version", clientVersion: "1.9.9", minSupportedVersion: "2.0.0" });
    const junk = await app.request("/api/v", { headers: { "x-covara-version": "<b>" } });
    expect(junk.status).toBe(400);
    expect(JSON.stringify(await junk.json())).not.toContain("<b>");
    expect((await app.request("/api/v", { headers: { "x-covara-version": "2.0.0" } })).status).toBe(200);
    expect((await app.request("/api/v")).status).toBe(200);
  });

  it("throws at creation for an invalid minSupportedVersion", () => {
    expect(() => versioningMiddleware({ minSupportedVersion: "two" })).toThrow(TypeError);
  });
});

describe("helpers", () => {
  it("checkMinimumVersion compares semantic versions", () => {
    const table: [string, string, boolean][] = [
      ["1.4.0", "1.2.0", true],
      ["1.2.0", "1.2.0", true],
      ["1.10.0", "1.9.9", true],
      ["1.2.0", "1.10.0", false],
      ["2.0.0", "10.0.0", false],
      ["v2.0.0", "2.0.0", true],
      ["2.0.0-beta.2", "2.0.0", false],
      ["2.0.0", "2.0.0-beta.2", true],
      ["2.0.0-beta.10", "2.0.0-beta.2", true],
      ["nope", "1.0.0", false],
      ["1.0.0", "nope", false],
    ];
    for (const [client, min, expected] of table) expect([client, min, checkMinimumVersion(client, min)]).toEqual([client, min, expected]);
  });

  it("wrapWithVersion wraps data with version and timestamp", () => {
    const wrapped = wrapWithVersion({ a: 1 });
    expect(wrapped.data).toEqual({ a: 1 });
    expect(wrapped.version).toBe(COVARA_VERSION);
    expect(Number.isNaN(Date.parse(wrapped.timestamp))).toBe(false);
    expect(wrapWithVersion([], "9.9.9").version).toBe("9.9.9");
  });

  it("COVARA_VERSION equals package.json's version", () => {
    const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8"));
    expect(COVARA_VERSION).toBe(pkg.version);
  });
});
