/** `npm run dev:workers`: the same example on Cloudflare Workers with D1. */
import { drizzle } from "drizzle-orm/d1";
import type { D1Database, ExecutionContext } from "@cloudflare/workers-types";
import type { CovaraApp } from "../src/index.js";
import { createDurableObjectHub, type HubObjectNamespace } from "../durable-objects/index.js";
import { buildExampleApp } from "./app.js";

// Bound as COVARA_KV and COVARA_HUB in wrangler.toml: the classes must be exported from the
// Worker entry.
export { ChangelogHub, CovaraKVDurableObject } from "../durable-objects/index.js";

let app: CovaraApp | undefined;

export default {
  fetch(request: Request, env: { DB: D1Database; COVARA_HUB: HubObjectNamespace }, ctx: ExecutionContext) {
    // Subscribers on every isolate see every write: the hub is the ChangelogHub Durable Object.
    app ??= buildExampleApp(drizzle(env.DB), { hub: createDurableObjectHub(env.COVARA_HUB) });
    return app.fetch(request, env, ctx);
  },
};
