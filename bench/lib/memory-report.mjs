// Lets a benchmark read a server's memory after a full garbage collection: with MEMORY_REPORT set
// (a file path) and node --expose-gc, SIGUSR2 collects twice and writes the figures to that file.
import { writeFileSync } from "node:fs";
import { writeHeapSnapshot } from "node:v8";

/** Installs the SIGUSR2 handler when MEMORY_REPORT is set. */
export function installMemoryReport() {
  const file = process.env.MEMORY_REPORT;
  if (!file) return;
  process.on("SIGUSR2", () => {
    globalThis.gc?.();
    globalThis.gc?.();
    const { rss, heapUsed, external, arrayBuffers } = process.memoryUsage();
    // HEAP_SNAPSHOTS=1: also a snapshot per report, to see what each subscriber holds.
    if (process.env.HEAP_SNAPSHOTS === "1") writeHeapSnapshot(`${file}.${Date.now()}.heapsnapshot`);
    writeFileSync(file, JSON.stringify({ rss, heapUsed, external, arrayBuffers, at: Date.now() }));
  });
}
