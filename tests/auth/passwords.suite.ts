/**
 * Passwords and the password policy (spec 40 §11, invariant 10), run on Node and inside workerd.
 * `canTime`: workerd freezes clocks between I/O, so "refused before deriving" is measured on Node only.
 */
import { describe, expect, it } from "vitest";
import { ValidationError } from "../../src/errors/problem.js";
import {
  builtInPasswordDenylist,
  enforcePasswordStrength,
  hashPassword,
  needsRehash,
  PASSWORD_LIMITS,
  validatePasswordStrength,
  verifyPassword,
} from "../../src/auth/index.js";

const FORMAT = /^scrypt\$N=\d+,r=\d+,p=\d+\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/;
/** Cheap parameters where the test is not about the defaults. */
const FAST = { N: 1024 };
const b64 = (n: number) => btoa(String.fromCharCode(...new Uint8Array(n).fill(7)));

/** The error a promise rejects with. */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(() => undefined, (error: unknown) => error);
}

export function passwordsSuite(options: { canTime: boolean }): void {
  describe("hashPassword / verifyPassword", () => {
    it("hashes at the defaults in the documented format, salted, and verifies (invariant 10)", async () => {
      const [a, b] = [await hashPassword("correct horse"), await hashPassword("correct horse")];
      expect(a).toMatch(FORMAT);
      expect(a.startsWith("scrypt$N=16384,r=8,p=1$")).toBe(true);
      const [, , salt, key] = a.split("$");
      expect(atob(salt!)).toHaveLength(16);
      expect(atob(key!)).toHaveLength(64);
      expect(a).not.toBe(b);
      expect(await verifyPassword("correct horse", a)).toBe(true);
      expect(await verifyPassword("correct horse", b)).toBe(true);
      expect(await verifyPassword("correct horsE", a)).toBe(false);
      expect(await verifyPassword("", a)).toBe(false);
    });

    it("verifies with the stored parameters and key length, and round-trips any Unicode", async () => {
      const stored = await hashPassword("pässwörd 🔑\u0000end", { N: 2048, r: 4, p: 2, keylen: 32, saltlen: 24 });
      expect(stored.startsWith("scrypt$N=2048,r=4,p=2$")).toBe(true);
      expect(atob(stored.split("$")[3]!)).toHaveLength(32);
      expect(await verifyPassword("pässwörd 🔑\u0000end", stored)).toBe(true);
      expect(await verifyPassword("pässwörd 🔑", stored)).toBe(false);
    });

    it("verifyPassword never throws: wrong types and malformed or tampered hashes are false", async () => {
      const good = await hashPassword("secret-1", FAST);
      const [, params, salt, key] = good.split("$");
      const flipped = key!.slice(0, 5) + (key![5] === "A" ? "B" : "A") + key!.slice(6);
      const bad: unknown[] = [
        undefined, null, 42, {}, [], "", "scrypt$", "bcrypt$N=1024,r=8,p=1$" + salt + "$" + key,
        `scrypt$${params}$${salt}$${flipped}`, // tampered key
        `scrypt$${params}$${b64(16)}$${key}`, // another salt
        `scrypt$N=2048,r=8,p=1$${salt}$${key}`, // another N
        `scrypt$${params}$${salt}$${key}x`, `scrypt$${params}$${salt}$${key}$extra`,
        `scrypt$N=1000,r=8,p=1$${salt}$${key}`, // N not a power of two
        `scrypt$N=0,r=8,p=1$${salt}$${key}`, `scrypt$N=1024,r=0,p=1$${salt}$${key}`,
        `scrypt$N=1024,r=8,p=1$${b64(4)}$${key}`, // salt too short
        `scrypt$N=1024,r=8,p=1$${salt}$${b64(8)}`, // key too short
        `scrypt$N=1024,r=8,p=1$not*base64$${key}`, `scrypt$n=1024,r=8,p=1$${salt}$${key}`,
      ];
      for (const stored of bad) expect(await verifyPassword("secret-1", stored)).toBe(false);
      for (const password of [undefined, null, 1, { toString: () => "secret-1" }, ["secret-1"]]) {
        expect(await verifyPassword(password, good)).toBe(false);
      }
      expect(await verifyPassword("secret-1", good)).toBe(true);
    });

    it("refuses hostile stored parameters without deriving (caps on N, r, p, N·r·p and memory)", async () => {
      const salt = b64(16);
      const key = b64(64);
      const hostile = [
        `scrypt$N=1048576,r=8,p=1$${salt}$${key}`, // 1 GiB
        `scrypt$N=2147483648,r=8,p=1$${salt}$${key}`,
        `scrypt$N=16384,r=999,p=1$${salt}$${key}`,
        `scrypt$N=16384,r=8,p=999$${salt}$${key}`,
        `scrypt$N=131072,r=8,p=16$${salt}$${key}`, // N·r·p and memory over the caps
        `scrypt$N=16384,r=8,p=1$${salt}$${b64(100_000)}`, // enormous key length
      ];
      const started = performance.now();
      for (const stored of hostile) {
        expect(await verifyPassword("x", stored)).toBe(false);
        expect(needsRehash(stored)).toBe(true);
      }
      if (options.canTime) expect(performance.now() - started).toBeLessThan(50);
      expect(PASSWORD_LIMITS).toMatchObject({ maxPasswordBytes: 1024, maxN: 131072, maxMemoryBytes: 64 * 1024 * 1024 });
    });

    it("caps passwords at 1024 UTF-8 bytes: hashing answers 400, verifying is false without deriving", async () => {
      expect(await verifyPassword("é".repeat(512), await hashPassword("é".repeat(512), FAST))).toBe(true);
      const error = await rejection(hashPassword("é".repeat(513), FAST));
      expect(error).toBeInstanceOf(ValidationError);
      const problem = (error as ValidationError).toProblem();
      expect(problem).toMatchObject({ status: 400, code: "VALIDATION_ERROR", detail: "Password does not meet requirements" });
      expect(problem.errors).toEqual([{ field: "password", message: "Password must be at most 1024 bytes long" }]);

      const stored = await hashPassword("a".repeat(1024));
      const started = performance.now();
      expect(await verifyPassword("a".repeat(1025), stored)).toBe(false);
      expect(await verifyPassword("a".repeat(1_000_000), stored)).toBe(false);
      if (options.canTime) expect(performance.now() - started).toBeLessThan(30);
    });

    it("hashPassword rejects wrong types and parameters outside the limits", async () => {
      expect(await rejection(hashPassword(12345678 as unknown as string))).toBeInstanceOf(TypeError);
      for (const params of [{ N: 1000 }, { N: 2 ** 20 }, { r: 0 }, { p: 17 }, { keylen: 8 }, { saltlen: 4 }, { N: 2 ** 17, r: 16 }]) {
        expect(await rejection(hashPassword("password-x", params))).toBeInstanceOf(RangeError);
      }
    });

    it("needsRehash: true when malformed or weaker than the target, false otherwise", async () => {
      const weak = await hashPassword("pw-123456", FAST);
      expect(needsRehash(weak)).toBe(true);
      expect(needsRehash(weak, { N: 1024 })).toBe(false);
      expect(needsRehash(weak, { N: 1024, r: 16 })).toBe(true);
      expect(needsRehash(weak, { N: 1024, p: 2 })).toBe(true);
      expect(needsRehash(weak, { N: 512 })).toBe(false);
      // Key and salt lengths are not compared.
      expect(needsRehash(await hashPassword("pw-123456", { N: 1024, keylen: 32, saltlen: 8 }), { N: 1024 })).toBe(false);
      for (const stored of ["", "nope", null, 7, undefined]) expect(needsRehash(stored)).toBe(true);
    });
  });

  describe("password policy", () => {
    it("defaults: at least 8 characters and not one of the 20 built-in common passwords", () => {
      expect(validatePasswordStrength("a-decent-passphrase")).toEqual({ valid: true, errors: [] });
      expect(validatePasswordStrength("short")).toEqual({ valid: false, errors: ["Password must be at least 8 characters long"] });
      expect(validatePasswordStrength("PassWord")).toEqual({ valid: false, errors: ["Password is too common"] });
      expect(validatePasswordStrength("PassWord", { useBuiltInDenylist: false }).valid).toBe(true);
      const list = builtInPasswordDenylist();
      expect(list).toHaveLength(20);
      expect(list).toEqual(expect.arrayContaining(["password", "123456", "qwerty", "letmein", "changeme"]));
      list.push("mutated");
      expect(builtInPasswordDenylist()).toHaveLength(20);
    });

    it("counts characters as code points and checks every configured rule", () => {
      expect(validatePasswordStrength("😀".repeat(8)).valid).toBe(true);
      const rules = { minLength: 10, maxLength: 12, requireUppercase: true, requireLowercase: true, requireNumber: true, requireSymbol: true };
      expect(validatePasswordStrength("Abcdefgh1!", rules).valid).toBe(true);
      expect(validatePasswordStrength("abcdefghijklm", rules).errors).toEqual([
        "Password must be at most 12 characters long",
        "Password must contain an uppercase letter",
        "Password must contain a number",
        "Password must contain a symbol",
      ]);
      expect(validatePasswordStrength("ABCDEFGH1!", rules).errors).toEqual(["Password must contain a lowercase letter"]);
      expect(validatePasswordStrength("Ünïcödé123!", rules).valid).toBe(true);
    });

    it("a custom denylist matches whole strings, case-insensitively", () => {
      const denylist = ["AcmeCorp2024"];
      expect(validatePasswordStrength("acmecorp2024", { denylist }).errors).toEqual(["Password is too common"]);
      expect(validatePasswordStrength("acmecorp2024!", { denylist }).valid).toBe(true);
    });

    it("wrong types and oversized passwords are invalid, never a throw", () => {
      for (const value of [undefined, null, 12345678, { length: 9 }, ["password!"]]) {
        expect(validatePasswordStrength(value)).toEqual({ valid: false, errors: ["Password must be a string"] });
      }
      expect(validatePasswordStrength("x".repeat(1025)).errors).toEqual(["Password must be at most 1024 bytes long"]);
    });

    it("enforcePasswordStrength throws a 400 VALIDATION_ERROR listing each failure on field password", () => {
      expect(() => enforcePasswordStrength("a-decent-passphrase")).not.toThrow();
      let error: unknown;
      try {
        enforcePasswordStrength("letmein", { requireNumber: true });
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(ValidationError);
      const response = (error as ValidationError).getResponse();
      expect(response.status).toBe(400);
      expect(response.headers.get("content-type")).toBe("application/problem+json");
      expect((error as ValidationError).toProblem()).toMatchObject({
        code: "VALIDATION_ERROR",
        detail: "Password does not meet requirements",
        errors: [
          { field: "password", message: "Password must be at least 8 characters long" },
          { field: "password", message: "Password must contain a number" },
          { field: "password", message: "Password is too common" },
        ],
      });
    });
  });
}
