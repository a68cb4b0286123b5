// Splits a streamed NDJSON body (Ollama's stream framing) into objects. A
// line may arrive in pieces, and one chunk may hold several lines.
export class NdjsonDecoder {
  private buf = '';

  push(chunk: string): unknown[] {
    this.buf += chunk;
    const out: unknown[] = [];
    // One pass over the buffer: a chunk holding a backlog of thousands of
    // lines must not be re-copied once per line.
    let start = 0;
    let nl: number;
    while ((nl = this.buf.indexOf('\n', start)) >= 0) {
      const line = this.buf.slice(start, nl).trim();
      start = nl + 1;
      if (line) out.push(JSON.parse(line));
    }
    this.buf = this.buf.slice(start);
    return out;
  }

  flush(): unknown[] {
    const line = this.buf.trim();
    this.buf = '';
    return line ? [JSON.parse(line)] : [];
  }
}

// How long the reader may keep the page's main thread before it lets the
// event loop run (rendering, timers, input such as the stop button).
export const YIELD_EVERY_MS = 40;

const yieldToEventLoop = () => new Promise<void>((ok) => setTimeout(ok, 0));

// Reading a fetch body resolves in microtasks while the network has data
// queued, so without an explicit yield a stream that arrives faster than the
// page handles it never returns to the event loop: the page freezes, the
// stop button included, until the stream ends.
export async function* readNdjson(body: ReadableStream<Uint8Array>, yieldEveryMs = YIELD_EVERY_MS): AsyncGenerator<unknown> {
  const reader = body.getReader();
  const text = new TextDecoder();
  const dec = new NdjsonDecoder();
  let since = performance.now();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      yield* dec.push(text.decode(value, { stream: true }));
      if (performance.now() - since >= yieldEveryMs) {
        await yieldToEventLoop();
        since = performance.now();
      }
    }
    yield* dec.push(text.decode());
    yield* dec.flush();
  } finally {
    reader.releaseLock();
  }
}
