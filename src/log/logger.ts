/**
 * The framework's structured logger: one JSON object per line on the console (which Workers
 * logs and Node writes to stdout/stderr), filtered by `COVARA_LOG_LEVEL`.
 * @module
 */
import { isDebugEnabled, readEnv } from "../env/runtime-env.js";

/** Log levels, least to most severe. */
export type LogLevel = "debug" | "info" | "warn" | "error";

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

function threshold(): number {
  const level = readEnv("COVARA_LOG_LEVEL") as LogLevel | undefined;
  return ORDER[level && level in ORDER ? level : isDebugEnabled() ? "debug" : "info"];
}

/** Writes one structured line at `level` if `COVARA_LOG_LEVEL` lets it through. */
export function log(level: LogLevel, msg: string, fields: Record<string, unknown> = {}): void {
  if (ORDER[level] < threshold()) return;
  const line = JSON.stringify({ level, time: new Date().toISOString(), msg, ...fields });
  if (level === "error") console.error(line);
  else if (level === "warn") console.warn(line);
  else console.log(line);
}
