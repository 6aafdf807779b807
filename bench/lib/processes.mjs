// What the benchmark drivers share about the server processes they start: a free port, waiting
// until a server answers, and its CPU time.
import { readFileSync } from "node:fs";
import { createServer } from "node:net";

/** A free loopback port (other services listen on this machine: 3306 is MariaDB). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer().listen(0, "127.0.0.1", () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
    probe.on("error", reject);
  });
}

/** Resolves once `url` answers 2xx; rejects after `ms`. */
export async function waitFor(url, ms = 15000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`server did not answer ${url}`);
}

/**
 * CPU time (user + sys) of a process in ms, from /proc (Linux): far steadier than req/s or
 * latency on a shared machine, so it shows what the work really costs the server.
 */
export function cpuMs(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}
