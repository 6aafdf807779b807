/**
 * Covara: a Drizzle schema becomes a complete REST backend on Cloudflare Workers and Node.
 * The root entry holds the app factory, resources, errors and RSQL; everything else is a subpath.
 * @module
 */
export { createCovara, CovaraApp, type CovaraOptions, type CovaraEnv, type CovaraVariables, type RegisteredResource } from "./app/create-covara.js";
export { createSecurityHeaders, STRICT_API_CSP, type SecurityHeadersOptions } from "./app/security-headers.js";
export type { HealthConfig, HealthCheckResult, ServerState } from "./app/health.js";
export { useResource } from "./resource/router.js";
export { generateOpenAPISpec, type OpenApiConfig, type OpenApiSource } from "./openapi/document.js";
export { openapiRoutes } from "./openapi/routes.js";
export { describeResources, type FieldType } from "./openapi/summary.js";
export { toYaml } from "./openapi/yaml.js";
export type { ResourceConfig, ResourceAuth, ScopeFn, UserContext, PaginationConfig, FilterConfig, FieldsConfig, HookContext, ParseSchema, Procedure } from "./resource/config.js";
export { defineProcedure, procedureBuilder, type DefineProcedure, type ProcedureContext, type TypedProcedure } from "./resource/procedures.js";
export { parseInclude, relationsOf, type IncludeNode, type IncludeOptions, type Relation } from "./resource/relations/index.js";
export type { BatchConfig, RelationConfig, RelationType, IncludeConfig } from "./resource/config.js";
export type { ResourceHooks, EtagConfig, SoftDeleteConfig } from "./resource/config.js";
export { composeHooks, createTimestampHooks } from "./resource/hooks.js";
export {
  trackMutations,
  isTrackedDb,
  type TrackedDb,
  type TrackedDbMethods,
  type TrackedMutation,
  type TrackedTable,
  type TrackMutationsOptions,
  type RawSqlMutation,
} from "./realtime/track/index.js";
export { recordExternalMutation, type ExternalMutationOptions } from "./realtime/external.js";
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
  createRateLimiter,
  rateLimit,
  createResourceRateLimiter,
  createSlidingWindowRateLimiter,
  createOperationRateLimiter,
  rateLimitPresets,
  getClientIP,
  idempotencyMiddleware,
  IdempotencyStoreUnavailableError,
  versioningMiddleware,
  wrapWithVersion,
  checkMinimumVersion,
  COVARA_VERSION,
  UnsupportedVersionError,
  observabilityMiddleware,
  requestIdMiddleware,
  timingMiddleware,
  parseTraceparent,
  createMetricsCollector,
  setGlobalKV,
  getGlobalKV,
  hasGlobalKV,
  clearGlobalKV,
  type RateLimitConfig,
  type ResourceRateLimitConfig,
  type IdempotencyConfig,
  type VersioningConfig,
  type Deprecation,
  type ObservabilityConfig,
  type Span,
  type MetricsCollector,
  type RequestMetrics,
} from "./middleware/index.js";
export { createMemoryHub, MemoryHub, type MemoryHubOptions } from "./realtime/memory-hub.js";
export { setGlobalHub, getGlobalHub, clearGlobalHub } from "./realtime/default-hub.js";
export type { RealtimeOptions } from "./realtime/realtime.js";
export type { OutboxMode } from "./realtime/outbox/outbox.js";
export type { MultiplexOptions } from "./realtime/multiplex/routes.js";
export type { SseOptions } from "./realtime/options.js";
export type { BackpressurePolicy } from "./realtime/sse.js";
export { SlotLimitError, HUB_FACTORY, type HubBackend, type HubConnection, type HubConnectOptions, type ChangeEntry, type ChangeInput, type ChangeType, type ChangelogWindow, type SlotClaim } from "./realtime/types.js";
export { createLogger, getLogger, setLogger, log, type Logger, type LogLevel, type LogRecord, type LogSink, type LoggerOptions } from "./log/logger.js";
export { loggerFor } from "./log/context.js";
export { createEnv, envVariable, usePublicEnv, type Env, type EnvSchema, type PublicEnv, type PublicEnvRouteConfig } from "./env/index.js";
export type { KvStore } from "./ports/kv-store.js";
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
