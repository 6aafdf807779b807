/**
 * `startServer(app, options)`: serves a Covara (or any Hono) app on Node with
 * `@hono/node-server`, and drains gracefully on SIGTERM/SIGINT (spec 30 §2–3).
 * @module
 */
import { serve, type ServerType } from "@hono/node-server";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { getHeapStatistics } from "node:v8";
import type { ServerState } from "../src/app/health.js";
import { offerNodeTarget, takeOverNodeTarget, type NodeTarget } from "../src/realtime/node-target.js";

/** Anything with a fetch handler; a `CovaraApp` also exposes its readiness state. */
export interface ServableApp {
  fetch: (request: Request, ...rest: any[]) => Response | Promise<Response>;
  serverState?: ServerState;
}

/** Options of `startServer`. */
export interface StartServerOptions {
  /** Default `Number(process.env.PORT)`, else 3000. `0` picks a free port. */
  port?: number;
  hostname?: string;
  onListen?: (info: { port: number; address: string }) => void;
  /** Install SIGTERM/SIGINT handlers. Default true. */
  gracefulShutdown?: boolean;
  /** Upper bound of the drain window. Default 10 000 ms. */
  drainTimeoutMs?: number;
}

/** A running server. */
export interface RunningServer {
  port: number;
  address: string;
  /** Flips readiness to 503, waits for in-flight requests (bounded), closes the listener. */
  close: () => Promise<void>;
}

// Signals are process-wide: one handler drains every server this process started.
const servers = new Set<() => Promise<void>>();
let signalsInstalled = false;
let longestDrainMs = 0;

function installSignalHandlers(drainTimeoutMs: number): void {
  longestDrainMs = Math.max(longestDrainMs, drainTimeoutMs);
  if (signalsInstalled) return;
  signalsInstalled = true;
  let signalled = false;
  const onSignal = () => {
    if (signalled) process.exit(0);
    signalled = true;
    setTimeout(() => process.exit(0), longestDrainMs + 1000).unref();
    Promise.all([...servers].map((close) => close())).then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);
}

/**
 * Starts listening; resolves once the socket is bound.
 * @example await startServer(app, { port: 3000 });
 */
export async function startServer(app: ServableApp, options: StartServerOptions = {}): Promise<RunningServer> {
  const port = options.port ?? (process.env.PORT ? Number(process.env.PORT) : 3000);
  const drainTimeoutMs = options.drainTimeoutMs ?? 10_000;
  const state = app.serverState ?? { shuttingDown: false };
  state.heapLimitBytes = getHeapStatistics().heap_size_limit;

  let inFlight = 0;
  let idle: (() => void) | undefined;
  const fetch = async (request: Request, env: { outgoing?: NodeTarget } | undefined, ...rest: unknown[]) => {
    inFlight++;
    // HEAD answers have no body to stream into.
    const outgoing = request.method === "HEAD" ? undefined : env?.outgoing;
    if (outgoing) offerNodeTarget(outgoing);
    try {
      const response = await app.fetch(request, env, ...rest);
      return outgoing ? takeOverNodeTarget(outgoing, response) : response;
    } finally {
      // Streaming responses count until their handler returns, not until the stream ends.
      if (--inFlight === 0) idle?.();
    }
  };

  const server: ServerType = await new Promise((resolve) => {
    const s = serve({ fetch, port, hostname: options.hostname }, () => resolve(s));
  });
  const info = server.address() as AddressInfo;
  options.onListen?.({ port: info.port, address: info.address });

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      servers.delete(close);
      state.shuttingDown = true;
      // Streams never finish on their own: end them cleanly so clients reconnect elsewhere and resume.
      state.closeStreams?.();
      const deadline = Date.now() + drainTimeoutMs;
      if (inFlight > 0) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, drainTimeoutMs);
          idle = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
      // close() stops accepting and ends idle keep-alive sockets; sockets still writing a
      // response finish it first, and whatever is left at the deadline is cut.
      const http = server as Server;
      await new Promise<void>((resolve, reject) => {
        const backstop = setTimeout(() => http.closeAllConnections(), Math.max(0, deadline - Date.now()));
        // A socket that just finished its response goes idle; end it instead of waiting for keep-alive.
        const sweep = setInterval(() => http.closeIdleConnections(), 25);
        http.close((error) => {
          clearTimeout(backstop);
          clearInterval(sweep);
          if (error) reject(error);
          else resolve();
        });
        http.closeIdleConnections();
      });
    })());

  if (options.gracefulShutdown !== false) {
    servers.add(close);
    installSignalHandlers(drainTimeoutMs);
  }
  return { port: info.port, address: info.address, close };
}
