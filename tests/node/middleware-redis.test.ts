/**
 * Rate limits shared across processes: two Node processes, each its own app on one Redis, count
 * together — exactly `maxRequests` pass in total, fixed and sliding window. Runs when REDIS_URL is
 * set (CI sets it); every key of the run lives under a unique prefix and is deleted afterwards.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createRedisKV } from "../../node-shim/redis/kv-store.js";

const url = process.env.REDIS_URL;
const root = resolve(import.meta.dirname, "../..");
const prefix = `covara-test:mw:${randomBytes(6).toString("hex")}`;

// Each child builds an app on Redis, waits for "go" on stdin (so both fire together), sends
// `requests` concurrent requests to each limited route and prints how many got 200.
const child = `
  import { createCovara, rateLimit, createSlidingWindowRateLimiter } from "./src/index.ts";
  import { createRedisKV } from "./node-shim/redis/kv-store.ts";
  const kv = await createRedisKV({ url: process.env.REDIS_URL, prefix: process.env.PREFIX });
  const app = createCovara({ kv, health: false });
  app.get("/fixed", rateLimit({ windowMs: 60000, maxRequests: 25 }), (c) => c.text("ok"));
  app.get("/sliding", createSlidingWindowRateLimiter({ windowMs: 60000, maxRequests: 25 }), (c) => c.text("ok"));
  await kv.get("warm-up");
  console.log("READY");
  process.stdin.once("data", async () => {
    const fire = (path) => Promise.all(Array.from({ length: 40 }, () => app.request(path))).then((rs) => rs.filter((r) => r.status === 200).length);
    const [fixed, sliding] = await Promise.all([fire("/fixed"), fire("/sliding")]);
    console.log("RESULT " + JSON.stringify({ fixed, sliding }));
    await kv.close();
    process.exit(0);
  });`;

function start() {
  const proc = spawn(resolve(root, "node_modules/.bin/tsx"), ["--input-type=module", "-e", child], {
    cwd: root,
    env: { ...process.env, PREFIX: prefix },
  });
  let out = "";
  let err = "";
  proc.stderr.on("data", (d) => (err += String(d)));
  const ready = new Promise<void>((ok) => proc.stdout.on("data", (d) => { out += String(d); if (out.includes("READY")) ok(); }));
  const result = new Promise<{ fixed: number; sliding: number }>((ok, fail) =>
    proc.on("exit", (code) => {
      const m = /RESULT (.+)/.exec(out);
      if (code === 0 && m) ok(JSON.parse(m[1]!));
      else fail(new Error(`child exited ${code}: ${err}`));
    }),
  );
  return { proc, ready, result };
}

describe.skipIf(!url)("rate limits across two processes on Redis", () => {
  afterAll(async () => {
    const kv = await createRedisKV({ url, prefix });
    for (let page = await kv.list(""); page.keys.length > 0; page = await kv.list("")) await Promise.all(page.keys.map((k) => kv.delete(k)));
    await kv.close();
  });

  it("admits exactly maxRequests in total (fixed and sliding window)", async () => {
    const a = start();
    const b = start();
    await Promise.all([a.ready, b.ready]);
    a.proc.stdin.write("go\n");
    b.proc.stdin.write("go\n");
    const [ra, rb] = await Promise.all([a.result, b.result]);
    expect(ra.fixed + rb.fixed).toBe(25);
    expect(ra.sliding + rb.sliding).toBe(25);
  }, 60_000);
});
