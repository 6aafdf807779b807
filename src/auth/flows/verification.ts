/** `POST /verify/request` and `/verify/confirm` — spec 40 §14 (placeholder until step 4). */
import type { Hono } from "hono";
import type { AuthRuntime } from "../routes/runtime.js";

/** Mounts the verification routes when `verification` is configured. */
export function verificationRoutes(_rt: AuthRuntime, _router: Hono): void {}
