/** Reads a body stream up to a byte limit, counting as it goes (a chunked body has no length to trust). */
import { PayloadTooLargeError } from "../errors/problem.js";

/** All bytes of `stream`; a 413 problem as soon as more than `limit` bytes arrive. */
export async function readLimited(stream: ReadableStream<Uint8Array>, limit: number): Promise<Uint8Array> {
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      // Not awaited: cancelling one branch of a tee (a cloned request) settles only once the
      // other branch is cancelled too.
      reader.cancel().catch(() => {});
      throw new PayloadTooLargeError(limit);
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}
