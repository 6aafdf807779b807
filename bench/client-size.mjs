#!/usr/bin/env node
/**
 * Client bundle size: esbuild (minify, ESM, browser platform, code splitting as app bundlers
 * do) + gzip level 9 of
 *   1. `covara/client` with every export: what it loads up front (the entry chunk and the chunks
 *      that one imports statically) is the budgeted client; the chunks reached only through
 *      `import()` (auth flows on first use, offline support when `offline` is configured) are
 *      printed apart, and so is the total with them;
 *   2. an app that imports only `createClient` and uses `client.resource(...)`: what it loads up
 *      front must hold no auth or offline code;
 *   3. `covara/client/react` with every export (React and React DOM left out: the app ships
 *      them), up front, the parts of `covara/client` the hooks use included.
 * Prints raw and gzip bytes. With `--check`, exits non-zero when the client's up-front part is
 * 15 KB gzip or more, or when the app loads auth or offline code up front.
 *
 *   node bench/client-size.mjs [--json] [--check]
 */
import { build } from "esbuild";
import { gzipSync } from "node:zlib";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const entry = `${root}src/client/index.ts`;
const args = process.argv.slice(2);
const LIMIT = 15 * 1024;

/**
 * Strings that only auth flows or offline code contain (route names and option names survive
 * minification). The token-storage adapters are tiny and exported from the entry, so they may
 * load up front; the JWT and session flows may not.
 */
const FORBIDDEN = {
  auth: ["/refresh", "/signup", "/verify/request", "persistRefreshToken"],
  offline: ["indexedDB", "covara-mutations", "BroadcastChannel", "optimistic_"],
};

const sizes = (text) => ({ raw: Buffer.byteLength(text), gzip: gzipSync(text, { level: 9 }).byteLength });

/** Peers the app ships itself: left out of the React figure. */
const REACT_PEERS = ["react", "react-dom", "react/jsx-runtime"];

/** Leaves the `covara/client` core out of a bundle (to measure what the hooks add on top of it). */
const coreExternal = {
  name: "core-external",
  setup(b) {
    b.onResolve({ filter: /^\.\.?\// }, (args) => {
      const path = new URL(args.path, `file://${args.resolveDir}/`).pathname.replace(/\.js$/, ".ts");
      const inClient = path.startsWith(`${root}src/client/`);
      const own = path.startsWith(`${root}src/client/react/`) || path.startsWith(`${root}src/client/live/`);
      return inClient && !own ? { path, external: true } : undefined;
    });
  },
};

async function bundle(contents, splitting, external = [], plugins = []) {
  const result = await build({
    external,
    plugins,
    stdin: { contents, resolveDir: root, sourcefile: "entry.ts", loader: "ts" },
    bundle: true,
    minify: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    splitting,
    outdir: "/out",
    write: false,
    logLevel: "silent",
  });
  return result.outputFiles.map((file) => ({ name: file.path.slice("/out/".length), text: file.text }));
}

const everything = await bundle(`export * from ${JSON.stringify(entry)};`, true);
// `covara/client/offline` on its own (with idb and the IndexedDB storage, which `offline: true` does not load).
const offlineEntry = (await bundle(`export * from ${JSON.stringify(`${root}src/client/offline/index.ts`)};`, false))[0];
// `covara/client/react` with every export, React left out; up front as in the app below.
const reactEntry = `${root}src/client/react/index.ts`;
const react = await bundle(`export * from ${JSON.stringify(reactEntry)};`, true, REACT_PEERS);
const hooksOnly = (await bundle(`export * from ${JSON.stringify(reactEntry)};`, false, REACT_PEERS, [coreExternal]))[0];
const app = await bundle(
  `import { createClient } from ${JSON.stringify(entry)};
const client = createClient({ baseUrl: "https://api.example.com" });
const todos = client.resource("/api/todos");
export const page = todos.list({ limit: 20 });`,
  true,
);
/**
 * What a bundle loads up front: the entry and every chunk it imports statically (transitively).
 * Chunks reached only through `import("...")` load on first use.
 */
function upFront(files) {
  const byName = new Map(files.map((f) => [f.name, f]));
  const names = new Set();
  const visit = (name) => {
    if (names.has(name) || !byName.has(name)) return;
    names.add(name);
    for (const [, target] of byName.get(name).text.matchAll(/(?:from|import)\s*"\.\/([^"]+)"/g)) visit(target);
  };
  visit("stdin.js");
  return { names, text: [...names].map((name) => byName.get(name).text).join("\n"), lazy: files.filter((f) => !names.has(f.name)) };
}
const full = upFront(everything);
const reactUpFront = upFront(react);
const { names: initial, text: initialText, lazy } = upFront(app);
const leaks = Object.entries(FORBIDDEN).flatMap(([kind, markers]) => markers.filter((m) => initialText.includes(m)).map((m) => `${kind}: ${m}`));

const result = {
  client: sizes(full.text),
  clientLazyChunks: full.lazy.map((f) => ({ name: f.name, ...sizes(f.text) })),
  clientWithLazy: sizes(everything.map((f) => f.text).join("\n")),
  offline: sizes(offlineEntry.text),
  react: {
    ...sizes(reactUpFront.text),
    ownCode: sizes(hooksOnly.text),
    reactExcluded: /from\s*"react"/.test(reactUpFront.text) && !reactUpFront.text.includes("__SECRET_INTERNALS"),
  },
  app: { initial: { chunks: [...initial], ...sizes(initialText) }, lazyChunks: lazy.map((f) => ({ name: f.name, ...sizes(f.text) })), leaks },
  limitGzip: LIMIT,
};

if (args.includes("--json")) {
  console.log(JSON.stringify(result));
} else {
  const line = (label, s) => console.log(`  ${label.padEnd(44)} raw ${String(s.raw).padStart(6)} B   gzip ${String(s.gzip).padStart(6)} B (${(s.gzip / 1024).toFixed(1)} KiB)`);
  console.log("client-size (esbuild --minify, gzip -9)");
  line("covara/client, every export, up front", result.client);
  for (const chunk of result.clientLazyChunks) line(`  on first use: ${chunk.name}`, chunk);
  line("covara/client, every export, lazy chunks too", result.clientWithLazy);
  line("covara/client/offline, every export", result.offline);
  line("covara/client/react, every export, up front (React excluded)", result.react);
  line("  of which hooks + live queries (no client core)", result.react.ownCode);
  line(`app: createClient + resource, loaded up front (${initial.size} chunk${initial.size === 1 ? "" : "s"})`, result.app.initial);
  for (const chunk of result.app.lazyChunks) line(`  on first use: ${chunk.name}`, chunk);
  console.log(`  auth/offline code loaded up front: ${leaks.length === 0 ? "none" : leaks.join(", ")}`);
  console.log(`  target: covara/client < ${LIMIT / 1024} KiB gzip → ${result.client.gzip < LIMIT ? "met" : "MISSED"}`);
}

if (args.includes("--check") && (result.client.gzip >= LIMIT || leaks.length > 0)) process.exit(1);
