/**
 * An email adapter that sends nothing and remembers every message: for tests (read the token a
 * flow just mailed) and local development. Not for production: messages stay in memory.
 * @module
 */
import type { EmailAdapter, EmailMessage } from "./types.js";

/** The memory adapter: an `EmailAdapter` (provider `"memory"`) plus what it recorded. */
export interface MemoryEmailAdapter extends EmailAdapter {
  provider: "memory";
  /** Every message sent, oldest first, each with the id `send` returned. */
  readonly messages: ReadonlyArray<EmailMessage & { id: string }>;
  /** Forgets every recorded message. */
  clear(): void;
}

/**
 * Creates a memory email adapter. `send` copies the message, so later changes by the caller do
 * not alter the record; like real providers it refuses a message without recipients or subject.
 * @example
 * const email = createMemoryEmailAdapter();
 * await email.send({ to: "ada@example.com", subject: "Hi", text: "…" });
 * email.messages[0].subject // "Hi"
 */
export function createMemoryEmailAdapter(): MemoryEmailAdapter {
  const messages: (EmailMessage & { id: string })[] = [];

  function send(message: EmailMessage): { id: string } {
    const to = Array.isArray(message?.to) ? message.to : [message?.to];
    if (to.length === 0 || !to.every((address) => typeof address === "string" && address.length > 0)) {
      throw new TypeError("memory: message has no valid 'to' address");
    }
    if (typeof message.subject !== "string") throw new TypeError("memory: message has no subject");
    const id = crypto.randomUUID();
    messages.push({ ...structuredClone(message), id });
    return { id };
  }

  return {
    provider: "memory",
    messages,
    async send(message) {
      return send(message);
    },
    async sendBatch(batch) {
      return batch.map(send);
    },
    clear() {
      messages.length = 0;
    },
  };
}
