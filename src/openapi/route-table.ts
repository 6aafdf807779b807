/**
 * The routes Hono registered, grouped by the resource that owns them (longest mount-path
 * prefix): the single source of truth for which endpoints a resource serves.
 * @module
 */
import type { ResourceRuntime } from "../resource/runtime.js";
import { isNotServed } from "../resource/not-served.js";

/** What the documents are generated from: a `CovaraApp` fits. */
export interface OpenApiSource {
  resources: readonly { path: string; runtime: ResourceRuntime }[];
  routes: readonly { method: string; path: string; handler?: unknown }[];
  /** Adds a bearer security scheme (set when an auth adapter is installed). */
  authInstalled?: boolean;
}

/** One served endpoint: method and path relative to the mount (`""` for the mount itself). */
export interface ServedRoute {
  method: string;
  suffix: string;
}

const METHODS = new Set(["GET", "POST", "PUT", "PATCH", "DELETE"]);

/** For each resource (same order as `source.resources`), the endpoints it serves. */
export function servedRoutes(source: OpenApiSource): ServedRoute[][] {
  const mounts = source.resources.map((r) => (r.path === "/" ? "" : r.path));
  const served = mounts.map((): ServedRoute[] => []);
  const seen = new Set<string>();
  for (const { method, path, handler } of source.routes) {
    const key = `${method} ${path}`;
    // Middleware (`ALL`, wildcards), 404 placeholders and a handler registered twice are not endpoints.
    if (!METHODS.has(method) || path.includes("*") || seen.has(key) || isNotServed(handler)) continue;
    seen.add(key);
    let owner = -1;
    mounts.forEach((mount, i) => {
      const inside = mount === "" || path === mount || path.startsWith(`${mount}/`);
      if (inside && (owner < 0 || mount.length > mounts[owner]!.length)) owner = i;
    });
    if (owner >= 0) served[owner]!.push({ method, suffix: path.slice(mounts[owner]!.length).replace(/\/$/, "") });
  }
  return served;
}

/** Procedure names served under `POST /rpc/…`: a `:name` route serves every configured one. */
export function servedProcedures(rt: ResourceRuntime, routes: ServedRoute[]): string[] {
  const names = new Set<string>();
  for (const { method, suffix } of routes) {
    const match = method === "POST" ? /^\/rpc\/([^/]+)$/.exec(suffix) : null;
    if (!match) continue;
    if (match[1]!.startsWith(":")) for (const name of Object.keys(rt.config.procedures ?? {})) names.add(name);
    else names.add(match[1]!);
  }
  return [...names];
}
