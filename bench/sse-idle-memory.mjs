#!/usr/bin/env node
// Memory per idle SSE subscriber (issue #5): N subscribers of the users resource over loopback,
// then the server's heap (after two full GCs) and RSS, against the same figures before they
// connected. Runs Covara (memory hub, bench/covara-server.mjs on dist/) and the bare Hono floor
// (bench/sse-bare-server.mjs) side by side, each in a fresh process started with --expose-gc.
// Usage: node bench/sse-idle-memory.mjs [--n 1000] [--servers memory,bare] [--reps 2]
import { spawn, execFileSync } from "node:child_process";
import { copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { Agent, request } from "undici";
import { freePort, waitFor } from "./lib/processes.mjs";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const { values: opt } = parseArgs({
  options: {
    n: { type: "string", default: "1000" },
    servers: { type: "string", default: "memory,bare" },
    reps: { type: "string", default: "2" },
  },
});
const N = Number(opt.n);
const work = join(root, ".tmp/bench-sse-memory");
rmSync(work, { recursive: true, force: true });
mkdirSync(work, { recursive: true });
if (!existsSync(join(root, "dist/src/index.js"))) execFileSync("npm", ["run", "build"], { cwd: root, stdio: "inherit" });
// The yardstick's seed script, copied inside the project so it resolves our node_modules.
cpSync(resolve(root, "../shared/bench/baseline"), join(work, "baseline"), { recursive: true, filter: (p) => !p.includes("node_modules") });
execFileSync(process.execPath, [join(work, "baseline/seed.mjs"), join(work, "seed.db"), "1000"], { stdio: "inherit" });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Signals the server and reads the figures it writes after collecting garbage. */
async function report(server, file) {
  rmSync(file, { force: true });
  server.kill("SIGUSR2");
  for (let i = 0; i < 100 && !existsSync(file); i++) await sleep(50);
  await sleep(50);
  return JSON.parse(readFileSync(file, "utf8"));
}

async function measure(kind, rep) {
  const port = await freePort();
  const db = join(work, `${kind}-${rep}.db`);
  copyFileSync(join(work, "seed.db"), db);
  const file = join(work, `${kind}-${rep}.json`);
  const script = kind === "bare" ? "bench/sse-bare-server.mjs" : "bench/covara-server.mjs";
  const env = { ...process.env, PORT: String(port), DB_FILE: db, MEMORY_REPORT: file, HUB: kind === "bare" ? "" : kind, COVARA_LOG_LEVEL: "error" };
  const server = spawn(process.execPath, ["--expose-gc", join(root, script)], { env, stdio: ["ignore", "ignore", "inherit"] });
  try {
    await waitFor(`http://127.0.0.1:${port}/api/users/count`);
    await sleep(300);
    const idle = await report(server, file);
    const agent = new Agent({ connections: null, bodyTimeout: 0, headersTimeout: 60_000 });
    const bodies = [];
    for (let i = 0; i < N; i += 50) {
      await Promise.all(
        Array.from({ length: Math.min(50, N - i) }, async () => {
          const { statusCode, body } = await request(`http://127.0.0.1:${port}/api/users/subscribe?skipExisting=true`, { dispatcher: agent });
          if (statusCode !== 200) throw new Error(`subscribe: HTTP ${statusCode}`);
          body.on("data", () => {});
          bodies.push(body);
        }),
      );
    }
    await sleep(1000);
    const connected = await report(server, file);
    for (const body of bodies) body.destroy();
    await agent.close();
    const kb = (a, b) => ((b - a) / N / 1024).toFixed(1);
    return {
      kind,
      rep,
      heapKb: kb(idle.heapUsed, connected.heapUsed),
      externalKb: kb(idle.external, connected.external),
      rssKb: kb(idle.rss, connected.rss),
      idleMb: (idle.rss / 1048576).toFixed(1),
      connectedMb: (connected.rss / 1048576).toFixed(1),
    };
  } finally {
    server.kill("SIGKILL");
  }
}

const rows = [];
for (let rep = 1; rep <= Number(opt.reps); rep++) for (const kind of opt.servers.split(",")) rows.push(await measure(kind, rep));
console.log(`\nMemory per idle SSE subscriber, N=${N} (heap after two full GCs; RSS as the kernel reports it)`);
console.log("server  run  heap KB/sub  external KB/sub  RSS KB/sub  RSS idle MB  RSS connected MB");
for (const r of rows) console.log(`${r.kind.padEnd(7)} ${String(r.rep).padStart(4)} ${r.heapKb.padStart(12)} ${r.externalKb.padStart(16)} ${r.rssKb.padStart(11)} ${r.idleMb.padStart(12)} ${r.connectedMb.padStart(17)}`);
