// A stream that arrives faster than the page handles it must not freeze the
// page: the reader yields to the event loop, and the answer is shown in
// coalesced updates, not once per token.
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Chat, Message } from './api';
import { generate, SHOW_EVERY_MS } from './generate';
import { readNdjson } from './ndjson';

const enc = new TextEncoder();

// A body that always has the next line ready, as a backlog does: every read
// resolves at once, without a task in between.
function endless(lines: number, work = () => {}): ReadableStream<Uint8Array> {
  let i = 0;
  return new ReadableStream({
    pull(c) {
      work();
      if (i < lines) c.enqueue(enc.encode(JSON.stringify({ i: i++ }) + '\n'));
      else c.close();
    },
  });
}

function busy(ms: number) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    /* a slow page */
  }
}

describe('readNdjson', () => {
  // When, counted in lines read, a timer set before reading got to run.
  async function timerRunsAfter(yieldEveryMs: number): Promise<number> {
    let ranAt = -1;
    let read = 0;
    setTimeout(() => (ranAt = read), 0);
    for await (const _ of readNdjson(endless(50, () => busy(1)), yieldEveryMs)) read++;
    expect(read).toBe(50);
    return ranAt;
  }
  it('lets timers run while a backlog is read', async () => {
    const at = await timerRunsAfter(10);
    expect(at).toBeGreaterThanOrEqual(0);
    expect(at).toBeLessThan(50);
  });
  it('(without yielding, the same backlog holds the event loop to the end)', async () => {
    expect(await timerRunsAfter(Infinity)).toBe(-1);
  });
});

function message(id: number, role: Message['role'], content = ''): Message {
  return { id, parent_id: id - 1 || null, role, content, thinking: '', model: 'm', status: role === 'assistant' ? 'streaming' : 'done', attachments: [], stats: {}, created_at: 0, updated_at: 0 };
}

describe('generate', () => {
  afterEach(() => vi.unstubAllGlobals());
  it('shows a fast stream in a few coalesced updates and keeps every token', async () => {
    const tokens = 300;
    const lines = Array.from({ length: tokens }, (_, i) => JSON.stringify({ message: { role: 'assistant', content: `t${i} ` }, done: false }) + '\n');
    lines.push(JSON.stringify({ done: true, eval_count: tokens, eval_duration: 1e9 }) + '\n');
    const saved: unknown[] = [];
    vi.stubGlobal('fetch', async (url: string, init: RequestInit) => {
      if (url === '/api/chat') {
        let i = 0;
        const body = new ReadableStream({
          async pull(c) {
            if (i % 50 === 0) await new Promise((r) => setTimeout(r, SHOW_EVERY_MS + 10)); // arrives in bursts
            if (i < lines.length) c.enqueue(enc.encode(lines[i++]));
            else c.close();
          },
        });
        return new Response(body, { status: 200 });
      }
      if (init.method === 'POST') return Response.json({ messages: [message(1, 'user', 'hi'), message(2, 'assistant')] });
      saved.push(JSON.parse(String(init.body)));
      return Response.json({});
    });
    const chat: Chat = { id: 7, title: '', pinned: false, folder: '', created_at: 0, updated_at: 0, settings: {}, current_message_id: null, messages: [] };
    const shown: string[] = [];
    const done = await generate({
      chat, model: 'm', userText: 'hi', parentId: null, think: false, signal: new AbortController().signal,
      onUpdate: (c) => shown.push(c.messages.find((m) => m.id === 2)?.content ?? ''),
    });
    const answer = done.messages.find((m) => m.id === 2)!;
    expect(answer.content).toBe(Array.from({ length: tokens }, (_, i) => `t${i} `).join(''));
    expect(answer.status).toBe('done');
    expect(shown[shown.length - 1]).toBe(answer.content);
    expect(shown.length).toBeGreaterThan(2); // shown while it streams...
    expect(shown.length).toBeLessThan(20); // ...but not once per token
    expect(saved[saved.length - 1]).toMatchObject({ content: answer.content, status: 'done' });
  });
});
