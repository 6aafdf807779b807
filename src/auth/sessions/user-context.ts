/** Builds the request user (spec 40 §2) from the app's user record and the identity that proved it. */
import type { AuthUser, AuthUserContext, GetUserContext } from "../types.js";

/** `AuthUserContext` for `user`, with `getUserContext`'s extra metadata merged over the user's own. */
export async function toUserContext(
  user: AuthUser,
  sessionId: string,
  sessionExpiresAt: Date,
  getUserContext?: GetUserContext,
  extraMetadata?: Record<string, unknown>,
): Promise<AuthUserContext> {
  const extra = getUserContext ? await getUserContext(user) : undefined;
  const metadata = user.metadata || extra || extraMetadata ? { ...user.metadata, ...extra, ...extraMetadata } : undefined;
  return {
    id: String(user.id),
    email: user.email ?? null,
    name: user.name ?? null,
    image: user.image ?? null,
    emailVerified: user.emailVerified ?? null,
    sessionId,
    sessionExpiresAt,
    ...(metadata ? { metadata } : {}),
  };
}
