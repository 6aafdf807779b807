/**
 * What a JWT transport accepts as a bearer: every algorithm round-trips, and every forged,
 * confused, expired, mistyped, tampered or oversized token is an anonymous request.
 * Runs on Node (tests/auth/jwt.test.ts) and inside workerd (tests/workerd/auth-jwt.test.ts).
 */
import { describe, expect, it } from "vitest";
import { exportJWK, exportPKCS8, exportSPKI, generateKeyPair, type CryptoKey as JoseCryptoKey } from "jose";
import { jwtSession, type JwtAlgorithm, type JwtSessionOptions } from "../../src/auth/index.js";
import { appFor, claims, decodePart, getUserById, login, secretBytes, SECRET, sign, unsecured, whoAmI } from "./jwt-fixtures.js";

type Pair = { publicKey: JoseCryptoKey; privateKey: JoseCryptoKey };
const pairs = new Map<string, Promise<Pair>>();
/** One extractable key pair per algorithm for the whole run (RSA generation is slow). */
const pairFor = (alg: "RS256" | "ES256" | "EdDSA"): Promise<Pair> => {
  if (!pairs.has(alg)) pairs.set(alg, generateKeyPair(alg, { extractable: true }) as Promise<Pair>);
  return pairs.get(alg)!;
};

/** Options for `alg`, exercising a different key format for each. */
async function keyOptions(alg: JwtAlgorithm): Promise<Partial<JwtSessionOptions>> {
  if (alg === "HS256") return { secret: SECRET };
  const pair = await pairFor(alg);
  if (alg === "RS256") return { privateKey: await exportPKCS8(pair.privateKey), publicKey: await exportSPKI(pair.publicKey) };
  if (alg === "ES256") return { privateKey: { ...(await exportJWK(pair.privateKey)), kid: "es-1" } };
  return { privateKey: pair.privateKey, publicKey: pair.publicKey };
}

