/** The in-memory hub; it lives in `src/` because a Worker with no Durable Object bound uses it too. */
export { createMemoryHub, MemoryHub, type MemoryHubOptions } from "../../src/realtime/memory-hub.js";
