#!/usr/bin/env node
// SSE fan-out (issue #5, performance): N subscribers of the users resource over loopback, then
// sequential POSTs, timed until the last subscriber has each event, with the shared yardstick
// (../shared/bench/sse-fanout.mjs, copied like bench/http.mjs does). Every configuration gets a
// fresh server process (bench/covara-server.mjs on dist/) and a fresh copy of the 10,000-row seed.
// Then the in-process check that subscribers with one predicate share its evaluation.
// Usage: node bench/sse-fanout.mjs [--hubs memory,redis (and/or bare: the transport floor)] [--ns 100,1000] [--events 50] [--reps 2]
//          [--driver better-sqlite3] [--shared-subscribers 1000] [--no-in-process]
//          [--server-args="--cpu-prof --cpu-prof-dir=.tmp/prof"] [--shared ../shared/bench]
import { spawn, execFileSync } from "node:child_process";
import { copyFileSync, cpSync, mkdirSync, rmSync, writeFileSync, readFileSync, existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { cpuMs, freePort, waitFor } from "./lib/processes.mjs";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const { values: opt } = parseArgs({
  options: {
    hubs: { type: "string", default: "memory,redis" },
    ns: { type: "string", default: "100,1000" },
    events: { type: "string", default: "50" },
    // At least two: the machine is shared and noisy, single runs say little.
    reps: { type: "string", default: "2" },
    driver: { type: "string", default: "better-sqlite3" },
    "shared-subscribers": { type: "string", default: "1000" },
    "no-in-process": { type: "boolean", default: false },
    "server-args": { type: "string", default: "" },
    shared: { type: "string" },
  },
});

/** The yardstick folder: --shared, else ../shared/bench beside this checkout or beside the main one (from a git worktree). */
function sharedBench() {
  if (opt.shared) return resolve(opt.shared);
  const beside = resolve(root, "../shared/bench");
  if (existsSync(beside)) return beside;
  try {
    const common = execFileSync("git", ["rev-parse", "--path-format=absolute", "--git-common-dir"], { cwd: root, encoding: "utf8" }).trim();
    const main = resolve(dirname(common), "../shared/bench");
    if (existsSync(main)) return main;
  } catch {}
  throw new Error("the shared yardstick was not found: pass --shared <path to shared/bench>");
}
const shared = sharedBench();
const redisUrl = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
// One prefix per run, so runs never see each other's changelogs and cleanup is exact.
const redisPrefix = `covara-bench-sse-${Date.now().toString(36)}-${process.pid}`;

// Inside the project so the copied scripts resolve undici etc. from our node_modules.
const work = join(root, ".tmp/bench-sse");
rmSync(work, { recursive: true, force: true });
mkdirSync(join(work, "results"), { recursive: true });
cpSync(shared, join(work, "shared"), { recursive: true, filter: (p) => !p.includes("node_modules") });
if (!existsSync(join(root, "dist/src/index.js"))) execFileSync("npm", ["run", "build"], { cwd: root, stdio: "inherit" });
const node = process.execPath;
execFileSync(node, [join(work, "shared/baseline/seed.mjs"), join(work, "seed.db"), "10000"], { stdio: "inherit" });

/** Runs the yardstick; the server's CPU time is read when it reports all subscribers connected. */
function runYardstick(args, serverPid) {
  return new Promise((resolve, reject) => {
    const start = cpuMs(serverPid);
    let connected;
    const client = spawn(node, args, { stdio: ["ignore", "pipe", "inherit"] });
    client.stdout.setEncoding("utf8");
    client.stdout.on("data", (text) => {
      process.stdout.write(text);
      // Printed after the settle time, right before the first POST.
      if (connected === undefined && / connected \d+ subscribers/.test(text)) connected = cpuMs(serverPid);
    });
    client.once("error", reject);
    client.once("exit", (code) => {
      if (code !== 0) return reject(new Error(`sse-fanout.mjs exited with ${code}`));
      resolve({ connectCpuMs: connected - start, eventsCpuMs: cpuMs(serverPid) - connected });
    });
  });
}

/** One configuration in a fresh server process; returns the yardstick's summary. */
async function runOne(hub, n, rep) {
  const label = `${hub}-n${n}-r${rep}`;
  const db = join(work, `${label}.db`);
  copyFileSync(join(work, "seed.db"), db);
  const port = await freePort();
  const serverArgs = opt["server-args"].split(" ").filter(Boolean);
  const env = { ...process.env, DB_FILE: db, DRIVER: opt.driver, PORT: String(port), HOST: "127.0.0.1", HUB: hub, REDIS_URL: redisUrl, REDIS_PREFIX: redisPrefix };
  // `bare`: the transport floor (bench/sse-bare-server.mjs) measured under the same conditions.
  const server = hub === "bare" ? "bench/sse-bare-server.mjs" : "bench/covara-server.mjs";
  const child = spawn(node, [...serverArgs, join(root, server)], { env, stdio: ["ignore", "ignore", "inherit"] });
  const exited = new Promise((r) => child.once("exit", r));
  try {
    await waitFor(`http://127.0.0.1:${port}/api/users/count`);
    const out = join(work, `results/${label}.json`);
    const args = [join(work, "shared/sse-fanout.mjs"), "--base", `http://127.0.0.1:${port}`, "--path", "/api/users", "--n", String(n), "--events", opt.events, "--pid", String(child.pid), "--label", label, "--json", out];
    const cpu = await runYardstick(args, child.pid);
    return { ...JSON.parse(readFileSync(out, "utf8")).summary, serverCpu: cpu };
  } finally {
    child.kill("SIGTERM");
    await exited;
  }
}

/** Deletes every key this run created (SCAN, not KEYS: the Redis may be shared). */
async function cleanRedis() {
  const { Redis } = await import("ioredis");
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    let cursor = "0";
    let deleted = 0;
    do {
      const [next, keys] = await redis.scan(cursor, "MATCH", `${redisPrefix}:*`, "COUNT", 500);
      cursor = next;
      if (keys.length > 0) deleted += await redis.del(...keys);
    } while (cursor !== "0");
    console.log(`redis: deleted ${deleted} keys under ${redisPrefix}:`);
  } finally {
    redis.disconnect();
  }
}

