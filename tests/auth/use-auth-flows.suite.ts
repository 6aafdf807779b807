/**
 * One-time-token flows (spec 40 §14; invariants 11–14): verification, password reset and magic
 * links sharing ONE KV token store (purpose binding is what keeps them apart), real transports,
 * tokens captured through the memory email adapter.
 */
import { Hono } from "hono";
import { beforeEach, describe, expect, it } from "vitest";
import { createKVVerificationTokenStore, createMemoryEmailAdapter, useAuth, verifyPassword, type MemoryEmailAdapter, type TokenMessage } from "../../src/auth/index.js";
import { client, directory, eventually, TRANSPORTS, type AuthTestRuntime, type Directory } from "./use-auth-fixtures.js";

/** Flow suite for one runtime. */
export function useAuthFlowsSuite(runtime: AuthTestRuntime): void {
  for (const transport of TRANSPORTS) {
    describe(`verification, reset and magic links, ${transport.name} transport (${runtime.name})`, () => {
      let dir: Directory;
      let mail: MemoryEmailAdapter;
      let verified: string[];
      let resets: { email: string; hash: string }[];
      const send = (subject: string) => async ({ identifier, token }: TokenMessage) => void (await mail.send({ to: identifier, subject, text: token }));
      const build = (ttl: { verify?: number; reset?: number; magic?: number } = {}) => {
        const kv = runtime.kv();
        const store = createKVVerificationTokenStore(kv);
        const auth = useAuth({
          session: transport.make(dir, kv),
          kv,
          login: { validateCredentials: dir.validateCredentials },
          passwordPolicy: { minLength: 10 },
          verification: { store, sendToken: send("verify"), markVerified: (email) => void verified.push(email), ...(ttl.verify ? { ttlMs: ttl.verify } : {}) },
          passwordReset: {
            store,
            sendToken: send("reset"),
            resetPassword: (email, hash) => void resets.push({ email, hash }),
            findUserByEmail: async (email) => dir.byEmail(email),
            logoutEverywhere: true,
            ...(ttl.reset ? { ttlMs: ttl.reset } : {}),
          },
          magicLink: { store, sendLink: send("magic"), findUserByEmail: async (email) => dir.byEmail(email), ...(ttl.magic ? { ttlMs: ttl.magic } : {}) },
        });
        const app = new Hono();
        app.route("/api/auth", auth.router);
        app.use("*", auth.middleware);
        return { app, c: Object.assign(client(app), { bearer: transport.name === "jwt" }) };
      };
      /** The latest token mailed to `to` for `subject`, waiting for detached sends. */
      const tokenFor = async (subject: string, to = "ada@example.com", nth = 1) => {
        const mine = () => mail.messages.filter((m) => m.subject === subject && m.to === to);
        await eventually(() => mine().length >= nth);
        return mine()[nth - 1]!.text!;
      };
      const settle = () => new Promise((resolve) => setTimeout(resolve, 50));

      beforeEach(() => {
        dir = directory();
        dir.add("ada@example.com", "old password");
        mail = createMemoryEmailAdapter();
        verified = [];
        resets = [];
      });

      it("verification: request for any address, confirm once, then 400; bad input is 400", async () => {
        const { c } = build();
        expect(await c.post("/verify/request", { email: "ada@example.com" })).toMatchObject({ status: 200, body: { success: true } });
        expect((await c.post("/verify/request", { email: "nobody@example.com" })).status).toBe(200);
        const token = await tokenFor("verify");
        expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
        expect(await tokenFor("verify", "nobody@example.com")).toBeTruthy();
        expect((await c.post("/verify/confirm", { email: "ada@example.com", token: token.slice(0, -1) + (token.endsWith("A") ? "B" : "A") })).status).toBe(400);
        // The tampered attempt did not burn the real token (a different token was consumed: none).
        expect(await c.post("/verify/confirm", { email: "ada@example.com", token })).toMatchObject({ status: 200, body: { success: true } });
        expect(verified).toEqual(["ada@example.com"]);
        const reused = await c.post("/verify/confirm", { email: "ada@example.com", token });
        expect(reused.body).toMatchObject({ status: 400, code: "VALIDATION_ERROR", detail: "Invalid or expired token" });
        for (const body of [{}, { email: "ada@example.com" }, { email: ["x"], token }, { email: "ada@example.com", token: "t".repeat(5000) }, "{oops"]) {
          expect((await c.post("/verify/confirm", body)).status).toBe(400);
        }
        expect((await c.post("/verify/request", {})).status).toBe(400);
        expect(verified).toEqual(["ada@example.com"]);
      });

      it("a token succeeds exactly once under concurrent redemption; a newer token voids older ones of that flow only", async () => {
        const { c } = build();
        await c.post("/password/forgot", { email: "ada@example.com" });
        const resetToken = await tokenFor("reset");
        await c.post("/verify/request", { email: "ada@example.com" });
        const first = await tokenFor("verify");
        await c.post("/verify/request", { email: "ada@example.com" });
        const second = await tokenFor("verify", "ada@example.com", 2);
        await c.post("/magic-link/request", { email: "ada@example.com" });
        await tokenFor("magic");
        expect((await c.post("/verify/confirm", { email: "ada@example.com", token: first })).status).toBe(400);
        const results = await Promise.all(Array.from({ length: 5 }, () => c.post("/verify/confirm", { email: "ada@example.com", token: second })));
        expect(results.map((r) => r.status).sort()).toEqual([200, 400, 400, 400, 400]);
        expect(verified).toEqual(["ada@example.com"]);
        // The verification and magic-link requests did not delete the pending reset token.
        expect((await c.post("/password/reset", { email: "ada@example.com", token: resetToken, password: "brand new password" })).status).toBe(200);
      });

      it("a verification token is never accepted by /password/reset or /magic-link/verify", async () => {
        const { c } = build();
        await c.post("/verify/request", { email: "ada@example.com" });
        const token = await tokenFor("verify");
        expect((await c.post("/password/reset", { email: "ada@example.com", token, password: "brand new password" })).status).toBe(400);
        expect((await c.post("/magic-link/verify", { email: "ada@example.com", token })).status).toBe(400);
        expect(resets).toEqual([]);
        expect(c.jar.has("session") || c.accessToken !== undefined).toBe(false);
        expect((await c.post("/verify/confirm", { email: "ada@example.com", token })).status).toBe(200);
      });

      it("expired tokens fail", async () => {
        const { c } = build({ verify: 30, reset: 30, magic: 30 });
        await c.post("/verify/request", { email: "ada@example.com" });
        await c.post("/password/forgot", { email: "ada@example.com" });
        await c.post("/magic-link/request", { email: "ada@example.com" });
        const [v, r, m] = [await tokenFor("verify"), await tokenFor("reset"), await tokenFor("magic")];
        await new Promise((resolve) => setTimeout(resolve, 60));
        expect((await c.post("/verify/confirm", { email: "ada@example.com", token: v })).status).toBe(400);
        expect((await c.post("/password/reset", { email: "ada@example.com", token: r, password: "brand new password" })).status).toBe(400);
        expect((await c.post("/magic-link/verify", { email: "ada@example.com", token: m })).status).toBe(400);
        expect(verified).toEqual([]);
        expect(resets).toEqual([]);
      });

      it("forgot and magic-link request: identical bodies for known and unknown emails; only known ones get mail", async () => {
        const { app } = build();
        const raw = async (path: string, email: string) => {
          const res = await app.request(`/api/auth${path}`, { method: "POST", body: JSON.stringify({ email }) });
          return { status: res.status, type: res.headers.get("content-type"), text: await res.text() };
        };
        for (const path of ["/password/forgot", "/magic-link/request"]) {
          expect(await raw(path, "ada@example.com")).toEqual(await raw(path, "ghost@example.com"));
          expect((await raw(path, "")).status).toBe(400);
        }
        await tokenFor("reset");
        await tokenFor("magic");
        await settle();
        expect(mail.messages.filter((m) => m.to === "ghost@example.com")).toEqual([]);
      });

      it("reset: policy before consume (token stays usable), then hash, reset and log out everywhere", async () => {
        const { app, c } = build();
        await c.post("/login", { email: "ada@example.com", password: "old password" });
        expect((await c.get("/me")).body.user.id).toBe("u1");
        const other = Object.assign(client(app), { bearer: transport.name === "jwt" });
        await other.post("/login", { email: "ada@example.com", password: "old password" });
        await c.post("/password/forgot", { email: "ada@example.com" });
        const token = await tokenFor("reset");
        const weak = await c.post("/password/reset", { email: "ada@example.com", token, password: "short" });
        expect(weak.body).toMatchObject({ status: 400, detail: "Password does not meet requirements" });
        expect(weak.body.errors[0].field).toBe("password");
        expect((await c.post("/password/reset", { email: "ada@example.com", token })).status).toBe(400);
        expect(await c.post("/password/reset", { email: "ada@example.com", token, password: "brand new password" })).toMatchObject({ status: 200, body: { success: true } });
        expect(resets).toHaveLength(1);
        expect(resets[0]!.hash).toMatch(/^scrypt\$/);
        expect(await verifyPassword("brand new password", resets[0]!.hash)).toBe(true);
        expect((await c.post("/password/reset", { email: "ada@example.com", token, password: "another new password" })).status).toBe(400);
        if (transport.name === "cookie") {
          expect((await c.get("/me")).body.user).toBeNull();
          expect((await other.get("/me")).body.user).toBeNull();
        } else {
          expect((await other.post("/refresh")).body.error.code).toBe("TOKEN_REVOKED");
        }
      });

      it("magic link: verify logs in once (login body, rotation), unknown users never get a link", async () => {
        const { c } = build();
        await c.post("/magic-link/request", { email: "ada@example.com" });
        const token = await tokenFor("magic");
        const res = await c.post("/magic-link/verify", { email: "ada@example.com", token });
        expect(res.status).toBe(200);
        expect(res.body.user).toEqual({ id: "u1", email: "ada@example.com", name: "ada", image: null });
        expect(transport.name === "cookie" ? typeof res.body.sessionId : res.body.tokenType).toBe(transport.name === "cookie" ? "string" : "Bearer");
        expect((await c.get("/me")).body.user.id).toBe("u1");
        expect((await c.post("/magic-link/verify", { email: "ada@example.com", token })).status).toBe(400);
        expect((await c.post("/magic-link/verify", { email: "ada@example.com" })).status).toBe(400);
      });
    });
  }
}
