/** `GET /me` (always 200) and `POST /logout` (200 even when anonymous) — spec 40 §4. */
import { Hono } from "hono";
import { getUser } from "../guards.js";
import type { AuthRuntime } from "./runtime.js";

/** Mounts `GET /me` and `POST /logout`. */
export function sessionRoutes(rt: AuthRuntime, router: Hono): void {
  router.get("/me", (c) => {
    const user = getUser(c);
    if (!user) return c.json({ user: null });
    return c.json({ user: rt.serialize(user), expiresAt: user.sessionExpiresAt.toISOString() });
  });

  router.post("/logout", async (c) => {
    const user = getUser(c);
    try {
      await rt.strategy.logout(c);
    } catch {
      // Revocation failures must not keep a user "logged in" client-side: the cookie is gone anyway.
    }
    if (rt.options.onLogout) await rt.options.onLogout(user, c);
    return c.json({ success: true });
  });
}
