/**
 * Setup file of the `workerd` vitest project: applies migrations/ to the D1 binding `DB`
 * before a test file runs. Already-applied migrations are skipped (d1_migrations table).
 */
import { applyD1Migrations } from "cloudflare:test";
import { env } from "cloudflare:workers";

await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
