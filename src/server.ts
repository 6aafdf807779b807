/** `covara/server`: the server-side API (same as the root entry, kept as the README's alias). */
export * from "./index.js";
