/**
 * Test projects: `node` runs tests/**\/*.test.ts in Node; `workerd` runs tests/workerd/**\/*.test.ts
 * inside workerd through @cloudflare/vitest-plugin, with the D1 binding from wrangler.toml and
 * the migrations in migrations/ applied by tests/workerd/apply-migrations.ts.
 * Each workerd test file gets fresh storage (D1 empty, then migrated); tests in one file share it.
 * The plugin always turns nodejs_compat on for its runner, so portability of src/ (no
 * nodejs_compat) is checked outside it (see bench/bundle-size.mjs --fail-on-node-builtins).
 */
import { fileURLToPath } from "node:url";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

const root = fileURLToPath(new URL(".", import.meta.url));

export default defineConfig(async () => {
  // Read in Node (the plugin's helper), handed to the workerd runner as a JSON binding.
  const migrations = await readD1Migrations(`${root}migrations`);

  return {
    test: {
      // The project's machines have 2 cores: at most two test files run at once, across both
      // projects (each workerd test file starts its own runner, ~1.8 s).
      maxWorkers: 2,
      // Expected 4xx problems are logged at warn; keep test output to real failures.
      env: { COVARA_LOG_LEVEL: "error" },
      projects: [
        {
          test: {
            name: "node",
            environment: "node",
            // `.tsx`: the React hook tests (React Testing Library in happy-dom, per-file environment comment).
            include: ["tests/**/*.test.ts", "tests/**/*.test.tsx"],
            exclude: ["tests/workerd/**", "**/node_modules/**"],
            testTimeout: 30_000,
            hookTimeout: 30_000,
            pool: "forks",
          },
        },
        {
          // Type tests (`*.test-d.ts`): tsc over those files and what they import, reported per test.
          test: {
            name: "types",
            include: [],
            typecheck: { enabled: true, only: true, include: ["tests/**/*.test-d.ts"], tsconfig: "tsconfig.typetests.json" },
          },
        },
        {
          plugins: [
            cloudflareTest({
              // Bindings, compatibility date and flags come from wrangler.toml (one source of
              // truth with `wrangler dev`); the entry is a test fixture so that tests do not
              // depend on example/worker.ts. SELF / exports.default is this fixture.
              wrangler: { configPath: `${root}wrangler.toml` },
              main: `${root}tests/workerd/worker.ts`,
              miniflare: {
                // Test-only binding: applied by the setup file before each test file.
                bindings: { TEST_MIGRATIONS: migrations },
                // Test runner only: Vitest 5 probes `node:inspector` at startup and the plugin
                // logs an error when it is missing. The plugin already enables nodejs_compat_v2
                // for the runner (it needs it), so this adds no new portability gap.
                compatibilityFlags: ["enable_nodejs_inspector_module"],
              },
            }),
          ],
          test: {
            name: "workerd",
            include: ["tests/workerd/**/*.test.ts"],
            setupFiles: ["tests/workerd/apply-migrations.ts"],
            testTimeout: 30_000,
            hookTimeout: 30_000,
          },
        },
      ],
    },
  };
});
