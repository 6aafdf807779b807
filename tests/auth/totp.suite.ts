/** TOTP and backup-code primitives (spec 40 §15), run on Node and inside workerd. */
import { describe, expect, it } from "vitest";
import {
  base32Decode,
  base32Encode,
  generateBackupCodes,
  generateTotp,
  generateTotpSecret,
  getTotpUri,
  verifyBackupCode,
  verifyPassword,
  verifyTotp,
} from "../../src/auth/index.js";

const text = (s: string) => new TextEncoder().encode(s);
/** RFC 6238 Appendix B: the SHA-1 seed is the ASCII string "12345678901234567890". */
const RFC_SECRET = base32Encode(text("12345678901234567890"));
const RFC_VECTORS: [number, string][] = [
  [59, "94287082"],
  [1111111109, "07081804"],
  [1111111111, "14050471"],
  [1234567890, "89005924"],
  [2000000000, "69279037"],
  [20000000000, "65353130"],
];

export function totpSuite(): void {
  describe("base32", () => {
    it("matches RFC 4648's test vectors (unpadded) and decodes leniently", () => {
      const vectors = [["", ""], ["f", "MY"], ["fo", "MZXQ"], ["foo", "MZXW6"], ["foob", "MZXW6YQ"], ["fooba", "MZXW6YTB"], ["foobar", "MZXW6YTBOI"]];
      for (const [plain, encoded] of vectors) {
        expect(base32Encode(text(plain!))).toBe(encoded);
        expect(new TextDecoder().decode(base32Decode(encoded!))).toBe(plain);
      }
      expect(new TextDecoder().decode(base32Decode("mzxw 6ytb-oi======"))).toBe("foobar");
    });

    it("throws a TypeError for characters outside the alphabet", () => {
      for (const bad of ["MZXW1", "MZ!W6", "ÄBCD"]) expect(() => base32Decode(bad)).toThrow(TypeError);
    });
  });

  describe("TOTP", () => {
    it("reproduces RFC 6238's SHA-1 test vectors (8 digits, 30 s)", () => {
      for (const [seconds, code] of RFC_VECTORS) {
        expect(generateTotp(RFC_SECRET, { digits: 8, timestamp: seconds * 1000 })).toBe(code);
        expect(verifyTotp(code, RFC_SECRET, { digits: 8, timestamp: seconds * 1000, window: 0 })).toBe(Math.floor(seconds / 30));
      }
      // 6 digits are the last six of the same value.
      expect(generateTotp(RFC_SECRET, { timestamp: 59_000 })).toBe("287082");
    });

    it("returns the matched step inside ±window only, so callers can refuse replays", () => {
      const secret = generateTotpSecret();
      const now = 1_700_000_000_000;
      const step = Math.floor(now / 30_000);
      const previous = generateTotp(secret, { timestamp: now - 30_000 });
      const twoBack = generateTotp(secret, { timestamp: now - 60_000 });
      expect(verifyTotp(generateTotp(secret, { timestamp: now }), secret, { timestamp: now })).toBe(step);
      expect(verifyTotp(previous, secret, { timestamp: now })).toBe(step - 1);
      expect(verifyTotp(generateTotp(secret, { timestamp: now + 30_000 }), secret, { timestamp: now })).toBe(step + 1);
      expect(verifyTotp(previous, secret, { timestamp: now, window: 0 })).toBeNull();
      expect(verifyTotp(twoBack, secret, { timestamp: now })).toBeNull();
      expect(verifyTotp(twoBack, secret, { timestamp: now, window: 2 })).toBe(step - 2);
      // A custom step and digits.
      const code = generateTotp(secret, { step: 60, digits: 7, timestamp: now });
      expect(code).toMatch(/^\d{7}$/);
      expect(verifyTotp(code, secret, { step: 60, digits: 7, timestamp: now })).toBe(Math.floor(now / 60_000));
    });

    it("malformed codes and secrets are null, never a throw; the code is trimmed", () => {
      const secret = generateTotpSecret();
      const now = 1_700_000_000_000;
      const code = generateTotp(secret, { timestamp: now });
      expect(verifyTotp(` ${code}\n`, secret, { timestamp: now })).not.toBeNull();
      const bad: unknown[] = [undefined, null, Number(code), code.slice(1), `${code}0`, "abcdef", `${code.slice(0, 5)}x`, "１２３４５６", "1".repeat(10_000), [code]];
      for (const value of bad) expect(verifyTotp(value, secret, { timestamp: now })).toBeNull();
      expect(verifyTotp(code, "not base32!", { timestamp: now })).toBeNull();
      expect(verifyTotp(code, "", { timestamp: now })).toBeNull();
      expect(verifyTotp(code, generateTotpSecret(), { timestamp: now })).toBeNull();
    });

    it("generates 160-bit base32 secrets, unique each time", () => {
      const secrets = new Set(Array.from({ length: 50 }, () => generateTotpSecret()));
      expect(secrets.size).toBe(50);
      for (const secret of secrets) {
        expect(secret).toMatch(/^[A-Z2-7]{32}$/);
        expect(base32Decode(secret)).toHaveLength(20);
      }
    });

    it("builds the otpauth URI authenticator apps import", () => {
      const uri = getTotpUri({ secret: "jbsw y3dp ehpk 3pxp", issuer: "Acme Inc", account: "ada@example.com" });
      expect(uri).toBe("otpauth://totp/Acme%20Inc:ada%40example.com?secret=JBSWY3DPEHPK3PXP&algorithm=SHA1&digits=6&period=30&issuer=Acme%20Inc");
      expect(getTotpUri({ secret: "JBSWY3DPEHPK3PXP", issuer: "A", account: "u1", digits: 8, step: 60 })).toContain("&digits=8&period=60&");
    });
  });

  describe("backup codes", () => {
    it("generates n unique xxxxx-xxxxx codes with scrypt hashes in the same order", async () => {
      const { codes, hashes } = await generateBackupCodes(10);
      expect(codes).toHaveLength(10);
      expect(new Set(codes).size).toBe(10);
      for (const code of codes) expect(code).toMatch(/^[0-9a-f]{5}-[0-9a-f]{5}$/);
      expect(hashes).toHaveLength(10);
      for (const hash of hashes) expect(hash).toMatch(/^scrypt\$N=4096,r=8,p=1\$/);
      expect(hashes.join()).not.toContain(codes[0]!);
      // The ordinary password verifier accepts them (one format everywhere).
      expect(await verifyPassword(codes[3], hashes[3])).toBe(true);
      expect((await generateBackupCodes()).codes).toHaveLength(10);
    });

    it("verifies a code to its index, forgiving case, spaces and the dash; tombstones never match", async () => {
      const { codes, hashes } = await generateBackupCodes(3);
      expect(await verifyBackupCode(codes[2], hashes)).toEqual({ matched: true, index: 2 });
      expect(await verifyBackupCode(` ${codes[1]!.toUpperCase().replace("-", "")} `, hashes)).toEqual({ matched: true, index: 1 });
      const used = [...hashes];
      used[2] = "";
      expect(await verifyBackupCode(codes[2], used)).toEqual({ matched: false, index: -1 });
      expect(await verifyBackupCode(codes[0], used)).toEqual({ matched: true, index: 0 });
    });

    it("bad input is a non-match, never a throw", async () => {
      const { codes, hashes } = await generateBackupCodes(1);
      const bad: unknown[] = [undefined, null, 12345, "zzzzz-zzzzz", "0000-00000", `${codes[0]}0`, "x".repeat(100_000), [codes[0]]];
      for (const code of bad) expect(await verifyBackupCode(code, hashes)).toEqual({ matched: false, index: -1 });
      expect(await verifyBackupCode(codes[0], "nope" as unknown as string[])).toEqual({ matched: false, index: -1 });
      expect(await verifyBackupCode(codes[0], [null, "garbage", 7] as unknown as string[])).toEqual({ matched: false, index: -1 });
      await expect(generateBackupCodes(0)).rejects.toThrow(RangeError);
      await expect(generateBackupCodes(101)).rejects.toThrow(RangeError);
    });
  });
}
