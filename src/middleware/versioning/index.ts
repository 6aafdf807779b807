/**
 * API versioning (spec 90 §B.6): the version header on every response, `c.get("apiVersion")`,
 * deprecation notices (`X-Covara-Warn`, `Deprecation`, `Sunset`) for the paths they cover, and an
 * optional floor below which a client's declared version is refused.
 * @module
 */
import type { MiddlewareHandler } from "hono";
import { ResourceError } from "../../errors/problem.js";
import { setResponseHeaders } from "../headers.js";

declare module "hono" {
  interface ContextVariableMap {
    /** The API version of this request (the client's declared version, else the server's). */
    apiVersion: string;
  }
}

/** This package's version (kept equal to package.json by a test). */
export const COVARA_VERSION = "0.1.0";

/** One deprecation notice. */
export interface Deprecation {
  feature?: string;
  message: string;
  replacement?: string;
  /** `YYYY-MM-DD` (or any date `Date` parses). */
  sunsetDate?: string;
  /** Path prefixes the notice applies to; all paths when absent or empty. */
  affectedPaths?: string[];
  /** Informational: fields the notice concerns. */
  affectedFields?: string[];
}

/** Options of `versioningMiddleware`. */
export interface VersioningConfig {
  /** Default `COVARA_VERSION`. */
  currentVersion?: string;
  /** Request and response header. Default `X-Covara-Version`. */
  headerName?: string;
  deprecations?: Deprecation[];
  /** Alias of `deprecations`. */
  deprecationWarnings?: Deprecation[];
  /** A request declaring an older version in `headerName` gets 400 `unsupported-version`. */
  minSupportedVersion?: string;
}

const SEMVER = /^v?(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$/;

function parse(version: string): [number, number, number, string | undefined] | null {
  const m = SEMVER.exec(version.trim());
  return m ? [Number(m[1]), Number(m[2]), Number(m[3]), m[4]] : null;
}

/**
 * Whether `client` is at least `minimum` (semver: major, minor, patch; a pre-release sorts
 * before its release). An unparsable version is never enough.
 * @example checkMinimumVersion("1.4.0", "1.2.0") // true
 */
export function checkMinimumVersion(client: string, minimum: string): boolean {
  const a = parse(client);
  const b = parse(minimum);
  if (!a || !b) return false;
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return (a[i] as number) > (b[i] as number);
  if (a[3] === b[3]) return true;
  if (a[3] === undefined) return true;
  if (b[3] === undefined) return false;
  return a[3].localeCompare(b[3], "en", { numeric: true }) >= 0;
}

/**
 * Wraps a payload with the version and the time.
 * @example c.json(wrapWithVersion(rows)) // { data: rows, version: "0.1.0", timestamp: "…" }
 */
export function wrapWithVersion<T>(data: T, version: string = COVARA_VERSION): { data: T; version: string; timestamp: string } {
  return { data, version, timestamp: new Date().toISOString() };
}

/** 400: the client declared a version older than `minSupportedVersion`. */
export class UnsupportedVersionError extends ResourceError {
  constructor(clientVersion: string, minSupportedVersion: string, headers: Record<string, string> = {}) {
    super(400, "UNSUPPORTED_VERSION", `API version ${clientVersion} is no longer supported; upgrade to ${minSupportedVersion} or later`, {
      clientVersion,
      minSupportedVersion,
    }, { headers });
  }
}

function applies(d: Deprecation, path: string): boolean {
  if (!d.affectedPaths || d.affectedPaths.length === 0) return true;
  return d.affectedPaths.some((p) => path === p || path.startsWith(p.endsWith("/") ? p : `${p}/`));
}

/** `Deprecation` / `Sunset` / `X-Covara-Warn` for the notices that apply. */
function deprecationHeaders(notices: Deprecation[]): [string, string][] {
  if (notices.length === 0) return [];
  const headers: [string, string][] = [["X-Covara-Warn", notices.map((d) => d.message).join("; ")]];
  const sunsets = notices.map((d) => (d.sunsetDate ? new Date(d.sunsetDate) : null)).filter((d): d is Date => d !== null && !Number.isNaN(d.getTime()));
  if (sunsets.length === 0) return [...headers, ["Deprecation", "true"]];
  const earliest = new Date(Math.min(...sunsets.map((d) => d.getTime())));
  return [...headers, ["Deprecation", earliest.toISOString().slice(0, 10)], ["Sunset", earliest.toUTCString()]];
}

/**
 * Sets the version header on every response and `c.get("apiVersion")`, and announces
 * deprecations for the paths they cover.
 * @example app.use("*", versioningMiddleware({ currentVersion: "2.1.0", minSupportedVersion: "2.0.0" }));
 */
export function versioningMiddleware(config: VersioningConfig = {}): MiddlewareHandler {
  const current = config.currentVersion ?? COVARA_VERSION;
  const headerName = config.headerName ?? "X-Covara-Version";
  const deprecations = config.deprecations ?? config.deprecationWarnings ?? [];
  if (config.minSupportedVersion !== undefined && !parse(config.minSupportedVersion)) {
    throw new TypeError(`versioning: minSupportedVersion must be a semantic version, got ${config.minSupportedVersion}`);
  }
  return async (c, next) => {
    const declared = c.req.header(headerName)?.trim();
    const valid = declared && parse(declared) ? declared : undefined;
    if (config.minSupportedVersion && declared && !checkMinimumVersion(declared, config.minSupportedVersion)) {
      // An unparsable declared version is refused too; its text is not echoed back.
      throw new UnsupportedVersionError(valid ?? "(invalid)", config.minSupportedVersion, { [headerName]: current });
    }
    c.set("apiVersion", valid ?? current);
    await next();
    setResponseHeaders(c, [[headerName, current], ...deprecationHeaders(deprecations.filter((d) => applies(d, c.req.path)))]);
  };
}
