/**
 * One-time token stores (spec 40 §14, invariant 12) on every store, the token helpers and the
 * memory email adapter. Each runner passes its stores: memory, KV over memory, Redis (Node) and
 * the Durable Object KV (workerd).
 */
import { describe, expect, it } from "vitest";
import type { KvStore } from "../../src/ports/kv-store.js";
import {
  createKVVerificationTokenStore,
  createMemoryEmailAdapter,
  generateToken,
  hashToken,
  InMemoryVerificationTokenStore,
  issueVerificationToken,
  MAX_TOKEN_PART_LENGTH,
  redeemVerificationToken,
  type VerificationTokenStore,
} from "../../src/auth/index.js";

/** A fresh KV (own prefix) and a way to empty it afterwards. */
export type MakeKv = () => Promise<{ kv: KvStore; cleanup: () => Promise<void> }>;

/** The stores under test: the memory store, and the KV store over each given backend. */
export function tokenStores(kvs: Record<string, MakeKv>): Record<string, () => Promise<{ store: VerificationTokenStore; kv?: KvStore; cleanup: () => Promise<void> }>> {
  const stores: Record<string, () => Promise<{ store: VerificationTokenStore; kv?: KvStore; cleanup: () => Promise<void> }>> = {
    memory: async () => ({ store: new InMemoryVerificationTokenStore(), cleanup: async () => {} }),
  };
  for (const [name, make] of Object.entries(kvs)) {
    stores[`kv (${name})`] = async () => {
      const { kv, cleanup } = await make();
      return { store: createKVVerificationTokenStore(kv), kv, cleanup };
    };
  }
  return stores;
}

const inAnHour = () => new Date(Date.now() + 3_600_000);

/** Every key in a KV (all pages). */
async function allKeys(kv: KvStore): Promise<string[]> {
  const keys: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await kv.list("", { limit: 1000, ...(cursor ? { cursor } : {}) });
    keys.push(...page.keys);
    cursor = page.cursor ?? undefined;
  } while (cursor);
  return keys;
}

