/**
 * What the Durable Object hub tests share: the hub contract's harness over a namespace (two
 * clients of one set of objects, eviction as the reopen), and small waiting helpers.
 */
import { evictAllDurableObjects } from "cloudflare:test";
import { createDurableObjectHub, type DurableObjectHubOptions, type HubObjectNamespace } from "../../durable-objects/index.js";

/** The contract harness: `hub` and `peer` talk to the same objects; `reopen` evicts them first. */
export function durableObjectHarness(namespace: HubObjectNamespace, options: DurableObjectHubOptions = {}) {
  const settings = { maxEntries: 5, ...options };
  const hub = createDurableObjectHub(namespace, settings);
  const peer = createDurableObjectHub(namespace, settings);
  return {
    hub,
    peer,
    durable: true,
    reopen: async () => {
      await evictAllDurableObjects();
      return createDurableObjectHub(namespace, settings);
    },
    cleanup: async () => {
      await Promise.all([hub.close(), peer.close()]);
    },
  };
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Resolves once `check` holds; throws after `timeoutMs`. */
export async function eventually(check: () => boolean | Promise<boolean>, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await sleep(10);
  }
}

let counter = 0;
/** A name no other test uses (object names outlive a test inside one workerd run). */
export const uniqueName = (label: string) => `${label}-${Date.now().toString(36)}-${++counter}`;
