/** placeholder */
import type { Hono } from "hono";
import type { AuthRuntime } from "../routes/runtime.js";

/** Mounts the routes when configured. */
export function mfaRoutes(_rt: AuthRuntime, _router: Hono): void {}
