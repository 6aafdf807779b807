/**
 * Bundle budget of `covara/client` (issue 7): under 15 KB gzip, and an app that only creates a
 * client and uses a resource loads no auth or offline code up front; `covara/client/react` is
 * measured with React left out. Runs bench/client-size.mjs.
 */
import { execFileSync } from "node:child_process";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";

describe("client bundle size", () => {
  it("stays under budget and keeps auth out of what a plain app loads", () => {
    const root = resolve(import.meta.dirname, "../..");
    const result = JSON.parse(execFileSync(process.execPath, ["bench/client-size.mjs", "--json"], { cwd: root, encoding: "utf8" }));
    expect(result.client.gzip).toBeLessThan(15 * 1024);
    expect(result.app.leaks).toEqual([]);
    expect(result.app.initial.gzip).toBeLessThan(result.client.gzip);
    expect(result.app.lazyChunks.length).toBeGreaterThan(0);
  });

  it("measures covara/client/react without React itself", () => {
    const root = resolve(import.meta.dirname, "../..");
    const result = JSON.parse(execFileSync(process.execPath, ["bench/client-size.mjs", "--json"], { cwd: root, encoding: "utf8" }));
    expect(result.react.reactExcluded).toBe(true);
    expect(result.react.ownCode.gzip).toBeGreaterThan(0);
    expect(result.react.ownCode.gzip).toBeLessThan(result.react.gzip);
  });
});
