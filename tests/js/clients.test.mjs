// The official `ollama` and `openai` npm packages, unmodified, against a real
// `lokal serve` with stories260K: chat, streaming, generate, embed, list,
// compared with what the native routes answer over plain fetch.
// Run by `make js-test` (installs the locked packages into tests/js/node_modules).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Ollama } from 'ollama';
import OpenAI from 'openai';
import { createModel, makeLokal } from '../../web/tests/lokal-server.mjs';

const MODEL = 'stories';
const GREEDY = { temperature: 0, top_p: 1, seed: 1, num_predict: 12 };
const MESSAGES = [{ role: 'user', content: 'Once upon a time' }];

let lokal, base, ollama, openai;

async function native(path, body) {
  const r = await fetch(base + path, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ ...body, stream: false }),
  });
  assert.equal(r.status, 200, await r.clone().text());
  return r.json();
}

before(async () => {
  lokal = await (await makeLokal({ prefix: 'lokal-js-' })).start();
  base = lokal.base;
  await createModel(base, MODEL, 'stories260K.gguf');
  ollama = new Ollama({ host: base });
  openai = new OpenAI({ baseURL: base + '/v1', apiKey: 'lokal', maxRetries: 0 });
});

after(() => lokal?.stop());

test('ollama: list and show', async () => {
  const { models } = await ollama.list();
  const m = models.find((x) => x.name === 'stories:latest');
  assert.ok(m, JSON.stringify(models));
  assert.match(m.digest, /^[0-9a-f]{64}$/);
  const info = await ollama.show({ model: MODEL });
  assert.ok(info.capabilities.includes('completion'));
});

test('ollama: chat equals the native answer, streamed or not', async () => {
  const want = await native('/api/chat', { model: MODEL, messages: MESSAGES, options: GREEDY });
  const r = await ollama.chat({ model: MODEL, messages: MESSAGES, options: GREEDY });
  assert.equal(r.message.role, 'assistant');
  assert.equal(r.message.content, want.message.content);
  assert.equal(r.done, true);
  assert.equal(r.eval_count, want.eval_count);
  let text = '';
  let last;
  for await (const part of await ollama.chat({ model: MODEL, messages: MESSAGES, options: GREEDY, stream: true })) {
    text += part.message.content;
    last = part;
  }
  assert.equal(text, want.message.content);
  assert.equal(last.done, true);
  assert.equal(last.done_reason, want.done_reason);
});

test('ollama: generate, streamed and not', async () => {
  const want = await native('/api/generate', { model: MODEL, prompt: 'Once upon a time', options: GREEDY });
  const r = await ollama.generate({ model: MODEL, prompt: 'Once upon a time', options: GREEDY });
  assert.equal(r.response, want.response);
  assert.ok(Array.isArray(r.context) && r.context.length > 0);
  let text = '';
  for await (const part of await ollama.generate({ model: MODEL, prompt: 'Once upon a time', options: GREEDY, stream: true })) {
    text += part.response;
  }
  assert.equal(text, want.response);
});

test('ollama: embed gives unit vectors', async () => {
  const r = await ollama.embed({ model: MODEL, input: ['a cat', 'a dog'] });
  assert.equal(r.embeddings.length, 2);
  const norm = Math.hypot(...r.embeddings[0]);
  assert.ok(Math.abs(norm - 1) < 1e-4, String(norm));
  assert.ok(r.prompt_eval_count > 0);
});

test('ollama: a missing model is a ResponseError with 404', async () => {
  await assert.rejects(ollama.chat({ model: 'no-such-model', messages: MESSAGES }), (e) => {
    assert.equal(e.name, 'ResponseError');
    assert.equal(e.status_code, 404);
    assert.match(e.error, /not found/);
    return true;
  });
});

test('openai: models, chat and stream equal the native answer', async () => {
  const ids = [];
  for await (const m of openai.models.list()) ids.push(m.id);
  assert.ok(ids.includes('stories:latest'), ids.join());
  const want = await native('/api/chat', { model: MODEL, messages: MESSAGES, options: GREEDY });
  const req = { model: MODEL, messages: MESSAGES, temperature: 0, top_p: 1, seed: 1, max_tokens: 12 };
  const r = await openai.chat.completions.create(req);
  assert.equal(r.object, 'chat.completion');
  assert.equal(r.choices[0].message.content, want.message.content);
  assert.equal(r.usage.completion_tokens, want.eval_count);
  let text = '';
  let usage;
  const stream = await openai.chat.completions.create({ ...req, stream: true, stream_options: { include_usage: true } });
  for await (const chunk of stream) {
    text += chunk.choices[0]?.delta?.content ?? '';
    if (chunk.usage) usage = chunk.usage;
  }
  assert.equal(text, want.message.content);
  assert.deepEqual(usage, r.usage);
});

test('openai: embeddings and responses', async () => {
  const e = await openai.embeddings.create({ model: MODEL, input: ['a cat', 'a dog'] });
  assert.equal(e.data.length, 2);
  assert.equal(e.data[1].index, 1);
  assert.ok(e.data[0].embedding.length > 0);
  const want = await native('/api/chat', { model: MODEL, messages: MESSAGES, options: GREEDY });
  const r = await openai.responses.create({ model: MODEL, input: 'Once upon a time', temperature: 0, top_p: 1,
                                            max_output_tokens: 12, seed: 1 });
  assert.equal(r.output_text, want.message.content);
  let text = '';
  for await (const ev of await openai.responses.create({ model: MODEL, input: 'Once upon a time', temperature: 0,
                                                         top_p: 1, max_output_tokens: 12, seed: 1, stream: true })) {
    if (ev.type === 'response.output_text.delta') text += ev.delta;
  }
  assert.equal(text, want.message.content);
});

test('openai: a missing model is a NotFoundError', async () => {
  await assert.rejects(openai.chat.completions.create({ model: 'no-such-model', messages: MESSAGES }),
    (e) => e instanceof OpenAI.NotFoundError && e.status === 404);
});
