/** The structured logger: record shape, levels, child, sinks, env defaults, the global and log(). */
import { afterEach, describe, expect, it, vi } from "vitest";
import { createLogger, getLogger, log, setLogger, type LogRecord } from "../../src/index.js";

const capture = (level?: "debug" | "info" | "warn" | "error", base?: Record<string, unknown>) => {
  const records: LogRecord[] = [];
  return { records, logger: createLogger({ level, base, sink: (r) => records.push(r) }) };
};

afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

describe("createLogger", () => {
  it("writes { level, time, msg, ...base, ...fields } and drops records below the level", () => {
    const { records, logger } = capture("info", { service: "api" });
    logger.debug("hidden");
    logger.info("hello", { user: 1 });
    logger.warn("careful");
    logger.error("bad", { service: "override" });
    expect(records.map((r) => r.level)).toEqual(["info", "warn", "error"]);
    expect(records[0]).toEqual({ level: "info", time: expect.any(String), msg: "hello", service: "api", user: 1 });
    expect(Number.isNaN(Date.parse(records[0]!.time))).toBe(false);
    expect(records[2]!.service).toBe("override");
    expect(logger.level).toBe("info");
  });

  it("keeps level and msg even when fields try to override them", () => {
    const { records, logger } = capture("debug");
    logger.warn("real", { level: "debug", msg: "fake" });
    expect(records[0]).toMatchObject({ level: "warn", msg: "real" });
  });

  it("child() adds base fields and keeps level and sink", () => {
    const { records, logger } = capture("warn", { app: "a" });
    const child = logger.child({ requestId: "r1" }).child({ traceId: "t1" });
    child.info("dropped");
    child.warn("kept");
    expect(child.level).toBe("warn");
    expect(records).toEqual([{ level: "warn", time: expect.any(String), msg: "kept", app: "a", requestId: "r1", traceId: "t1" }]);
  });

  it("ignores a sink that throws", () => {
    const logger = createLogger({ sink: () => { throw new Error("disk full"); }, level: "info" });
    expect(() => logger.error("x")).not.toThrow();
  });

  it("rejects an invalid level", () => {
    expect(() => createLogger({ level: "verbose" as never })).toThrow();
  });

  it("the default sink writes one JSON line on the console method of the level, surviving cycles, bigints and errors", () => {
    const spies = { debug: vi.spyOn(console, "debug").mockImplementation(() => {}), log: vi.spyOn(console, "log").mockImplementation(() => {}), warn: vi.spyOn(console, "warn").mockImplementation(() => {}), error: vi.spyOn(console, "error").mockImplementation(() => {}) };
    const logger = createLogger({ level: "debug" });
    const cyclic: Record<string, unknown> = { name: "loop" };
    cyclic.self = cyclic;
    logger.debug("d");
    logger.info("i", { big: 10n, cyclic });
    logger.warn("w", { error: new TypeError("nope") });
    logger.error("e");
    expect(spies.debug).toHaveBeenCalledTimes(1);
    expect(spies.log).toHaveBeenCalledTimes(1);
    expect(spies.warn).toHaveBeenCalledTimes(1);
    expect(spies.error).toHaveBeenCalledTimes(1);
    const info = JSON.parse(spies.log.mock.calls[0]![0] as string);
    expect(info).toMatchObject({ level: "info", msg: "i", big: "10", cyclic: { name: "loop", self: "[Circular]" } });
    expect(JSON.parse(spies.warn.mock.calls[0]![0] as string).error).toEqual({ name: "TypeError", message: "nope" });
  });
});

describe("default level from the environment", () => {
  it("reads COVARA_LOG_LEVEL case-insensitively, per record", () => {
    const records: LogRecord[] = [];
    const logger = createLogger({ sink: (r) => records.push(r) });
    vi.stubEnv("COVARA_LOG_LEVEL", "WARN");
    logger.info("dropped");
    logger.warn("kept");
    expect(logger.level).toBe("warn");
    vi.stubEnv("COVARA_LOG_LEVEL", "Debug");
    logger.debug("now kept");
    expect(records.map((r) => r.msg)).toEqual(["kept", "now kept"]);
  });

  it("ignores an invalid COVARA_LOG_LEVEL: debug with COVARA_DEBUG=1, else info", () => {
    const logger = createLogger({ sink: () => {} });
    vi.stubEnv("COVARA_LOG_LEVEL", "loud");
    vi.stubEnv("COVARA_DEBUG", "");
    expect(logger.level).toBe("info");
    vi.stubEnv("COVARA_DEBUG", "1");
    expect(logger.level).toBe("debug");
    vi.stubEnv("COVARA_LOG_LEVEL", "error");
    expect(logger.level).toBe("error");
  });
});

describe("getLogger / setLogger / log", () => {
  afterEach(() => setLogger(undefined));
  it("log() delegates to the logger set with setLogger; undefined restores the default", () => {
    const { records, logger } = capture("debug");
    setLogger(logger);
    expect(getLogger()).toBe(logger);
    log("warn", "through log()", { a: 1 });
    expect(records).toEqual([{ level: "warn", time: expect.any(String), msg: "through log()", a: 1 }]);
    setLogger(undefined);
    expect(getLogger()).not.toBe(logger);
  });
});
