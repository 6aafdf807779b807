/**
 * Password hashing cost: `hashPassword` and `verifyPassword` per call at the default parameters
 * (N=16384, r=8, p=1), on Node and inside workerd, plus a backup-code hash (N=4096).
 *
 *   npm run bench:password [-- --iterations 10]
 *
 * Workers: src/auth/password.ts is bundled with esbuild into a tiny Worker that Miniflare runs
 * (no nodejs_compat). workerd freezes its clocks while code runs (Spectre mitigation), so the
 * Worker cannot time itself: each measurement is a request doing `iterations` calls, timed from
 * Node, minus the round trip of a request doing none.
 */
import { build } from "esbuild";
import { convertV4MiniflareOptions, Miniflare } from "miniflare";
import { fileURLToPath } from "node:url";
import { hashPassword, verifyPassword } from "../src/auth/password.js";
import { BACKUP_CODE_SCRYPT } from "../src/auth/totp.js";

const args = process.argv.slice(2);
const arg = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const iterations = Number(arg("--iterations") ?? 10);
const PASSWORD = "correct horse battery staple";

type Op = "hash" | "verify" | "backup" | "none";

/** Runs `op` n times; the shared workload of both runtimes. */
async function run(op: Op, n: number, stored: string): Promise<void> {
  for (let i = 0; i < n; i++) {
    if (op === "hash") await hashPassword(PASSWORD);
    else if (op === "verify") await verifyPassword(PASSWORD, stored);
    else if (op === "backup") await hashPassword("0a1b2-c3d4e", BACKUP_CODE_SCRYPT);
  }
}

const ms = (n: number) => `${n.toFixed(1).padStart(8)} ms`;

async function node(): Promise<Record<string, number>> {
  const stored = await hashPassword(PASSWORD);
  await run("hash", 2, stored); // warm-up (JIT)
  const out: Record<string, number> = {};
  for (const op of ["hash", "verify", "backup"] as const) {
    const started = performance.now();
    await run(op, iterations, stored);
    out[op] = (performance.now() - started) / iterations;
  }
  return out;
}

const WORKER_ENTRY = `
import { hashPassword, verifyPassword } from "./src/auth/password.ts";
import { BACKUP_CODE_SCRYPT } from "./src/auth/totp.ts";
const PASSWORD = ${JSON.stringify(PASSWORD)};
let stored;
export default {
  async fetch(request) {
    const url = new URL(request.url);
    const op = url.searchParams.get("op");
    const n = Number(url.searchParams.get("n"));
    stored ??= await hashPassword(PASSWORD);
    for (let i = 0; i < n; i++) {
      if (op === "hash") await hashPassword(PASSWORD);
      else if (op === "verify") await verifyPassword(PASSWORD, stored);
      else if (op === "backup") await hashPassword("0a1b2-c3d4e", BACKUP_CODE_SCRYPT);
    }
    return new Response("ok");
  },
};`;

async function workers(): Promise<Record<string, number>> {
  const root = fileURLToPath(new URL("..", import.meta.url));
  const bundle = await build({
    stdin: { contents: WORKER_ENTRY, resolveDir: root, loader: "js" },
    bundle: true,
    format: "esm",
    platform: "browser",
    conditions: ["workerd", "worker", "browser"],
    write: false,
    minify: true,
  });
  // Miniflare 5 takes v4-shaped options through its converter.
  const worker = { name: "password-bench", compatibilityDate: "2026-07-01", modules: [{ type: "ESModule" as const, path: "worker.mjs", contents: bundle.outputFiles[0]!.text }] };
  const mf = new Miniflare(convertV4MiniflareOptions({ workers: [worker] }));
  try {
    const call = async (op: Op, n: number) => {
      const started = performance.now();
      const response = await mf.dispatchFetch(`http://bench/?op=${op}&n=${n}`);
      await response.text();
      if (!response.ok) throw new Error(`worker answered ${response.status}`);
      return performance.now() - started;
    };
    await call("hash", 2); // warm-up
    let overhead = Infinity;
    for (let i = 0; i < 5; i++) overhead = Math.min(overhead, await call("none", 0));
    const out: Record<string, number> = {};
    for (const op of ["hash", "verify", "backup"] as const) out[op] = ((await call(op, iterations)) - overhead) / iterations;
    return out;
  } finally {
    await mf.dispose();
  }
}

const [onNode, onWorkers] = [await node(), await workers()];
console.log(`\nscrypt per call, ${iterations} iterations each (N=16384, r=8, p=1, 64-byte key; backup codes N=4096)\n`);
console.log(`${"".padEnd(30)}${"Node".padStart(11)}${"workerd".padStart(11)}`);
const rows: [string, string][] = [["hashPassword", "hash"], ["verifyPassword", "verify"], ["hashPassword (backup code)", "backup"]];
for (const [label, key] of rows) console.log(`${label.padEnd(30)}${ms(onNode[key]!)}${ms(onWorkers[key]!)}`);
console.log(`\nNode ${process.version}; workerd via miniflare (local, no nodejs_compat).`);
