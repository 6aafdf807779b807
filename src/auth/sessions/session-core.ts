/**
 * What every server-session transport shares (spec 40 §6.3): loading a session and its user,
 * minting a fresh one with rotation, revoking, "log out everywhere", and activity stamping.
 * `cookieSession` and the Passport adapter wrap it with their own credential extraction.
 * @module
 */
import type { Context } from "hono";
import type { Authenticated, AuthUser, GetUserById, GetUserContext, SessionData, SessionStore } from "../types.js";
import type { StoreResolver } from "./default-store.js";
import { isPlausibleSessionId, newSessionId } from "./session-id.js";
import { requestMeta } from "./request-meta.js";
import { toUserContext } from "./user-context.js";

/** `lastActiveAt` is written at most this often per session. */
export const ACTIVITY_STAMP_INTERVAL_MS = 60_000;

/** Options shared by server-session transports. */
export interface SessionCoreOptions {
  getUserById: GetUserById;
  stores: StoreResolver;
  ttlMs: number;
  getUserContext?: GetUserContext;
  /** Clock in epoch ms (tests inject one). */
  now?: () => number;
}

/** Runs `work` after the response where the runtime allows it (Workers' waitUntil), never failing the request. */
export function fireAndForget(c: Context | undefined, work: () => Promise<unknown>): void {
  const promise = work().catch(() => {});
  try {
    c?.executionCtx.waitUntil(promise);
  } catch {
    // No ExecutionContext (Node, app.request in tests): the promise simply runs on.
  }
}

/** Ends every session of `userId` except `exceptId`, via the per-user index when the store has one. */
export async function endUserSessions(store: SessionStore, userId: string, exceptId?: string): Promise<number> {
  if (exceptId === undefined && store.deleteByUser) return store.deleteByUser(userId);
  const sessions = store.getByUser ? await store.getByUser(userId) : ((await store.getAll?.()) ?? []).filter((s) => s.userId === userId);
  const doomed = sessions.filter((session) => session.userId === userId && session.id !== exceptId);
  await Promise.all(doomed.map((session) => store.delete(session.id)));
  return doomed.length;
}

/** The shared session operations. */
export function sessionCore(options: SessionCoreOptions) {
  const now = options.now ?? Date.now;

  /** Stamps `lastActiveAt` when the last stamp is older than the interval, after the response. */
  const stamp = (c: Context | undefined, store: SessionStore, session: SessionData): void => {
    const at = now();
    const last = session.data?.lastActiveAt;
    if (typeof last === "number" && at - last < ACTIVITY_STAMP_INTERVAL_MS) return;
    const data = { ...session.data, lastActiveAt: at };
    fireAndForget(c, async () => {
      if (store.update) return store.update(session.id, data);
      // Without a conditional update, re-read first so a logout in between is not undone (narrow race).
      const current = await store.get(session.id);
      if (current) await store.set(session.id, { ...current, data: { ...current.data, lastActiveAt: at } }, current.expiresAt.getTime() - now());
    });
  };

  return {
    /** The session `id` names and its user, or null (implausible id, no live session, deleted user). */
    async load(c: Context | undefined, id: string | undefined): Promise<Authenticated | null> {
      if (!isPlausibleSessionId(id)) return null;
      const store = c ? options.stores.forRequest(c) : options.stores.current();
      const session = await store.get(id);
      if (!session || session.expiresAt.getTime() <= now()) return null;
      const user = await options.getUserById(session.userId);
      if (!user) {
        // The user is gone: the session can never authenticate again.
        fireAndForget(c, () => store.delete(id));
        return null;
      }
      stamp(c, store, session);
      return { user: await toUserContext(user, session.id, session.expiresAt, options.getUserContext), session };
    },

    /** Revokes `previousIds` (rotation), then stores a fresh session for `userId`. Throws for an unknown user. */
    async mint(c: Context, userId: string, meta: Record<string, unknown> | undefined, previousIds: (string | undefined)[]): Promise<{ user: AuthUser; session: SessionData }> {
      const store = options.stores.forRequest(c);
      for (const id of previousIds) if (isPlausibleSessionId(id)) await store.delete(id);
      const user = await options.getUserById(userId);
      if (!user) throw new Error("Cannot issue a session: user not found");
      const createdAt = new Date(now());
      const session: SessionData = {
        id: newSessionId(),
        userId: String(user.id),
        createdAt,
        expiresAt: new Date(createdAt.getTime() + options.ttlMs),
        data: { ...requestMeta(c), ...meta },
      };
      await store.set(session.id, session, options.ttlMs);
      return { user, session };
    },

    /** Deletes the named session; errors are swallowed (logout never fails). */
    async revoke(c: Context | undefined, id: string | undefined): Promise<void> {
      if (!isPlausibleSessionId(id)) return;
      try {
        await (c ? options.stores.forRequest(c) : options.stores.current()).delete(id);
      } catch {
        // Logout must answer 200 regardless (spec 40 §4); the session then just runs out.
      }
    },

    /** The live session `id` names, or null. */
    async find(c: Context | undefined, id: string | undefined): Promise<SessionData | null> {
      if (!isPlausibleSessionId(id)) return null;
      return (c ? options.stores.forRequest(c) : options.stores.current()).get(id);
    },

    /** "Log out everywhere". */
    invalidate(userId: string, exceptId?: string): Promise<number> {
      return endUserSessions(options.stores.current(), userId, exceptId);
    },
  };
}
