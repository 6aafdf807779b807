/** `npm run dev:workers`: the same example on Cloudflare Workers with D1. */
import { drizzle } from "drizzle-orm/d1";
import type { D1Database, ExecutionContext } from "@cloudflare/workers-types";
import type { CovaraApp } from "../src/index.js";
import { buildExampleApp } from "./app.js";

// Bound as COVARA_KV and COVARA_HUB in wrangler.toml: the classes must be exported from the
// Worker entry.
export { ChangelogHub, CovaraKVDurableObject } from "../durable-objects/index.js";

let app: CovaraApp | undefined;

export default {
  fetch(request: Request, env: { DB: D1Database }, ctx: ExecutionContext) {
    app ??= buildExampleApp(drizzle(env.DB));
    return app.fetch(request, env, ctx);
  },
};
