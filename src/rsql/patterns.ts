/**
 * Ready-made scopes and `auth` presets (10-resources §5.4, 40-auth §9.3). They depend only on the
 * structural shape of a user (`id`, `metadata`), so this module stays free of the auth module.
 * @module
 */
import { allScope, emptyScope, eq, or } from "./template.js";
import type { CompiledScope } from "./template.js";

/** The part of a user context the presets read. */
export interface ScopeUser {
  id: string | number;
  metadata?: Record<string, unknown> | undefined;
}

/** A scope function as accepted by a resource's `auth` keys. */
export type ScopeFunction = (user: ScopeUser) => CompiledScope;

/** The `auth` fragment returned by the presets. */
export interface ScopePreset {
  public?: { read?: boolean; subscribe?: boolean; create?: boolean; update?: boolean; delete?: boolean };
  scope?: ScopeFunction;
  create?: ScopeFunction;
  update?: ScopeFunction;
  delete?: ScopeFunction;
}

/**
 * Rows owned by `user`: `userId==<id>`. Usable directly as a scope function (`read: ownerScope`).
 * @example auth: { scope: (user) => ownerScope(user, "authorId") }
 */
export function ownerScope(user: ScopeUser, field = "userId"): CompiledScope {
  return eq(field, user.id);
}

/** Rows flagged public: `isPublic==true`. */
export function publicScope(field = "isPublic"): CompiledScope {
  return eq(field, true);
}

/** Rows owned by `user` or flagged public. */
export function ownerOrPublic(user: ScopeUser, ownerField = "userId", publicField = "isPublic"): CompiledScope {
  return or(ownerScope(user, ownerField), publicScope(publicField));
}

function isAdmin(user: ScopeUser): boolean {
  return user.metadata?.role === "admin";
}

/** Preset `auth` configurations. */
export const scopePatterns = {
  /** Every operation limited to the caller's own rows. */
  ownerOnly: (field = "userId"): ScopePreset => ({ scope: (user) => ownerScope(user, field) }),
  /** Anyone reads and subscribes; writes are limited to the caller's own rows. */
  publicReadOwnerWrite: (field = "userId"): ScopePreset => ({
    public: { read: true, subscribe: true },
    scope: (user) => ownerScope(user, field),
  }),
  /** Own rows, or everything for users whose `metadata.role` is `admin` (or per `adminCheck`). */
  ownerOrAdmin: (field = "userId", adminCheck: (user: ScopeUser) => boolean = isAdmin): ScopePreset => ({
    scope: (user) => (adminCheck(user) ? allScope() : ownerScope(user, field)),
  }),
  /** Rows of the caller's organisation; deny when `metadata.organizationId` is absent. */
  orgBased: (field = "organizationId"): ScopePreset => ({
    scope: (user) => {
      const org = user.metadata?.organizationId;
      return typeof org === "string" || typeof org === "number" ? eq(field, org) : emptyScope();
    },
  }),
  /** Any signed-in user may do anything. */
  authenticatedFullAccess: (): ScopePreset => ({ scope: () => allScope() }),
  /** Every operation public, even anonymously: demos only. */
  fullyPublic: (): ScopePreset => ({
    public: { read: true, subscribe: true, create: true, update: true, delete: true },
  }),
};
