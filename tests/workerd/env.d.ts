/**
 * Bindings seen by code running in the `workerd` vitest project (`env` from
 * `cloudflare:workers` / `cloudflare:test`). Mirrors wrangler.toml plus test-only bindings.
 */
declare namespace Cloudflare {
  interface Env {
    /** D1 database from wrangler.toml (local miniflare D1 in tests). */
    DB: D1Database;
    /** KV Durable Object namespace from wrangler.toml (`CovaraKVDurableObject`). */
    COVARA_KV: DurableObjectNamespace;
    /** Hub Durable Object namespace from wrangler.toml (`ChangelogHub`). */
    COVARA_HUB: DurableObjectNamespace;
    /** migrations/ read in Node by vitest.config.ts; applied by apply-migrations.ts. */
    TEST_MIGRATIONS: import("cloudflare:test").D1Migration[];
  }
  interface GlobalProps {
    /** Types `exports` from `cloudflare:workers` (the main Worker's loopback bindings). */
    mainModule: typeof import("./worker.js");
  }
}
