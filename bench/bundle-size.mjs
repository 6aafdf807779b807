#!/usr/bin/env node
/**
 * Bundle-size benchmark: builds a minimal Workers app with `wrangler deploy --dry-run --minify`
 * and prints the raw and gzip (level 9) size of the Worker bundle. Exits non-zero only when the
 * build fails. The fixture config sets no `nodejs_compat`; wrangler then only *warns* about a
 * Node built-in import (and leaves it external), so the script lists any it finds: with
 * `--fail-on-node-builtins` they fail the run (a portability check for src/).
 *
 *   node bench/bundle-size.mjs [--config <wrangler.toml>] [--json] [--fail-on-node-builtins]
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, extname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const root = fileURLToPath(new URL("..", import.meta.url));
const args = process.argv.slice(2);
const configArg = args.indexOf("--config");
const config = resolve(
  configArg >= 0 && args[configArg + 1] ? args[configArg + 1] : join(root, "bench/fixtures/wrangler.bundle.toml"),
);
const asJson = args.includes("--json");
const failOnNodeBuiltins = args.includes("--fail-on-node-builtins");

// wrangler needs Node 22+: prefer the `node@^22` binary from devDependencies when this script
// itself was started by an older system Node.
const localNode = join(root, "node_modules/.bin/node");
const node = existsSync(localNode) ? localNode : process.execPath;
const wrangler = join(root, "node_modules/wrangler/bin/wrangler.js");

const outdir = mkdtempSync(join(tmpdir(), "covara-bundle-"));
try {
  const build = spawnSync(
    node,
    [wrangler, "deploy", "--dry-run", "--minify", "--outdir", outdir, "--config", config],
    {
      cwd: root,
      encoding: "utf8",
      env: { ...process.env, WRANGLER_SEND_METRICS: "false", NO_COLOR: "1", FORCE_COLOR: "0", CI: "1" },
    },
  );
  if (build.status !== 0) {
    process.stderr.write(build.stdout ?? "");
    process.stderr.write(build.stderr ?? "");
    console.error(`bundle-size: wrangler build failed (exit ${build.status ?? build.signal})`);
    process.exit(1);
  }

  // The entry module is written as <entry basename>.js; other files (source maps, extra
  // modules) are ignored, but listed so a split bundle does not go unnoticed.
  const files = readdirSync(outdir).filter((f) => f.endsWith(".js") || f.endsWith(".mjs"));
  const main = readMainEntry(config);
  const bundleFile = files.find((f) => basename(f, extname(f)) === main) ?? files[0];
  if (!bundleFile) {
    console.error(`bundle-size: no .js output in ${outdir}`);
    process.exit(1);
  }
  const code = readFileSync(join(outdir, bundleFile));
  const nodeBuiltins = findNodeBuiltins(`${build.stdout}\n${build.stderr}`, code.toString("utf8"));
  const result = {
    entry: main,
    config: config.startsWith(root) ? config.slice(root.length) : config,
    bundle: bundleFile,
    rawBytes: code.byteLength,
    gzipBytes: gzipSync(code, { level: 9 }).byteLength,
    otherModules: files.filter((f) => f !== bundleFile),
    nodeBuiltins,
  };
  if (asJson) {
    console.log(JSON.stringify(result));
  } else {
    console.log(`bundle-size: ${result.config} → ${result.bundle}`);
    console.log(`  raw:  ${result.rawBytes} bytes (${kib(result.rawBytes)} KiB)`);
    console.log(`  gzip: ${result.gzipBytes} bytes (${kib(result.gzipBytes)} KiB, level 9)`);
    if (result.otherModules.length > 0) console.log(`  other modules: ${result.otherModules.join(", ")}`);
    if (nodeBuiltins.length > 0) {
      console.log(`  WARNING: Node built-ins left external (need nodejs_compat): ${nodeBuiltins.join(", ")}`);
    }
  }
  if (failOnNodeBuiltins && nodeBuiltins.length > 0) process.exitCode = 2;
} finally {
  rmSync(outdir, { recursive: true, force: true });
}

/** Basename (without extension) of `main` in a wrangler.toml, to find its output file. */
function readMainEntry(path) {
  const match = /^\s*main\s*=\s*"([^"]+)"/m.exec(readFileSync(path, "utf8"));
  return match ? basename(match[1], extname(match[1])) : "index";
}

/**
 * Node built-ins the bundle still imports: from wrangler's "built into node" warnings, and from
 * `node:` specifiers left in the output (static import, dynamic import or require).
 */
function findNodeBuiltins(log, code) {
  const found = new Set();
  for (const m of log.matchAll(/The package "([^"]+)" wasn't found on the file system but is built into node/g)) {
    found.add(m[1]);
  }
  for (const m of code.matchAll(/(?:from|import|require)\s*\(?\s*["'](node:[\w/]+)["']/g)) found.add(m[1]);
  return [...found].sort();
}

function kib(bytes) {
  return (bytes / 1024).toFixed(1);
}
