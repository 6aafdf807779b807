/** `requireUser(c)`: the signed-in user of a request, or a 401 problem. */
import type { Context } from "hono";
import { UnauthorizedError } from "../errors/problem.js";
import type { UserContext } from "./config.js";

/** The user set by auth middleware; throws 401 `unauthorized` when there is none. */
export function requireUser(c: Context): UserContext {
  const user = c.get("user" as never) as UserContext | null | undefined;
  if (!user) throw new UnauthorizedError();
  return user;
}
