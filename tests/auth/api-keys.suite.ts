/**
 * API keys (spec 40 §16, invariant 18) on every store: the memory store and the KV store over
 * each backend the runner passes (memory, Redis on Node; the Durable Object KV in workerd).
 * Every create and verify is one scrypt derivation at the defaults, so the suite stays small.
 */
import { describe, expect, it } from "vitest";
import { NotFoundError } from "../../src/errors/problem.js";
import type { KvStore } from "../../src/ports/kv-store.js";
import {
  createApiKey,
  createKVApiKeyStore,
  InMemoryApiKeyStore,
  listApiKeys,
  parseApiKeyId,
  revokeApiKey,
  rotateApiKey,
  verifyApiKey,
  type ApiKeyStore,
} from "../../src/auth/index.js";
import type { MakeKv } from "./tokens.suite.js";

interface Setup {
  store: ApiKeyStore;
  kv?: KvStore;
  cleanup: () => Promise<void>;
}

/** Every value stored in a KV. */
async function allValues(kv: KvStore): Promise<string> {
  const { keys } = await kv.list("", { limit: 1000 });
  return (await Promise.all(keys.map((key) => kv.get(key)))).join("\n") + keys.join("\n");
}

const KEY = /^sk_live_([0-9a-f]{16})\.[A-Za-z0-9_-]{32}$/;

