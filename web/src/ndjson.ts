// Splits a streamed NDJSON body (Ollama's stream framing) into objects. A
// line may arrive in pieces, and one chunk may hold several lines.
export class NdjsonDecoder {
  private buf = '';

  push(chunk: string): unknown[] {
    this.buf += chunk;
    const out: unknown[] = [];
    let nl: number;
    while ((nl = this.buf.indexOf('\n')) >= 0) {
      const line = this.buf.slice(0, nl).trim();
      this.buf = this.buf.slice(nl + 1);
      if (line) out.push(JSON.parse(line));
    }
    return out;
  }

  flush(): unknown[] {
    const line = this.buf.trim();
    this.buf = '';
    return line ? [JSON.parse(line)] : [];
  }
}

export async function* readNdjson(body: ReadableStream<Uint8Array>): AsyncGenerator<unknown> {
  const reader = body.getReader();
  const text = new TextDecoder();
  const dec = new NdjsonDecoder();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      yield* dec.push(text.decode(value, { stream: true }));
    }
    yield* dec.push(text.decode());
    yield* dec.flush();
  } finally {
    reader.releaseLock();
  }
}
