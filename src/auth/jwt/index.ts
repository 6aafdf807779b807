/** JWT identity for `covara/auth`: the `jwtSession` strategy, the README's JWT adapter and refresh stores. */
export { jwtSession, type JwtSessionStrategy } from "./session.js";
export { createJWTAdapter, type JWTAdapter, type JWTAdapterOptions, type JwtAdapterTokenOptions } from "./adapter.js";
export type { JwtSessionOptions } from "./core.js";
export type { CreateUser, ValidatePassword } from "./adapter-routes.js";
export type { OnTokenRefresh, RefreshErrorCode } from "./refresh-route.js";
export type { RefreshCookieOptions } from "./cookie.js";
export { JWT_ALGORITHMS, type JwtAlgorithm, type JwtKeyInput, type JwksInput } from "./keys.js";
export { DEFAULT_MAX_TOKEN_LENGTH } from "./tokens.js";
export { createKVRefreshStore, InMemoryRefreshTokenStore, type RefreshTokenRecord, type RefreshTokenStore, type KVRefreshStoreOptions } from "./refresh-store.js";