export function tokensSuite(kvs: Record<string, MakeKv>): void {
  for (const [name, make] of Object.entries(tokenStores(kvs))) {
    describe(`verification token store: ${name}`, () => {
      const withStore = (test: (s: Awaited<ReturnType<typeof make>>) => Promise<void>) => async () => {
        const s = await make();
        try {
          await test(s);
        } finally {
          await s.cleanup();
        }
      };

      it("consume returns the record once, then null", withStore(async ({ store }) => {
        const expires = inAnHour();
        await store.create({ identifier: "verify:a@b.co", token: "t1", expires });
        expect(await store.consume("verify:a@b.co", "t1")).toEqual({ identifier: "verify:a@b.co", token: "t1", expires });
        expect(await store.consume("verify:a@b.co", "t1")).toBeNull();
        expect(await store.consume("verify:a@b.co", "never-issued")).toBeNull();
      }));

      it("identifiers are exact and case-sensitive", withStore(async ({ store }) => {
        await store.create({ identifier: "verify:a@b.co", token: "t1", expires: inAnHour() });
        expect(await store.consume("verify:A@b.co", "t1")).toBeNull();
        expect(await store.consume("reset:a@b.co", "t1")).toBeNull();
        expect(await store.consume("verify:a@b.co", "T1")).toBeNull();
        expect(await store.consume("verify:a@b.co", "t1")).not.toBeNull();
      }));

      it("20 concurrent consumes of one token: exactly one gets the record", withStore(async ({ store }) => {
        await store.create({ identifier: "magic:race@b.co", token: "race", expires: inAnHour() });
        const results = await Promise.all(Array.from({ length: 20 }, () => store.consume("magic:race@b.co", "race")));
        expect(results.filter((r) => r !== null)).toHaveLength(1);
        expect(await store.consume("magic:race@b.co", "race")).toBeNull();
      }));

      it("deleteByIdentifier removes that identifier's tokens only, even when another starts with it", withStore(async ({ store }) => {
        for (const [identifier, token] of [["reset:a@b.co", "x1"], ["reset:a@b.co", "x2"], ["reset:a@b.co:evil", "y"], ["verify:a@b.co", "z"]]) {
          await store.create({ identifier: identifier!, token: token!, expires: inAnHour() });
        }
        await store.deleteByIdentifier("reset:a@b.co");
        expect(await store.consume("reset:a@b.co", "x1")).toBeNull();
        expect(await store.consume("reset:a@b.co", "x2")).toBeNull();
        expect(await store.consume("reset:a@b.co:evil", "y")).not.toBeNull();
        expect(await store.consume("verify:a@b.co", "z")).not.toBeNull();
        await store.deleteByIdentifier("nobody");
      }));

      it("an expired token is still returned once (the caller checks expiry) and is gone after", withStore(async ({ store }) => {
        const expires = new Date(Date.now() - 1000);
        await store.create({ identifier: "verify:old@b.co", token: "old", expires });
        const record = await store.consume("verify:old@b.co", "old");
        expect(record?.expires.getTime()).toBe(expires.getTime());
        expect(await store.consume("verify:old@b.co", "old")).toBeNull();
      }));

      it("bad input: wrong types and oversized parts are refused and change nothing", withStore(async ({ store }) => {
        await store.create({ identifier: "verify:a@b.co", token: "keep", expires: inAnHour() });
        const long = "x".repeat(MAX_TOKEN_PART_LENGTH + 1);
        for (const [identifier, token] of [["verify:a@b.co", long], [long, "keep"], ["verify:a@b.co", ""], ["verify:a@b.co", 42], [null, "keep"]] as [unknown, unknown][]) {
          expect(await store.consume(identifier as string, token as string)).toBeNull();
        }
        await expect(store.create({ identifier: "verify:a@b.co", token: long, expires: inAnHour() })).rejects.toThrow(TypeError);
        await expect(store.create({ identifier: "", token: "t", expires: inAnHour() })).rejects.toThrow(TypeError);
        await expect(store.create({ identifier: "i", token: "t", expires: new Date("nope") })).rejects.toThrow(TypeError);
        await expect(store.create({ identifier: "i", token: "t", expires: "tomorrow" as unknown as Date })).rejects.toThrow(TypeError);
        expect(await store.consume("i", "t")).toBeNull();
        expect(await store.consume("verify:a@b.co", "keep")).not.toBeNull();
      }));

      it("issue/redeem: hashed by default, one attempt per token, a newer token replaces older ones", withStore(async ({ store, kv }) => {
        const first = await issueVerificationToken(store, "reset:a@b.co", { ttlMs: 3_600_000 });
        expect(first.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
        // Only the hash is stored: the plaintext is not a stored token, and no KV key contains it.
        expect(await store.consume("reset:a@b.co", first.token)).toBeNull();
        if (kv) expect((await allKeys(kv)).join("\n")).not.toContain(first.token);
        const second = await issueVerificationToken(store, "reset:a@b.co", { ttlMs: 3_600_000 });
        const other = await issueVerificationToken(store, "verify:a@b.co", { ttlMs: 3_600_000 });
        expect(await redeemVerificationToken(store, "reset:a@b.co", first.token)).toEqual({ ok: false, reason: "invalid" });
        const redeemed = await redeemVerificationToken(store, "reset:a@b.co", second.token);
        expect(redeemed).toMatchObject({ ok: true, record: { identifier: "reset:a@b.co", token: await hashToken(second.token) } });
        expect(await redeemVerificationToken(store, "reset:a@b.co", second.token)).toEqual({ ok: false, reason: "invalid" });
        // A token of another flow for the same address is untouched, and not accepted here.
        expect(await redeemVerificationToken(store, "reset:a@b.co", other.token)).toEqual({ ok: false, reason: "invalid" });
        expect((await redeemVerificationToken(store, "verify:a@b.co", other.token)).ok).toBe(true);
      }));

      it("redeem: an expired token fails as expired and is consumed; junk is invalid", withStore(async ({ store }) => {
        const { token } = await issueVerificationToken(store, "magic:a@b.co", { ttlMs: 1000, now: Date.now() - 5000 });
        expect(await redeemVerificationToken(store, "magic:a@b.co", token)).toEqual({ ok: false, reason: "expired" });
        expect(await redeemVerificationToken(store, "magic:a@b.co", token)).toEqual({ ok: false, reason: "invalid" });
        for (const junk of [undefined, 7, "", "x".repeat(10_000), { token }]) {
          expect(await redeemVerificationToken(store, "magic:a@b.co", junk)).toEqual({ ok: false, reason: "invalid" });
        }
        const plain = await issueVerificationToken(store, "magic:a@b.co", { ttlMs: 60_000, hashTokens: false });
        expect(await store.consume("magic:a@b.co", plain.token)).not.toBeNull();
      }));
    });
  }

  describe("InMemoryVerificationTokenStore housekeeping", () => {
    it("drops tokens long past expiry as new ones arrive, keeping live and recently expired ones", async () => {
      const store = new InMemoryVerificationTokenStore();
      await store.create({ identifier: "verify:stale@b.co", token: "stale", expires: new Date(Date.now() - 2 * 3_600_000) });
      await store.create({ identifier: "verify:late@b.co", token: "late", expires: new Date(Date.now() - 60_000) });
      for (let i = 0; i < 98; i++) await store.create({ identifier: `verify:${i}@b.co`, token: "t", expires: inAnHour() });
      expect(await store.consume("verify:stale@b.co", "stale")).toBeNull();
      expect(await store.consume("verify:late@b.co", "late")).not.toBeNull();
      expect(await store.consume("verify:97@b.co", "t")).not.toBeNull();
    });

    it("holds at most maxIdentifiers identifiers, dropping the least recently issued", async () => {
      const store = new InMemoryVerificationTokenStore(3);
      for (const name of ["a", "b", "c"]) await store.create({ identifier: `verify:${name}`, token: "t", expires: inAnHour() });
      await store.create({ identifier: "verify:a", token: "t2", expires: inAnHour() });
      await store.create({ identifier: "verify:d", token: "t", expires: inAnHour() });
      expect(await store.consume("verify:b", "t")).toBeNull();
      for (const [identifier, token] of [["verify:a", "t2"], ["verify:c", "t"], ["verify:d", "t"]] as const) expect(await store.consume(identifier, token)).not.toBeNull();
    });
  });

  describe("generateToken / hashToken", () => {
    it("tokens are 43-char base64url of 32 random bytes; hashes are SHA-256 hex", async () => {
      const tokens = new Set(Array.from({ length: 100 }, () => generateToken()));
      expect(tokens.size).toBe(100);
      for (const token of tokens) expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(await hashToken("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    });
  });

  describe("memory email adapter", () => {
    it("records sent messages as copies, with ids, and clears", async () => {
      const email = createMemoryEmailAdapter();
      expect(email.provider).toBe("memory");
      const message = { to: "ada@example.com", subject: "Your code", text: "123456", tags: { flow: "verify" } };
      const { id } = await email.send(message);
      message.tags.flow = "changed";
      expect(email.messages).toEqual([{ ...message, tags: { flow: "verify" }, id }]);
      const batch = await email.sendBatch!([{ to: ["a@x.co", "b@x.co"], subject: "A" }, { to: "c@x.co", subject: "B" }]);
      expect(batch).toHaveLength(2);
      expect(email.messages.map((m) => m.subject)).toEqual(["Your code", "A", "B"]);
      email.clear();
      expect(email.messages).toEqual([]);
    });

    it("refuses a message without recipients or subject, recording nothing", async () => {
      const email = createMemoryEmailAdapter();
      for (const bad of [{ to: [], subject: "x" }, { to: "", subject: "x" }, { subject: "x" }, { to: "a@x.co" }, { to: [42], subject: "x" }]) {
        await expect(email.send(bad as never)).rejects.toThrow(/^memory: /);
      }
      expect(email.messages).toHaveLength(0);
    });
  });
}