const hubs = opt.hubs.split(",").filter(Boolean);
const ns = opt.ns.split(",").filter(Boolean).map(Number);
const rows = [];
try {
  for (let rep = 1; rep <= Number(opt.reps); rep++) {
    // Alternate the hub order: on this shared host the first run after a pause gets more CPU.
    const order = rep % 2 === 1 ? hubs : [...hubs].reverse();
    for (const hub of order) for (const n of ns) rows.push({ hub, n, rep, summary: await runOne(hub, n, rep) });
  }
} finally {
  if (hubs.includes("redis")) await cleanRedis().catch((error) => console.error(`redis cleanup failed: ${error.message}`));
}

const fmt = (v, digits = 1) => (v === null || v === undefined || Number.isNaN(v) ? "-" : Number(v).toFixed(digits));
console.log(`\nSSE fan-out over loopback (${opt.driver}, 10,000 rows, ${opt.events} sequential POSTs; latency = POST sent -> last subscriber has the event)`);
console.log("hub     N     run  connect-all ms  p50 ms  p99 ms  lost  dropped  RSS idle MB  RSS connected MB  KB/idle subscriber  server CPU ms: connect, per event");
rows.sort((a, b) => a.hub.localeCompare(b.hub) || a.n - b.n || a.rep - b.rep);
for (const { hub, n, rep, summary: s } of rows) {
  const rss = s.serverRssKb;
  const perSub = rss.idle && rss.connected ? (rss.connected - rss.idle) / n : NaN;
  console.log(
    `${hub.padEnd(7)} ${String(n).padStart(5)} ${String(rep).padStart(4)} ${fmt(s.connectMs, 0).padStart(15)} ${fmt(s.lastSubscriberFromSendMs.p50).padStart(7)} ${fmt(s.lastSubscriberFromSendMs.p99).padStart(7)} ` +
      `${String(s.lostDeliveries).padStart(5)} ${String(s.streamsEnded + s.streamErrors).padStart(8)} ${fmt(rss.idle / 1024).padStart(12)} ${fmt(rss.connected / 1024).padStart(17)} ${fmt(perSub).padStart(19)}` +
      `  ${fmt(s.serverCpu.connectCpuMs, 0).padStart(14)} ${fmt(s.serverCpu.eventsCpuMs / s.events).padStart(10)}`,
  );
}
writeFileSync(join(work, "results/summary.json"), JSON.stringify(rows, null, 2));

if (!opt["no-in-process"]) {
  const dbFile = join(work, "shared-predicates.db");
  copyFileSync(join(work, "seed.db"), dbFile);
  const { measurePredicateSharing } = await import("./sse-shared-predicates.mjs");
  const shared = await measurePredicateSharing({ dbFile, subscribers: Number(opt["shared-subscribers"]) });
  writeFileSync(join(work, "results/shared-predicates.json"), JSON.stringify(shared, null, 2));
}
process.exit(0);
