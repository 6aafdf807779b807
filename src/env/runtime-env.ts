/**
 * Reads framework flags from `process.env` when the runtime has one (Node; Workers with
 * nodejs_compat and a recent compatibility date), without importing any Node module.
 * @module
 */

/** A variable from `process.env`, or undefined where there is none. */
export function readEnv(name: string): string | undefined {
  const proc = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process;
  return proc?.env?.[name];
}

/** `NODE_ENV === "production"`. */
export function isProduction(): boolean {
  return readEnv("NODE_ENV") === "production";
}

/** `COVARA_DEBUG === "1"`. */
export function isDebugEnabled(): boolean {
  return readEnv("COVARA_DEBUG") === "1";
}
