/**
 * Builds the example's browser app into example/web/dist, which `npm start` serves. The client is
 * taken from this repository's sources (what `covara/client` resolves to once published).
 */
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

const src = fileURLToPath(new URL("../../src/client/", import.meta.url));

export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  logLevel: "warn",
  esbuild: { jsx: "automatic" },
  resolve: {
    alias: [
      { find: /^covara\/client\/react$/, replacement: `${src}react/index.ts` },
      { find: /^covara\/client\/offline$/, replacement: `${src}offline/index.ts` },
      { find: /^covara\/client$/, replacement: `${src}index.ts` },
    ],
  },
  build: { outDir: "dist", emptyOutDir: true, sourcemap: true },
});
