/**
 * `createAuthJsAdapter(…)`: reads sessions that Auth.js (NextAuth) wrote to its Drizzle tables, so
 * a Covara API can sit beside an Auth.js app (spec 40 §6.1). A session is valid when its
 * `sessionToken` row has `expires > now`. [dev] Issuance works too (Covara's could not log in):
 * it inserts an Auth.js session row and sets `authjs.session-token`.
 * @module
 */
import type { Context } from "hono";
import { getCookie } from "hono/cookie";
import { and, eq, gt, ne, type Column } from "drizzle-orm";
import type { AuthAdapter, Authenticated, AuthCredentials, AuthUser, GetUserContext, SessionData, SessionStrategy } from "../types.js";
import { clearSessionCookie, setSessionCookie, type SessionCookieOptions } from "./cookies.js";
import { isPlausibleSessionId, newSessionId } from "./session-id.js";
import { toUserContext } from "./user-context.js";

/** The cookie names Auth.js v5 and NextAuth v4 use, in the order they are read. */
export const AUTHJS_SESSION_COOKIES = [
  "authjs.session-token",
  "__Secure-authjs.session-token",
  "next-auth.session-token",
  "__Secure-next-auth.session-token",
] as const;

/** Options of `createAuthJsAdapter`. */
export interface AuthJsAdapterOptions {
  /** The Drizzle database Auth.js writes to (SQLite, D1 or PostgreSQL). */
  db: unknown;
  /**
   * Auth.js's Drizzle tables. `users` needs `id` (plus optional `email`, `name`, `image`,
   * `emailVerified`); `sessions` needs `sessionToken`, `userId` and `expires` (a Date column).
   */
  tables: { users: unknown; sessions: unknown; accounts?: unknown; verificationTokens?: unknown };
  /** Lifetime of sessions this adapter issues, ms; default 2592000000 (30 days, Auth.js's default). */
  sessionTtlMs?: number;
  getUserContext?: GetUserContext;
  /** Cookie set on issuance; default `"authjs.session-token"`. */
  cookieName?: string;
  cookieOptions?: SessionCookieOptions;
  /** Clock in epoch ms (tests inject one). */
  now?: () => number;
}

/** The Auth.js adapter: an `AuthAdapter` that also runs as a `SessionStrategy`. */
export type AuthJsAdapter = AuthAdapter & { toStrategy(): SessionStrategy };

type Columns = Record<string, Column>;

function requireColumns(table: unknown, keys: string[], name: string): Columns {
  const columns = table as Columns;
  for (const key of keys) if (!columns?.[key]) throw new TypeError(`createAuthJsAdapter: tables.${name} has no column '${key}'`);
  return columns;
}

/**
 * Auth.js sessions as a Covara identity transport.
 * @example
 * const adapter = createAuthJsAdapter({ db, tables: { users, sessions } });
 * app.use("*", useAuth({ adapter }).middleware);
 */
