/**
 * The OpenAPI endpoints of a Covara app: openapi.json, openapi.yaml, the typegen schema and the
 * interactive reference page, each generated on first request and cached: Hono freezes its
 * routes at the first request, so every resource is mounted by then.
 * @module
 */
import { Hono } from "hono";
import { docsPage } from "./docs-page.js";
import { generateOpenAPISpec, type OpenApiConfig } from "./document.js";
import type { OpenApiSource } from "./route-table.js";
import { describeResources } from "./summary.js";
import { toYaml } from "./yaml.js";

/** Builds on first call, then serves the same value; a failed build is retried by the next call. */
function once<T>(build: () => T | Promise<T>): () => Promise<T> {
  let value: Promise<T> | undefined;
  return () => {
    if (!value) {
      value = Promise.resolve().then(build);
      value.catch(() => (value = undefined));
    }
    return value;
  };
}

/** `GET <path>/openapi.json`, `/openapi.yaml`, `/schema` and `/docs` for an app. */
export function openapiRoutes(source: OpenApiSource, config: OpenApiConfig = {}): Hono {
  const base = (config.path ?? "/__covara").replace(/\/+$/, "");
  const router = new Hono();
  const json = once(() => JSON.stringify(generateOpenAPISpec(source, config)));
  const yaml = once(async () => toYaml(JSON.parse(await json())));
  const schema = once(() => JSON.stringify(describeResources(source)));
  const origins = (config.servers ?? []).flatMap((s) => (/^https?:\/\//.test(s.url) ? [new URL(s.url).origin] : []));
  const page = once(() => docsPage(config.title ?? "Covara API", `${base}/openapi.json`, origins));

  const jsonResponse = async (text: Promise<string>) => new Response(await text, { headers: { "Content-Type": "application/json; charset=utf-8" } });
  router.get(`${base}/openapi.json`, () => jsonResponse(json()));
  router.get(`${base}/schema`, () => jsonResponse(schema()));
  router.get(`${base}/openapi.yaml`, async () => new Response(await yaml(), { headers: { "Content-Type": "text/yaml; charset=utf-8" } }));
  router.get(`${base}/docs`, async () => {
    const { html, csp } = await page();
    return new Response(html, { headers: { "Content-Type": "text/html; charset=utf-8", "Content-Security-Policy": csp } });
  });
  return router;
}
