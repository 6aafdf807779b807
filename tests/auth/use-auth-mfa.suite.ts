/**
 * MFA routes (spec 40 §15; invariants 15–17): enrolment, confirmation, the login step-up with a
 * single-use mfaToken, TOTP replay and backup-code single use — on real transports and KV.
 */
import { Hono } from "hono";
import { beforeEach, describe, expect, it } from "vitest";
import { createKVVerificationTokenStore, generateTotp, useAuth, type MfaEnrollment, type TokenMessage } from "../../src/auth/index.js";
import { client, directory, eventually, TRANSPORTS, type AuthTestRuntime, type Directory } from "./use-auth-fixtures.js";

const STEP_MS = 30_000;
/** Three distinct codes the default window accepts: previous, current and next step. */
const codes = (secret: string) => [-1, 0, 1].map((offset) => generateTotp(secret, { timestamp: Date.now() + offset * STEP_MS }));

/** MFA suite for one runtime. */
export function useAuthMfaSuite(runtime: AuthTestRuntime): void {
  for (const transport of TRANSPORTS) {
    describe(`MFA routes, ${transport.name} transport (${runtime.name})`, () => {
      let dir: Directory;
      let enrollments: Map<string, MfaEnrollment>;
      let consumed: number[];
      let links: string[];
      const build = () => {
        const kv = runtime.kv();
        const auth = useAuth({
          session: transport.make(dir, kv),
          kv,
          throttle: { maxAttempts: 4, store: kv },
          login: { validateCredentials: dir.validateCredentials },
          magicLink: { store: createKVVerificationTokenStore(kv), sendLink: ({ token }: TokenMessage) => void links.push(token), findUserByEmail: async (email) => dir.byEmail(email) },
          mfa: {
            issuer: "Acme",
            requireOnLogin: true,
            getUserByEmail: async (email) => dir.byEmail(email),
            getEnrollment: async (id) => enrollments.get(id) ?? null,
            saveEnrollment: async (id, enrollment) => void enrollments.set(id, structuredClone(enrollment)),
            consumeBackupCode: async (_id, index) => void consumed.push(index),
          },
        });
        const app = new Hono();
        app.route("/api/auth", auth.router);
        app.use("*", auth.middleware);
        return { app, fresh: () => Object.assign(client(app), { bearer: transport.name === "jwt" }) };
      };
      const login = { email: "ada@example.com", password: "pw" };
      /** Logs in (MFA not yet enabled), enrols and confirms; returns the secret and backup codes. */
      const enrol = async (c: ReturnType<ReturnType<typeof build>["fresh"]>) => {
        expect((await c.post("/login", login)).status).toBe(200);
        const res = await c.post("/mfa/enroll");
        expect(res.status).toBe(200);
        const secret: string = res.body.secret;
        expect((await c.post("/mfa/enroll/confirm", { code: codes(secret)[0] })).body).toEqual({ success: true, enabled: true });
        return { secret, backupCodes: res.body.backupCodes as string[], body: res.body };
      };

      beforeEach(() => {
        dir = directory();
        dir.add("ada@example.com", "pw");
        enrollments = new Map();
        consumed = [];
        links = [];
      });

      it("enroll: 401 anonymous; returns secret, URI and ten backup codes once; stores hashes, disabled until confirmed", async () => {
        const { fresh } = build();
        const anon = fresh();
        expect((await anon.post("/mfa/enroll")).status).toBe(401);
        expect((await anon.post("/mfa/enroll/confirm", { code: "123456" })).status).toBe(401);
        const c = fresh();
        await c.post("/login", login);
        const res = await c.post("/mfa/enroll");
        expect(res.body.secret).toMatch(/^[A-Z2-7]{32}$/);
        expect(res.body.otpauthUri).toBe(`otpauth://totp/Acme:ada%40example.com?secret=${res.body.secret}&algorithm=SHA1&digits=6&period=30&issuer=Acme`);
        expect(res.body.backupCodes).toHaveLength(10);
        for (const code of res.body.backupCodes) expect(code).toMatch(/^[0-9a-f]{5}-[0-9a-f]{5}$/);
        const stored = enrollments.get("u1")!;
        expect(stored.enabled).toBe(false);
        expect(stored.secret).toBe(res.body.secret);
        expect(stored.backupCodeHashes!.every((hash) => hash.startsWith("scrypt$"))).toBe(true);
        expect(JSON.stringify(stored)).not.toContain(res.body.backupCodes[0]);
        // Not yet enabled: password-only login still works.
        expect((await fresh().post("/login", login)).status).toBe(200);
      });

      it("confirm: 400 without a pending enrolment, 400 for a wrong or malformed code, then enabled", async () => {
        const { fresh } = build();
        const c = fresh();
        await c.post("/login", login);
        expect((await c.post("/mfa/enroll/confirm", { code: "123456" })).body).toMatchObject({ status: 400, detail: "No pending MFA enrollment" });
        const { body } = await c.post("/mfa/enroll");
        const wrong = codes(body.secret).includes("000000") ? "111111" : "000000";
        expect((await c.post("/mfa/enroll/confirm", { code: wrong })).body).toMatchObject({ status: 400, detail: "Invalid MFA code" });
        for (const code of ["12345", "1234567", "abcdef", 123456]) expect((await c.post("/mfa/enroll/confirm", { code })).status).toBe(400);
        expect((await c.post("/mfa/enroll/confirm", {})).status).toBe(400);
        expect(enrollments.get("u1")!.enabled).toBe(false);
        expect((await c.post("/mfa/enroll/confirm", { code: codes(body.secret)[1] })).status).toBe(200);
        expect(enrollments.get("u1")!.enabled).toBe(true);
      });

      it("step-up: password-only → 401 { mfaRequired, mfaToken } and no identity; a code completes it once", async () => {
        const { fresh } = build();
        const { secret } = await enrol(fresh());
        const c = fresh();
        const challenge = await c.post("/login", login);
        expect(challenge.status).toBe(401);
        expect(challenge.body).toEqual({ mfaRequired: true, mfaToken: expect.any(String) });
        expect(challenge.cookies.has("session")).toBe(false);
        expect(challenge.cookies.has("refreshToken")).toBe(false);
        expect((await c.get("/me")).body).toEqual({ user: null });
        const [, current] = codes(secret);
        const ok = await c.post("/login", { ...login, mfaCode: current });
        expect(ok.status).toBe(200);
        expect(ok.body.user.id).toBe("u1");
        // The same time step is accepted at most once per user (replay).
        const replay = await fresh().post("/login", { ...login, mfaCode: current });
        expect(replay.body).toMatchObject({ status: 401, detail: "Invalid MFA code" });
      });

      it("/mfa/verify needs a valid single-use mfaToken, even with a correct TOTP", async () => {
        const { fresh } = build();
        const { secret } = await enrol(fresh());
        const [previous, current, next] = codes(secret);
        const c = fresh();
        expect((await c.post("/mfa/verify", { email: "ada@example.com", code: current })).status).toBe(400);
        expect((await c.post("/mfa/verify", { email: "ada@example.com", code: current, mfaToken: "forged-ticket" })).status).toBe(401);
        const { body } = await c.post("/login", login);
        expect((await c.post("/mfa/verify", { email: "bob@example.com", code: current, mfaToken: body.mfaToken })).status).toBe(401);
        const second = (await c.post("/login", login)).body.mfaToken;
        const ok = await c.post("/mfa/verify", { email: "ada@example.com", code: next, mfaToken: second });
        expect(ok.status).toBe(200);
        expect(ok.body.user.id).toBe("u1");
        expect((await c.get("/me")).body.user.id).toBe("u1");
        expect((await fresh().post("/mfa/verify", { email: "ada@example.com", code: previous, mfaToken: second })).status).toBe(401);
      });

      it("a wrong code at /login or /mfa/verify counts as a throttle failure", async () => {
        const { fresh } = build();
        const { secret } = await enrol(fresh());
        const wrong = codes(secret).includes("000000") ? "111111" : "000000";
        const c = fresh();
        expect((await c.post("/login", { ...login, mfaCode: wrong })).status).toBe(401);
        const { mfaToken } = (await c.post("/login", login)).body;
        expect((await c.post("/mfa/verify", { email: "ada@example.com", code: wrong, mfaToken })).body.detail).toBe("Invalid MFA code");
        expect((await c.post("/mfa/verify", { email: "ada@example.com", code: wrong, mfaToken })).status).toBe(401);
        expect((await c.post("/mfa/verify", { email: "ada@example.com", code: wrong, mfaToken })).status).toBe(401);
        expect((await c.post("/login", { ...login, mfaCode: codes(secret)[1] })).status).toBe(429);
      });

      it("backup codes work once; the used hash is tombstoned and the app is told", async () => {
        const { fresh } = build();
        const { backupCodes } = await enrol(fresh());
        const c = fresh();
        const { mfaToken } = (await c.post("/login", login)).body;
        expect((await c.post("/mfa/verify", { email: "ada@example.com", code: backupCodes[3]!.toUpperCase(), mfaToken })).status).toBe(200);
        expect(enrollments.get("u1")!.backupCodeHashes![3]).toBe("");
        expect(enrollments.get("u1")!.backupCodeHashes!.filter((h) => h === "")).toHaveLength(1);
        expect(consumed).toEqual([3]);
        expect((await fresh().post("/login", { ...login, mfaCode: backupCodes[3] })).status).toBe(401);
        expect((await fresh().post("/login", { ...login, mfaCode: backupCodes[4] })).status).toBe(200);
      });

      it("two different backup codes used at once are both tombstoned", async () => {
        const { fresh } = build();
        const { backupCodes } = await enrol(fresh());
        const [a, b] = await Promise.all([1, 2].map((i) => fresh().post("/login", { ...login, mfaCode: backupCodes[i] })));
        expect([a!.status, b!.status]).toEqual([200, 200]);
        const hashes = enrollments.get("u1")!.backupCodeHashes!;
        expect([hashes[1], hashes[2]]).toEqual(["", ""]);
        expect(hashes.filter((h) => h === "")).toHaveLength(2);
      });

      it("re-enrolling while enabled needs a current code (403 otherwise) and is not a way to disable MFA", async () => {
        const { fresh } = build();
        const c = fresh();
        const { secret, backupCodes } = await enrol(c);
        expect((await c.post("/mfa/enroll")).body).toMatchObject({ status: 403, code: "FORBIDDEN" });
        expect((await c.post("/mfa/enroll", { code: "999999" })).status).toBe(403);
        expect(enrollments.get("u1")).toMatchObject({ secret, enabled: true });
        const again = await c.post("/mfa/enroll", { code: backupCodes[0] });
        expect(again.status).toBe(200);
        expect(again.body.secret).not.toBe(secret);
      });

      it("caps wrong codes per user on every route: past 10, re-enrolment and parallel guesses get 429, and the right code too", async () => {
        const { fresh } = build();
        const c = fresh();
        const { secret } = await enrol(c);
        const wrong = (n: number) => String((Number(codes(secret)[0]) + 500_000 + n) % 1_000_000).padStart(6, "0");
        const statuses = (await Promise.all(Array.from({ length: 12 }, (_, i) => c.post("/mfa/enroll", { code: wrong(i) })))).map((r) => r.status);
        expect(statuses.filter((s) => s === 403)).toHaveLength(10);
        expect(statuses.filter((s) => s === 429)).toHaveLength(2);
        const locked = await c.post("/mfa/enroll", { code: codes(secret)[0] });
        expect(locked.status).toBe(429);
        expect(Number(locked.headers.get("retry-after"))).toBeGreaterThan(0);
        expect(enrollments.get("u1")).toMatchObject({ secret, enabled: true });
      });

      it("magic-link verify applies the same gate", async () => {
        const { fresh } = build();
        const { secret } = await enrol(fresh());
        const c = fresh();
        await c.post("/magic-link/request", { email: "ada@example.com" });
        await eventually(() => links.length === 1);
        const gated = await c.post("/magic-link/verify", { email: "ada@example.com", token: links[0] });
        expect(gated.body).toEqual({ mfaRequired: true, mfaToken: expect.any(String) });
        expect((await c.post("/mfa/verify", { email: "ada@example.com", code: codes(secret)[2], mfaToken: gated.body.mfaToken })).status).toBe(200);
      });
    });
  }
}
