/**
 * Covara: a Drizzle schema becomes a complete REST backend on Cloudflare Workers and Node.
 * The root entry holds the app factory, resources, errors and RSQL; everything else is a subpath.
 * @module
 */
export { createCovara, CovaraApp, type CovaraOptions, type CovaraEnv, type CovaraVariables, type RegisteredResource } from "./app/create-covara.js";
export { createSecurityHeaders, STRICT_API_CSP, type SecurityHeadersOptions } from "./app/security-headers.js";
export type { HealthConfig, HealthCheckResult, ServerState } from "./app/health.js";
export { useResource } from "./resource/router.js";
export type { ResourceConfig, ResourceAuth, ScopeFn, UserContext, PaginationConfig, FilterConfig, FieldsConfig } from "./resource/config.js";
export { readJsonBody } from "./resource/input.js";
export { requireUser } from "./resource/user.js";
export { errorHandler, notFoundHandler, formatRFC7807Error } from "./errors/handler.js";
export {
  ResourceError,
  NotFoundError,
  ValidationError,
  FilterParseError,
  UnauthorizedError,
  ForbiddenError,
  ConflictError,
  PreconditionFailedError,
  BatchLimitError,
  CursorInvalidError,
  CursorExpiredError,
  RateLimitError,
  IdempotencyMismatchError,
  PayloadTooLargeError,
  SearchError,
  SearchNotConfiguredError,
  type ProblemBody,
  type ProblemCode,
} from "./errors/problem.js";
export {
  rsql,
  parseRsql,
  toSql,
  toPredicate,
  createRsqlCache,
  eq,
  ne,
  gt,
  gte,
  lt,
  lte,
  inList,
  notIn,
  like,
  notLike,
  isNull,
  isNotNull,
  and,
  or,
  allScope,
  emptyScope,
  scopeFromString,
  isCompiledScope,
  combineScopes,
  ownerScope,
  publicScope,
  ownerOrPublic,
  scopePatterns,
  type CompiledScope,
  type RsqlNode,
  type RsqlLimits,
  type RsqlCompileOptions,
  type RsqlPredicateOptions,
  type CustomOperators,
  type CustomOperator,
} from "./rsql/index.js";