/** The JWT token suite. */
export function jwtTokenSuite(): void {
  describe("jwt: algorithms", () => {
    for (const alg of ["HS256", "RS256", "ES256", "EdDSA"] as const) {
      it(`${alg}: an issued access token authenticates with the user's claims`, async () => {
        const app = appFor(jwtSession({ getUserById, algorithm: alg, ...(await keyOptions(alg)) }));
        const { accessToken } = await login(app);
        const [header] = accessToken.split(".");
        expect(decodePart(header)).toMatchObject({ alg, typ: "JWT" });
        const user = await whoAmI(app, accessToken);
        expect(user).toMatchObject({ id: "u1", email: "ada@example.com", name: "Ada", image: null, emailVerified: "2024-01-02T03:04:05.000Z", metadata: { role: "admin" } });
        expect(typeof user!.sessionId).toBe("string");
        expect(Date.parse(user!.sessionExpiresAt as string) - Date.now()).toBeGreaterThan(890_000);
      });
    }

    it("derives the public key from a PEM private key and writes the JWK's kid", async () => {
      const pair = await pairFor("RS256");
      const app = appFor(jwtSession({ getUserById, algorithm: "RS256", secret: await exportPKCS8(pair.privateKey), keyId: "rsa-7" }));
      const { accessToken } = await login(app);
      expect(decodePart(accessToken.split(".")[0])).toMatchObject({ kid: "rsa-7" });
      expect(await whoAmI(app, accessToken)).toMatchObject({ id: "u1" });
    });

    it("verifies against a local JWKS, choosing the key by kid", async () => {
      const pair = await pairFor("ES256");
      const other = (await generateKeyPair("ES256", { extractable: true })) as Pair;
      const privateJwk = { ...(await exportJWK(pair.privateKey)), kid: "k1" };
      const issuer = appFor(jwtSession({ getUserById, algorithm: "ES256", privateKey: privateJwk }));
      const jwks = { keys: [{ ...(await exportJWK(other.publicKey)), kid: "k0", alg: "ES256" }, { ...(await exportJWK(pair.publicKey)), kid: "k1", alg: "ES256" }] };
      const verifier = appFor(jwtSession({ getUserById, algorithm: "ES256", jwks }));
      const { accessToken } = await login(issuer);
      expect(await whoAmI(verifier, accessToken)).toMatchObject({ id: "u1" });
      // Same claims under an unknown kid, or signed by the wrong key of the set: rejected.
      expect(await whoAmI(verifier, await sign(claims(), pair.privateKey, "ES256", { kid: "nope" }))).toBeNull();
      expect(await whoAmI(verifier, await sign(claims(), other.privateKey, "ES256", { kid: "k1" }))).toBeNull();
      // A verify-only configuration cannot issue.
      await expect(jwtSession({ getUserById, algorithm: "ES256", jwks }).issue({} as never, "u1")).rejects.toThrow();
    });

    it("refuses unusable configurations when built", () => {
      expect(() => jwtSession({ getUserById, secret: "too-short" })).toThrow(/32 bytes/);
      expect(() => jwtSession({ getUserById })).toThrow(/secret/);
      expect(() => jwtSession({ getUserById, secret: SECRET, algorithm: "none" as never })).toThrow(/unsupported/);
      expect(() => jwtSession({ getUserById, secret: SECRET, algorithm: "RS256" })).toThrow(/PEM/);
      expect(() => jwtSession({ getUserById, secret: SECRET, publicKey: SECRET })).toThrow(/HS256/);
      expect(() => jwtSession({ getUserById, secret: SECRET, accessTokenTtl: 0 })).toThrow(/accessTokenTtl/);
      expect(() => jwtSession({ getUserById, secret: SECRET, refreshTokenTtl: 400 * 86400 })).toThrow(/refreshTokenTtl/);
    });
  });

  describe("jwt: rejected bearers", () => {
    const app = appFor(jwtSession({ getUserById, secret: SECRET }));

    it("accepts a hand-signed token with the right shape (the control)", async () => {
      expect(await whoAmI(app, await sign(claims(), secretBytes))).toMatchObject({ id: "u1" });
    });

    it("rejects alg none, with or without a signature part", async () => {
      const token = unsecured(claims());
      expect(await whoAmI(app, token)).toBeNull();
      expect(await whoAmI(app, `${token}c2ln`)).toBeNull();
    });

    it("rejects algorithms other than the configured one, even with the same secret", async () => {
      expect(await whoAmI(app, await sign(claims(), secretBytes, "HS512"))).toBeNull();
      expect(await whoAmI(app, await sign(claims(), secretBytes, "HS384"))).toBeNull();
      const pair = await pairFor("ES256");
      expect(await whoAmI(app, await sign(claims(), pair.privateKey, "ES256"))).toBeNull();
    });

    it("rejects HS256 signed with the RS256 public key (algorithm confusion)", async () => {
      const pair = await pairFor("RS256");
      const publicPem = await exportSPKI(pair.publicKey);
      const rsa = appFor(jwtSession({ getUserById, algorithm: "RS256", privateKey: await exportPKCS8(pair.privateKey), publicKey: publicPem }));
      const forged = await sign(claims(), new TextEncoder().encode(publicPem), "HS256");
      expect(await whoAmI(rsa, forged)).toBeNull();
      expect(await whoAmI(rsa, await sign(claims(), pair.privateKey, "RS256"))).toMatchObject({ id: "u1" });
    });

    it("requires exp, sub and jti", async () => {
      expect(await whoAmI(app, await sign(claims({ exp: undefined }), secretBytes))).toBeNull();
      expect(await whoAmI(app, await sign(claims({ sub: undefined }), secretBytes))).toBeNull();
      expect(await whoAmI(app, await sign(claims({ jti: undefined }), secretBytes))).toBeNull();
      expect(await whoAmI(app, await sign(claims({ sub: "" }), secretBytes))).toBeNull();
    });

    it("tolerates 30 s of clock skew on exp and no more", async () => {
      const now = Math.floor(Date.now() / 1000);
      expect(await whoAmI(app, await sign(claims({ exp: now - 10 }), secretBytes))).toMatchObject({ id: "u1" });
      expect(await whoAmI(app, await sign(claims({ exp: now - 60 }), secretBytes))).toBeNull();
      const strict = appFor(jwtSession({ getUserById, secret: SECRET, clockTolerance: 0 }));
      expect(await whoAmI(strict, await sign(claims({ exp: now - 10 }), secretBytes))).toBeNull();
    });

    it("checks iss and aud when configured; an array audience is verified against its first element", async () => {
      const scoped = jwtSession({ getUserById, secret: SECRET, issuer: "https://covara.test", audience: ["api", "admin"] });
      const scopedApp = appFor(scoped);
      const ok = claims({ iss: "https://covara.test", aud: "api" });
      expect(await whoAmI(scopedApp, await sign(ok, secretBytes))).toMatchObject({ id: "u1" });
      expect(await whoAmI(scopedApp, await sign({ ...ok, iss: "https://evil.test" }, secretBytes))).toBeNull();
      expect(await whoAmI(scopedApp, await sign({ ...ok, iss: undefined }, secretBytes))).toBeNull();
      expect(await whoAmI(scopedApp, await sign({ ...ok, aud: "admin" }, secretBytes))).toBeNull();
      expect(await whoAmI(scopedApp, await sign({ ...ok, aud: undefined }, secretBytes))).toBeNull();
      const { accessToken } = await login(scopedApp);
      const payload = decodePart(accessToken.split(".")[1]);
      expect(payload).toMatchObject({ iss: "https://covara.test", aud: ["api", "admin"], typ: "access" });
      expect(await whoAmI(scopedApp, accessToken)).toMatchObject({ id: "u1" });
      // Tokens of an unscoped issuer with the same secret do not pass.
      expect(await whoAmI(scopedApp, (await login(app)).accessToken)).toBeNull();
    });

    it("rejects a refresh token, or a token without typ, as a bearer", async () => {
      const { refreshToken } = await login(app);
      expect(await whoAmI(app, refreshToken)).toBeNull();
      expect(await whoAmI(app, await sign(claims({ typ: undefined }), secretBytes))).toBeNull();
      expect(await whoAmI(app, await sign(claims({ typ: "refresh" }), secretBytes))).toBeNull();
    });

    it("rejects a tampered signature or payload", async () => {
      const { accessToken } = await login(app);
      const [header, payload, signature] = accessToken.split(".") as [string, string, string];
      const flipped = signature.slice(0, 10) + (signature[10] === "A" ? "B" : "A") + signature.slice(11);
      expect(await whoAmI(app, `${header}.${payload}.${flipped}`)).toBeNull();
      const decoded = decodePart(payload);
      const forged = btoa(JSON.stringify({ ...decoded, sub: "u2" })).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
      expect(await whoAmI(app, `${header}.${forged}.${signature}`)).toBeNull();
      expect(await whoAmI(app, accessToken)).toMatchObject({ id: "u1" });
    });

    it("treats garbage and non-Bearer headers as anonymous", async () => {
      for (const token of ["", "abc", "a.b.c", "a.b.c.d", "...", "%%.%%.%%", "a..b", "eyJ.eyJ.!!"]) expect(await whoAmI(app, token)).toBeNull();
      const { accessToken } = await login(app);
      expect(await whoAmI(app, `Basic ${accessToken}`, true)).toBeNull();
      expect(await whoAmI(app, accessToken, true)).toBeNull();
      expect(await whoAmI(app, `bearer ${accessToken}`, true)).toMatchObject({ id: "u1" });
    });

    it("rejects a 1 MB bearer without parsing it", async () => {
      const huge = `eyJhbGciOiJIUzI1NiJ9.${"A".repeat(1024 * 1024)}.sig`;
      const started = performance.now();
      expect(await whoAmI(app, huge)).toBeNull();
      expect(performance.now() - started).toBeLessThan(500);
      // Just over the cap is rejected too, even when otherwise well-formed.
      const long = await sign(claims({ pad: "x".repeat(8200) }), secretBytes);
      expect(await whoAmI(app, long)).toBeNull();
      const roomy = appFor(jwtSession({ getUserById, secret: SECRET, maxTokenLength: 16384 }));
      expect(await whoAmI(roomy, long)).toMatchObject({ id: "u1" });
    });

    it("builds the request session from the token: sessionId = jti, expiry = exp", async () => {
      const jti = crypto.randomUUID();
      const exp = Math.floor(Date.now() / 1000) + 120;
      const res = await app.request("/me", { headers: { authorization: `Bearer ${await sign(claims({ jti, exp }), secretBytes)}` } });
      const body = (await res.json()) as { user: Record<string, unknown>; session: Record<string, unknown> };
      expect(body.user).toMatchObject({ sessionId: jti, sessionExpiresAt: new Date(exp * 1000).toISOString(), emailVerified: null, name: null });
      expect(body.session).toMatchObject({ id: jti, userId: "u1", expiresAt: new Date(exp * 1000).toISOString() });
    });
  });
}