export function apiKeysSuite(kvs: Record<string, MakeKv>): void {
  const stores: Record<string, () => Promise<Setup>> = {
    memory: async () => ({ store: new InMemoryApiKeyStore(), cleanup: async () => {} }),
  };
  for (const [name, make] of Object.entries(kvs)) {
    stores[`kv (${name})`] = async () => {
      const { kv, cleanup } = await make();
      return { store: createKVApiKeyStore(kv), kv, cleanup };
    };
  }

  for (const [name, make] of Object.entries(stores)) {
    describe(`API keys: ${name}`, () => {
      const withStore = (test: (s: Setup) => Promise<void>) => async () => {
        const s = await make();
        try {
          await test(s);
        } finally {
          await s.cleanup();
        }
      };

      it("creates a key shown once, stores only its hash, and verifies it", withStore(async ({ store, kv }) => {
        const now = Date.UTC(2030, 0, 1);
        const { key, metadata } = await createApiKey({ store, userId: "u1", label: "CI", scopes: ["posts:read"], prefix: "sk_live", ttlMs: 86_400_000, now });
        const id = KEY.exec(key)?.[1];
        expect(id).toBeDefined();
        expect(metadata).toEqual({
          id, label: "CI", userId: "u1", createdAt: new Date(now), lastUsedAt: null,
          expiresAt: new Date(now + 86_400_000), scopes: ["posts:read"], prefix: "sk_live",
        });
        const record = await store.findById(id!);
        expect(record?.keyHash).toMatch(/^scrypt\$N=16384,r=8,p=1\$/);
        const secret = key.split(".")[1]!;
        expect(JSON.stringify(record)).not.toContain(secret);
        if (kv) expect(await allValues(kv)).not.toContain(secret);

        const result = await verifyApiKey(key, { store, now: now + 1000 });
        expect(result).toEqual({ valid: true, metadata: { ...metadata, lastUsedAt: new Date(now + 1000) } });
        expect((await store.findById(id!))?.lastUsedAt).toEqual(new Date(now + 1000));
        await verifyApiKey(key, { store, now: now + 5000, updateLastUsed: false });
        expect((await listApiKeys({ store }))[0]?.lastUsedAt).toEqual(new Date(now + 1000));
      }));

      it("not_found for malformed, unknown and revoked keys; mismatch for a wrong secret", withStore(async ({ store }) => {
        const { key, metadata } = await createApiKey({ store, userId: "u1" });
        expect(key).toMatch(/^[0-9a-f]{16}\.[A-Za-z0-9_-]{32}$/);
        const malformed: unknown[] = [undefined, null, 42, { key }, "", "no-dot", `${metadata.id}`, `zz${metadata.id.slice(2)}.x`, `${key}${"x".repeat(300)}`, "0123456789abcdef.secret"];
        for (const bad of malformed) expect(await verifyApiKey(bad, { store })).toEqual({ valid: false, reason: "not_found" });
        expect(await verifyApiKey(`${metadata.id}.wrong-secret`, { store })).toEqual({ valid: false, reason: "mismatch" });
        expect(await verifyApiKey(`other_${key}`, { store })).toEqual({ valid: false, reason: "mismatch" });
        expect((await store.findById(metadata.id))?.lastUsedAt).toBeNull();
        expect(await revokeApiKey(metadata.id, { store })).toBe(true);
        expect(await revokeApiKey(metadata.id, { store })).toBe(false);
        expect(await verifyApiKey(key, { store })).toEqual({ valid: false, reason: "not_found" });
        expect(await listApiKeys({ store })).toEqual([]);
      }));

      it("an expired key answers expired only to its holder; a wrong secret still gets mismatch", withStore(async ({ store }) => {
        const expiresAt = new Date(Date.UTC(2030, 0, 1));
        const { key, metadata } = await createApiKey({ store, expiresAt });
        expect(await verifyApiKey(key, { store, now: expiresAt.getTime() - 1 })).toMatchObject({ valid: true });
        expect(await verifyApiKey(key, { store, now: expiresAt })).toEqual({ valid: false, reason: "expired" });
        expect(await verifyApiKey(`${metadata.id}.guess`, { store, now: expiresAt })).toEqual({ valid: false, reason: "mismatch" });
      }));

      it("lists metadata only, per user or all, oldest first", withStore(async ({ store }) => {
        const a = await createApiKey({ store, userId: "u:1", label: "a", now: 1000 });
        const b = await createApiKey({ store, userId: "u:1", label: "b", now: 2000 });
        const c = await createApiKey({ store, userId: "u:10", label: "c", now: 3000 });
        const d = await createApiKey({ store, label: "ownerless", now: 4000 });
        expect((await listApiKeys({ store, userId: "u:1" })).map((m) => m.label)).toEqual(["a", "b"]);
        expect((await listApiKeys({ store, userId: "u:10" })).map((m) => m.id)).toEqual([c.metadata.id]);
        expect((await listApiKeys({ store, userId: "u" })).length).toBe(0);
        const all = await listApiKeys({ store });
        expect(all.map((m) => m.id)).toEqual([a, b, c, d].map((k) => k.metadata.id));
        for (const metadata of all) expect(metadata).not.toHaveProperty("keyHash");
      }));

      it("rotation: the old key stops working, the new one keeps label, user, scopes, expiry and prefix", withStore(async ({ store }) => {
        const expiresAt = new Date(Date.now() + 3_600_000);
        const old = await createApiKey({ store, userId: "u1", label: "deploy", scopes: ["a", "b"], expiresAt, prefix: "sk_live" });
        const rotated = await rotateApiKey({ store, id: old.metadata.id, label: undefined });
        expect(rotated.key).toMatch(KEY);
        expect(rotated.metadata).toMatchObject({ userId: "u1", label: "deploy", scopes: ["a", "b"], expiresAt, prefix: "sk_live", lastUsedAt: null });
        expect(rotated.metadata.id).not.toBe(old.metadata.id);
        expect(await verifyApiKey(old.key, { store })).toEqual({ valid: false, reason: "not_found" });
        expect(await verifyApiKey(rotated.key, { store })).toMatchObject({ valid: true });
        const relabelled = await rotateApiKey({ store, id: rotated.metadata.id, label: "renamed", scopes: [] });
        expect(relabelled.metadata).toMatchObject({ label: "renamed", scopes: [], userId: "u1", expiresAt });
        expect((await listApiKeys({ store })).map((m) => m.id)).toEqual([relabelled.metadata.id]);
      }));

      it("rotating an unknown id throws 404 and mints nothing; concurrent rotations: one wins", withStore(async ({ store }) => {
        for (const id of ["0123456789abcdef", "not-an-id", 7]) {
          const error = await rotateApiKey({ store, id: id as string }).catch((e: unknown) => e);
          expect(error).toBeInstanceOf(NotFoundError);
          expect((error as NotFoundError).status).toBe(404);
        }
        expect(await listApiKeys({ store })).toEqual([]);
        const { metadata } = await createApiKey({ store, userId: "u1" });
        const results = await Promise.allSettled([rotateApiKey({ store, id: metadata.id }), rotateApiKey({ store, id: metadata.id })]);
        expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
        expect(results.filter((r) => r.status === "rejected").map((r) => (r as PromiseRejectedResult).reason)).toEqual([expect.any(NotFoundError)]);
        expect(await listApiKeys({ store, userId: "u1" })).toHaveLength(1);
      }));

      it("bad options throw before anything is stored", withStore(async ({ store }) => {
        await expect(createApiKey({ store, prefix: "bad.prefix" })).rejects.toThrow(TypeError);
        await expect(createApiKey({ store, prefix: "_x" })).rejects.toThrow(TypeError);
        await expect(createApiKey({ store, byteLength: 8 })).rejects.toThrow(RangeError);
        await expect(createApiKey({ store, ttlMs: 1000, expiresAt: new Date() })).rejects.toThrow(TypeError);
        await expect(createApiKey({ store, ttlMs: -1 })).rejects.toThrow(RangeError);
        await expect(createApiKey({ store, scopes: [1 as unknown as string] })).rejects.toThrow(TypeError);
        expect(await listApiKeys({ store })).toEqual([]);
      }));
    });
  }

  describe("parseApiKeyId", () => {
    it("takes the text before the first dot, minus everything through its last underscore", () => {
      expect(parseApiKeyId("sk_live_0123456789abcdef.s3cr3t.with.dots")).toBe("0123456789abcdef");
      expect(parseApiKeyId("0123456789abcdef.x")).toBe("0123456789abcdef");
      expect(parseApiKeyId("sk_0123456789ABCDEF.x")).toBeNull();
      expect(parseApiKeyId("sk_0123456789abcdef")).toBeNull();
      expect(parseApiKeyId(12)).toBeNull();
    });
  });
}
