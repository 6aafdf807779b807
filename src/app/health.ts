/**
 * `/healthz` (liveness) and `/readyz` (readiness) with GET (JSON) and HEAD (status only),
 * per spec 30 §4. Readiness flips to 503 while the server drains.
 * @module
 */
import { Hono } from "hono";

/** One check's outcome. */
export interface HealthCheckResult {
  name: string;
  healthy: boolean;
  message?: string;
  latencyMs?: number;
}

/** Health endpoint options. */
export interface HealthConfig {
  enabled?: boolean;
  basePath?: string;
  version?: string;
  checks?: { custom?: () => HealthCheckResult | Promise<HealthCheckResult> };
  thresholds?: { eventLoopLagMs?: number; memoryPercent?: number };
}

/** Process facts the server adapter fills in: draining flag, V8 heap limit (Node only). */
export interface ServerState {
  shuttingDown: boolean;
  /** Closes the app's live streams (SSE) with a resumable position; called as shutdown begins. */
  closeStreams?: () => void;
  heapLimitBytes?: number;
}

const startedAt = Date.now();

async function eventLoopCheck(maxLagMs: number): Promise<HealthCheckResult> {
  const start = Date.now();
  await new Promise((resolve) => setTimeout(resolve, 0));
  const lag = Date.now() - start;
  return { name: "event_loop", healthy: lag <= maxLagMs, latencyMs: lag };
}

function memoryCheck(maxPercent: number, limit: number | undefined): HealthCheckResult | undefined {
  const proc = (globalThis as { process?: { memoryUsage?: () => { heapUsed: number } } }).process;
  // Compare against V8's heap limit, not heapTotal, which V8 grows lazily (heapUsed/heapTotal flaps above 90%).
  // Without a known limit (Workers, or no Node adapter) the check is skipped.
  if (typeof proc?.memoryUsage !== "function" || !limit) return undefined;
  const percent = (proc.memoryUsage().heapUsed / limit) * 100;
  return { name: "memory", healthy: percent < maxPercent, message: `${percent.toFixed(1)}% of heap limit` };
}

/** Routes for `/healthz` and `/readyz`. */
export function healthRoutes(config: HealthConfig, state: ServerState): Hono {
  const router = new Hono();
  const maxLag = config.thresholds?.eventLoopLagMs ?? 100;
  const maxMemory = config.thresholds?.memoryPercent ?? 90;

  const respond = (method: string, checks: HealthCheckResult[]) => {
    const healthy = checks.every((check) => check.healthy);
    const status = healthy ? 200 : 503;
    if (method === "HEAD") return new Response(null, { status });
    const body: Record<string, unknown> = { status: healthy ? "healthy" : "unhealthy" };
    if (config.version) body.version = config.version;
    body.timestamp = new Date().toISOString();
    body.uptime = Date.now() - startedAt;
    if (checks.length > 0) body.checks = checks;
    return Response.json(body, { status });
  };

  const liveness = async (method: string) => {
    const checks = [await eventLoopCheck(maxLag)];
    const memory = memoryCheck(maxMemory, state.heapLimitBytes);
    if (memory) checks.push(memory);
    return respond(method, checks);
  };
  const readinessHandler = async (method: string) => {
    if (state.shuttingDown) return respond(method, [{ name: "readiness", healthy: false, message: "Server is shutting down" }]);
    const checks: HealthCheckResult[] = [];
    if (config.checks?.custom) {
      try {
        checks.push(await config.checks.custom());
      } catch (error) {
        checks.push({ name: "custom", healthy: false, message: error instanceof Error ? error.message : String(error) });
      }
    }
    return respond(method, checks);
  };
  const base = config.basePath ?? "";
  // Hono answers HEAD through the GET route, dropping the body.
  router.get(`${base}/healthz`, (c) => liveness(c.req.method));
  router.get(`${base}/readyz`, (c) => readinessHandler(c.req.method));
  return router;
}
