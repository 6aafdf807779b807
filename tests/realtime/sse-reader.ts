/**
 * Reads a `text/event-stream` response frame by frame (runtime-neutral: Node and workerd), so
 * tests assert the exact wire format: `event:` and `id:` lines, JSON data, comments.
 */
export interface SseFrame {
  event?: string;
  id?: string;
  /** Parsed JSON of the `data:` line(s). */
  data?: any;
  /** A comment line (`: ping …`). */
  comment?: string;
}

/** A stream being read in the background. */
export interface SseReader {
  frames: SseFrame[];
  /** Frames carrying a row or invalidate event (no `event:` line). */
  events(): any[];
  /** Waits until `check(frames)` holds. */
  until(check: (frames: SseFrame[]) => boolean, timeoutMs?: number): Promise<void>;
  /** Waits until the `synced` frame arrived. */
  synced(timeoutMs?: number): Promise<void>;
  /** Resolves when the server ended the stream. */
  ended: Promise<void>;
  readonly done: boolean;
  close(): Promise<void>;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function parse(block: string): SseFrame | undefined {
  const frame: SseFrame = {};
  const data: string[] = [];
  for (const line of block.split("\n")) {
    if (line.startsWith(":")) frame.comment = line.slice(1).trim();
    else if (line.startsWith("event: ")) frame.event = line.slice(7);
    else if (line.startsWith("id: ")) frame.id = line.slice(4);
    else if (line.startsWith("data: ")) data.push(line.slice(6));
  }
  if (data.length > 0) frame.data = JSON.parse(data.join("\n"));
  return frame.comment !== undefined || data.length > 0 || frame.event !== undefined ? frame : undefined;
}

/** Starts reading `res` (an SSE response). */
export function readSse(res: Response): SseReader {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  const frames: SseFrame[] = [];
  let buffer = "";
  let done = false;
  const ended = (async () => {
    try {
      for (;;) {
        const { value, done: finished } = await reader.read();
        if (finished) break;
        buffer += decoder.decode(value, { stream: true });
        let cut: number;
        while ((cut = buffer.indexOf("\n\n")) >= 0) {
          const frame = parse(buffer.slice(0, cut));
          buffer = buffer.slice(cut + 2);
          if (frame) frames.push(frame);
        }
      }
    } catch {
      // cancelled by close()
    } finally {
      done = true;
    }
  })();
  const until = async (check: (frames: SseFrame[]) => boolean, timeoutMs = 5000) => {
    const deadline = Date.now() + timeoutMs;
    while (!check(frames)) {
      if (Date.now() > deadline) throw new Error(`SSE condition not met within ${timeoutMs} ms; frames: ${JSON.stringify(frames)}`);
      if (done && !check(frames)) throw new Error(`SSE stream ended; frames: ${JSON.stringify(frames)}`);
      await sleep(5);
    }
  };
  return {
    frames,
    events: () => frames.filter((f) => f.event === undefined && f.data !== undefined).map((f) => f.data),
    until,
    synced: (timeoutMs) => until((fs) => fs.some((f) => f.event === "synced"), timeoutMs),
    ended,
    get done() {
      return done;
    },
    async close() {
      await reader.cancel().catch(() => {});
      await ended;
    },
  };
}
