/**
 * Typed environment variables (`covara/env`, also re-exported from `covara`): `createEnv`,
 * `envVariable`, the `usePublicEnv` route, and the runtime-safe flag readers.
 * @module
 */
export { createEnv, envVariable, type CreateEnvOptions } from "./create-env.js";
export { usePublicEnv, publicEnvFields, ifNoneMatch, type PublicEnvRouteConfig, type PublicEnvField } from "./public-env.js";
export { readEnv, isProduction, isDebugEnabled } from "./runtime-env.js";
export { ENV_VARIABLE, type Env, type EnvSchema, type EnvVariable, type ParsedEnv, type PublicEnv, type SafeParseSchema, type SchemaOutput } from "./types.js";
