/**
 * The framework's structured logger (spec 90 §B.5): records `{ level, time, msg, ...base, ...fields }`
 * written as one JSON line per record to the console (which Workers logs and Node writes to
 * stdout/stderr), filtered by level. `log()` is the one-call form the framework itself uses.
 * @module
 */
import { isDebugEnabled, readEnv } from "../env/runtime-env.js";

/** Log levels, least to most severe. */
export type LogLevel = "debug" | "info" | "warn" | "error";

/** Every level, least severe first. */
export const LOG_LEVELS: readonly LogLevel[] = ["debug", "info", "warn", "error"];

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** One log record as a sink receives it. */
export interface LogRecord {
  level: LogLevel;
  /** ISO 8601. */
  time: string;
  msg: string;
  [field: string]: unknown;
}

/** Where records go. A sink that throws is ignored: logging never breaks a request. */
export type LogSink = (record: LogRecord) => void;

/** A structured logger. */
export interface Logger {
  /** The minimum level written (records below it are dropped). */
  readonly level: LogLevel;
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  /** A logger with the same level and sink whose records also carry `fields`. */
  child(fields: Record<string, unknown>): Logger;
}

/** Options of `createLogger`. */
export interface LoggerOptions {
  /** Fixed minimum level. Without it the level follows `COVARA_LOG_LEVEL` / `COVARA_DEBUG`, read per record. */
  level?: LogLevel;
  /** Default: one JSON line to `console.debug` / `console.log` / `console.warn` / `console.error`. */
  sink?: LogSink;
  /** Fields added to every record. */
  base?: Record<string, unknown>;
}

/** True for one of the four level names (exact, lower case). */
export function isLogLevel(value: unknown): value is LogLevel {
  return typeof value === "string" && Object.hasOwn(ORDER, value);
}

/** The level from `COVARA_LOG_LEVEL` (case-insensitive; invalid values ignored), else `debug` with `COVARA_DEBUG=1`, else `info`. */
export function defaultLogLevel(): LogLevel {
  const configured = readEnv("COVARA_LOG_LEVEL")?.trim().toLowerCase();
  if (isLogLevel(configured)) return configured;
  return isDebugEnabled() ? "debug" : "info";
}

/** JSON that survives cycles, bigints and Error values (which JSON.stringify renders as `{}`). */
export function toJsonLine(record: LogRecord): string {
  const seen = new WeakSet<object>();
  return JSON.stringify(record, (_key, value: unknown) => {
    if (typeof value === "bigint") return value.toString();
    if (value instanceof Error) return { name: value.name, message: value.message };
    if (typeof value === "object" && value !== null) {
      if (seen.has(value)) return "[Circular]";
      seen.add(value);
    }
    return value;
  });
}

/** The default sink: one JSON line per record on the console method matching its level. */
export const consoleSink: LogSink = (record) => {
  const line = toJsonLine(record);
  if (record.level === "error") console.error(line);
  else if (record.level === "warn") console.warn(line);
  else if (record.level === "debug") console.debug(line);
  else console.log(line);
};

/**
 * Creates a logger.
 * @example
 * const logger = createLogger({ level: "debug", base: { service: "api" } });
 * logger.child({ requestId }).info("order placed", { orderId });
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  if (options.level !== undefined && !isLogLevel(options.level)) {
    throw new Error(`createLogger: level must be one of ${LOG_LEVELS.join(", ")}`);
  }
  return build(options.level, options.sink ?? consoleSink, { ...options.base });
}

function build(fixed: LogLevel | undefined, sink: LogSink, base: Record<string, unknown>): Logger {
  const current = () => fixed ?? defaultLogLevel();
  const write = (level: LogLevel, msg: string, fields?: Record<string, unknown>) => {
    if (ORDER[level] < ORDER[current()]) return;
    // Standard keys first and last-writer-wins for the rest, but `level`/`time`/`msg` stay ours.
    const record: LogRecord = { level, time: new Date().toISOString(), msg, ...base, ...fields };
    record.level = level;
    record.msg = msg;
    try {
      sink(record);
    } catch {
      // A broken sink must not turn a log call into a failed request.
    }
  };
  return {
    get level() {
      return current();
    },
    debug: (msg, fields) => write("debug", msg, fields),
    info: (msg, fields) => write("info", msg, fields),
    warn: (msg, fields) => write("warn", msg, fields),
    error: (msg, fields) => write("error", msg, fields),
    child: (fields) => build(fixed, sink, { ...base, ...fields }),
  };
}

// The README's process-wide default. Framework code prefers the per-request logger on the
// context (`loggerFor(c)`), so tests can inject one without touching this.
let current: Logger | undefined;

/** The process-wide logger (a `createLogger()` until `setLogger` replaces it). */
export function getLogger(): Logger {
  current ??= createLogger();
  return current;
}

/** Replaces the process-wide logger; `undefined` restores the default. */
export function setLogger(logger: Logger | undefined): void {
  current = logger;
}

/** Writes one structured record at `level` through `getLogger()`. */
export function log(level: LogLevel, msg: string, fields: Record<string, unknown> = {}): void {
  getLogger()[level](msg, fields);
}