export function createAuthJsAdapter(options: AuthJsAdapterOptions): AuthJsAdapter {
  const db = options.db as any;
  const users = requireColumns(options.tables.users, ["id"], "users");
  const sessions = requireColumns(options.tables.sessions, ["sessionToken", "userId", "expires"], "sessions");
  const ttlMs = options.sessionTtlMs ?? 30 * 86_400_000;
  const now = options.now ?? Date.now;
  const cookieName = options.cookieName ?? "authjs.session-token";
  const live = () => gt(sessions.expires!, new Date(now()));

  /** The credential a request carries: the first Auth.js cookie present, else a bearer. */
  const credentialsOf = (c: Context): AuthCredentials | null => {
    for (const name of new Set<string>([...AUTHJS_SESSION_COOKIES, cookieName])) {
      const value = getCookie(c, name);
      if (value) return { type: "session", sessionId: value };
    }
    const bearer = /^bearer\s+(\S+)$/i.exec(c.req.header("authorization")?.trim() ?? "")?.[1];
    return bearer ? { type: "bearer", token: bearer } : null;
  };
  const carried = (c: Context): string | undefined => {
    const credentials = credentialsOf(c);
    return credentials?.type === "session" ? credentials.sessionId : credentials?.type === "bearer" ? credentials.token : undefined;
  };

  const toAuthUser = (row: Record<string, unknown>): AuthUser => ({
    id: String(row.id),
    email: (row.email as string | null | undefined) ?? null,
    name: (row.name as string | null | undefined) ?? null,
    image: (row.image as string | null | undefined) ?? null,
    emailVerified: row.emailVerified ? new Date(row.emailVerified as Date) : null,
  });

  const load = async (token: string | undefined): Promise<Authenticated | null> => {
    if (!isPlausibleSessionId(token)) return null;
    const rows: { user: Record<string, unknown>; expires: Date; userId: string }[] = await db
      .select({ user: options.tables.users, expires: sessions.expires, userId: sessions.userId })
      .from(options.tables.sessions)
      .innerJoin(options.tables.users, eq(users.id!, sessions.userId!))
      .where(and(eq(sessions.sessionToken!, token), live()))
      .limit(1);
    const row = rows[0];
    if (!row) return null;
    const expiresAt = new Date(row.expires);
    const session: SessionData = { id: token, userId: String(row.userId), createdAt: new Date(expiresAt.getTime() - ttlMs), expiresAt };
    return { user: await toUserContext(toAuthUser(row.user), token, expiresAt, options.getUserContext), session };
  };

  const revoke = async (token: string | undefined): Promise<void> => {
    if (isPlausibleSessionId(token)) await db.delete(options.tables.sessions).where(eq(sessions.sessionToken!, token));
  };

  const invalidateUserSessions = async (userId: string, exceptSessionId?: string): Promise<number> => {
    const mine = eq(sessions.userId!, userId);
    const where = exceptSessionId === undefined ? mine : and(mine, ne(sessions.sessionToken!, exceptSessionId));
    const rows: { expires: Date }[] = await db.delete(options.tables.sessions).where(where).returning({ expires: sessions.expires });
    const at = now();
    return rows.filter((row) => new Date(row.expires).getTime() > at).length;
  };

  const strategy: SessionStrategy = {
    name: "authjs",
    authenticate: (c) => load(carried(c)),
    async issue(c, userId) {
      // Rotation: every token the request carries dies first.
      for (const name of new Set<string>([...AUTHJS_SESSION_COOKIES, cookieName])) await revoke(getCookie(c, name));
      const userRows: Record<string, unknown>[] = await db.select().from(options.tables.users).where(eq(users.id!, userId)).limit(1);
      if (!userRows[0]) throw new Error("Cannot issue a session: user not found");
      const sessionToken = newSessionId();
      const expiresAt = new Date(now() + ttlMs);
      await db.insert(options.tables.sessions).values({ sessionToken, userId, expires: expiresAt });
      setSessionCookie(c, cookieName, sessionToken, expiresAt, options.cookieOptions);
      return { user: toAuthUser(userRows[0]), sessionId: sessionToken, expiresAt };
    },
    async logout(c) {
      try {
        await revoke(carried(c));
      } catch {
        // Logout never fails; the row simply expires.
      }
      for (const name of AUTHJS_SESSION_COOKIES) {
        if (name !== cookieName && getCookie(c, name) === undefined) continue;
        // Browsers only accept __Secure- cookies (and their removal) with Secure.
        clearSessionCookie(c, name, name.startsWith("__Secure-") ? { ...options.cookieOptions, secure: true } : options.cookieOptions);
      }
      if (!(AUTHJS_SESSION_COOKIES as readonly string[]).includes(cookieName)) clearSessionCookie(c, cookieName, options.cookieOptions);
    },
    invalidateUserSessions,
  };

  return {
    name: "authjs",
    extractCredentials: credentialsOf,
    async validateCredentials(credentials) {
      if (credentials.type === "session") return load(credentials.sessionId);
      if (credentials.type === "bearer") return load(credentials.token);
      return null;
    },
    getSession: async (c) => (await load(carried(c)))?.session ?? null,
    invalidateSession: (c) => revoke(carried(c)),
    createSession: (c, userId) => strategy.issue(c, userId),
    invalidateUserSessions,
    toStrategy: () => strategy,
  };
}
