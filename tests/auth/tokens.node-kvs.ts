/** The KV backends the auth suites use on Node: memory, and Redis when REDIS_URL is set. */
import { randomBytes } from "node:crypto";
import { createMemoryKV } from "../../node-shim/memory/kv-store.js";
import { createRedisKV } from "../../node-shim/redis/kv-store.js";
import type { MakeKv } from "./tokens.suite.js";

/** The KV backends available on Node. */
export function nodeKvs(name: string): Record<string, MakeKv> {
  const kvs: Record<string, MakeKv> = { memory: async () => ({ kv: createMemoryKV(), cleanup: async () => {} }) };
  const url = process.env.REDIS_URL;
  let n = 0;
  if (url) {
    kvs.redis = async () => {
      const kv = await createRedisKV({ url, prefix: `covara-test:${name}:${randomBytes(6).toString("hex")}:${++n}` });
      return {
        kv,
        cleanup: async () => {
          for (let page = await kv.list(""); page.keys.length > 0; page = await kv.list("")) await Promise.all(page.keys.map((k) => kv.delete(k)));
          await kv.close();
        },
      };
    };
  }
  return kvs;
}

