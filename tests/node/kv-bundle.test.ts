/**
 * Entry-point hygiene of the KV: a Workers bundle (esbuild, as wrangler bundles) of a Worker that
 * uses `covara/kv` (memory, Durable Object) and `covara/cloudflare` contains neither ioredis nor
 * a Node built-in, while `createKV({ type: "redis" })` still loads Redis on demand in Node.
 */
import { build } from "esbuild";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../..", import.meta.url));

const worker = `
import { createKV, createMemoryKV } from "./node-shim/kv.js";
import { createDurableObjectKV } from "./durable-objects/index.js";
export { CovaraKVDurableObject } from "./durable-objects/index.js";
export default {
  async fetch(request, env) {
    const kv = env.COVARA_KV ? createDurableObjectKV(env.COVARA_KV) : await createKV({ type: "memory" });
    const local = createMemoryKV();
    return new Response(String((await kv.increment("n")) + (await local.increment("n"))));
  },
};
`;

describe("KV entry points", () => {
  it("bundle for Workers without ioredis or Node built-ins", async () => {
    const result = await build({
      stdin: { contents: worker, resolveDir: root, loader: "ts", sourcefile: "worker.ts" },
      bundle: true,
      format: "esm",
      platform: "neutral",
      conditions: ["workerd", "worker", "browser"],
      mainFields: ["module", "main"],
      write: false,
      metafile: true,
      logLevel: "silent",
    });
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.some((file) => file.includes("node-shim/kv.ts"))).toBe(true);
    expect(inputs.some((file) => file.includes("durable-objects/kv-store.ts"))).toBe(true);
    expect(inputs.filter((file) => /ioredis|node-shim\/redis/.test(file))).toEqual([]);
    const imports = Object.values(result.metafile.inputs).flatMap((input) => input.imports.map((i) => i.path));
    expect(imports.filter((path) => path.startsWith("node:") || path === "ioredis")).toEqual([]);
    const code = result.outputFiles[0]!.text;
    expect(code).not.toMatch(/ioredis/);
    expect(code).toMatch(/KvStoreObject = class/);
    // The Redis module stays a run-time import that only Node ever follows.
    expect(code).toMatch(/await import\(\s*(\/\*.*?\*\/\s*)?redisModule\s*\)/);
  });
});
