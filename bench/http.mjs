#!/usr/bin/env node
// Covara vs the hand-written Hono + Drizzle baseline (../shared/bench), side by side in one run,
// over loopback with the shared load script. Both servers resolve the same hono, drizzle-orm and
// SQLite driver builds from this project's node_modules, so only the framework differs.
// Needs ../shared/bench (the yardstick beside the checkout) for the load script and the baseline.
// Usage: node bench/http.mjs [--reps 3] [--duration 10] [--warmup 2] [--drivers better-sqlite3,libsql]
//                           [--scenarios list,filter,get,count,create] [--connections 50] [--no-pin]
import { spawn, execFileSync } from "node:child_process";
import { copyFileSync, cpSync, mkdirSync, rmSync, writeFileSync, readFileSync, existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { availableParallelism } from "node:os";
import { cpuMs, freePort, waitFor } from "./lib/processes.mjs";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const shared = resolve(root, "../shared/bench");
const { values: opt } = parseArgs({
  options: {
    // Even, so each server goes first equally often: on this shared host, whichever process
    // runs first after a pause measurably gets more CPU.
    reps: { type: "string", default: "4" },
    duration: { type: "string", default: "10" },
    warmup: { type: "string", default: "2" },
    connections: { type: "string", default: "50" },
    drivers: { type: "string", default: "better-sqlite3,libsql" },
    scenarios: { type: "string", default: "list,filter,get,count,create" },
    // Server on the last CPU, load generator on the first (taskset, Linux): the two stop
    // trading places between cores, which halves the spread between runs here.
    pin: { type: "boolean", default: true },
  },
});
const cpus = availableParallelism();
const pinned = opt.pin && cpus >= 2 && existsSync("/usr/bin/taskset");
/** `[command, args]` running `args` under node, pinned to `cpu` when pinning is on. */
const onCpu = (cpu, args) => (pinned ? ["/usr/bin/taskset", ["-c", String(cpu), node, ...args]] : [node, args]);

// Inside the project so `import "hono"` etc. resolve to our node_modules.
const work = join(root, ".tmp/bench");
rmSync(work, { recursive: true, force: true });
mkdirSync(join(work, "results"), { recursive: true });
cpSync(shared, join(work, "shared"), { recursive: true, filter: (p) => !p.includes("node_modules") });
if (!existsSync(join(root, "dist/src/index.js"))) execFileSync("npm", ["run", "build"], { cwd: root, stdio: "inherit" });
const node = process.execPath;
execFileSync(node, [join(work, "shared/baseline/seed.mjs"), join(work, "seed.db"), "10000"], { stdio: "inherit" });

const servers = {
  baseline: join(work, "shared/baseline/server.mjs"),
  covara: join(root, "bench/covara-server.mjs"),
};

async function runOne(name, driver, rep, port) {
  const db = join(work, `${name}-${driver}-${rep}.db`);
  copyFileSync(join(work, "seed.db"), db);
  const child = spawn(...onCpu(cpus - 1, [servers[name]]), { env: { ...process.env, DB_FILE: db, DRIVER: driver, PORT: String(port), HOST: "127.0.0.1" }, stdio: ["ignore", "ignore", "inherit"] });
  try {
    await waitFor(`http://127.0.0.1:${port}/api/users/count`);
    const rows = [];
    // One scenario at a time, so the server's CPU time can be charged to it.
    for (const scenario of opt.scenarios.split(",")) {
      const out = join(work, `results/${name}-${driver}-${rep}-${scenario}.json`);
      const before = cpuMs(child.pid);
      execFileSync(...onCpu(0, [join(work, "shared/load.mjs"), "--base", `http://127.0.0.1:${port}`, "--scenarios", scenario, "--connections", opt.connections, "--duration", opt.duration, "--warmup", opt.warmup, "--label", `${name}/${driver}`, "--json", out]), { stdio: ["ignore", "ignore", "inherit"] });
      const spent = cpuMs(child.pid) - before;
      for (const row of rowsOf(JSON.parse(readFileSync(out, "utf8")))) {
        // The warm-up requests are not in `total`; scale by the measured share of the run.
        const share = Number(opt.duration) / (Number(opt.duration) + Number(opt.warmup));
        rows.push({ ...row, cpuUsPerRequest: (spent * share * 1000) / row.total });
      }
    }
    return rows;
  } finally {
    child.kill("SIGTERM");
    await new Promise((r) => child.once("exit", r));
  }
}

const rowsOf = (result) => (Array.isArray(result) ? result : result.rows ?? result.results ?? []);
const median = (xs) => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const summary = {};
for (const driver of opt.drivers.split(",")) {
  for (let rep = 0; rep < Number(opt.reps); rep++) {
    const order = rep % 2 === 0 ? ["baseline", "covara"] : ["covara", "baseline"];
    for (const name of order) {
      const result = await runOne(name, driver, rep, await freePort());
      for (const row of result) {
        const key = `${driver}|${row.scenario}|${name}`;
        (summary[key] ??= []).push(row.reqPerSec);
        (summary[`${key}|cpu`] ??= []).push(row.cpuUsPerRequest);
      }
    }
  }
}

console.log(`\nmedian req/s over ${opt.reps} runs (${opt.connections} connections, ${opt.duration}s each)`);
console.log("driver          scenario  baseline   covara    ratio  paired  (min-max covara)         server CPU µs/request: baseline covara ratio");
const table = [];
for (const driver of opt.drivers.split(",")) {
  for (const scenario of opt.scenarios.split(",")) {
    const b = summary[`${driver}|${scenario}|baseline`] ?? [];
    const c = summary[`${driver}|${scenario}|covara`] ?? [];
    if (!b.length || !c.length) continue;
    const ratio = median(c) / median(b);
    // Each rep runs the two servers back to back, so a pair shares the machine's state of the
    // moment (disk latency swings create by ±40% here); the median of the pairs' ratios is the
    // steadier figure when the machine drifts during a run.
    const paired = median(c.map((value, i) => value / b[i]));
    const cpuB = median(summary[`${driver}|${scenario}|baseline|cpu`]);
    const cpuC = median(summary[`${driver}|${scenario}|covara|cpu`]);
    table.push({ driver, scenario, baseline: median(b), covara: median(c), ratio, pairedRatio: paired, covaraMin: Math.min(...c), covaraMax: Math.max(...c), cpuUsPerRequest: { baseline: cpuB, covara: cpuC } });
    console.log(
      `${driver.padEnd(15)} ${scenario.padEnd(9)} ${median(b).toFixed(0).padStart(8)} ${median(c).toFixed(0).padStart(8)} ${ratio.toFixed(2).padStart(8)} ${paired.toFixed(2).padStart(7)}  (${Math.min(...c).toFixed(0)}-${Math.max(...c).toFixed(0)})`.padEnd(80) +
        `${cpuB.toFixed(0).padStart(8)} ${cpuC.toFixed(0).padStart(6)} ${(cpuB / cpuC).toFixed(2).padStart(6)}`,
    );
  }
}
writeFileSync(join(work, "results/summary.json"), JSON.stringify(table, null, 2));
