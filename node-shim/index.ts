/** `covara/node`: run a Covara app on Node. */
export { startServer, type StartServerOptions, type RunningServer, type ServableApp } from "./start-server.js";
