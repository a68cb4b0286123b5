// The models page pulls from a real OCI registry: Debian's docker-registry on
// a free loopback port (as tests/integration/registry_fixture.py starts it),
// into which lokal itself pushed stories260K. chromium then pulls it by name
// with the insecure (plain HTTP) box ticked, shows the progress bar, and the
// model appears in the list.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { createModel, freePort, makeLokal, paths } from './lokal-server.mjs';

const out = process.env.WEB_TEST_OUT ?? join(paths.repo, 'build/web-test');
const chromiumPath = process.env.CHROMIUM ?? '/usr/bin/chromium';
const registryBin = process.env.DOCKER_REGISTRY ?? '/usr/bin/docker-registry';
mkdirSync(out, { recursive: true });

let lokal, registry, registryHost, browser;

async function startRegistry(root) {
  mkdirSync(join(root, 'storage'), { recursive: true });
  const port = await freePort();
  const config = join(root, 'config.yml');
  writeFileSync(config, [
    'version: 0.1', 'log:', '  level: warn', 'storage:', '  filesystem:', `    rootdirectory: ${join(root, 'storage')}`,
    'http:', `  addr: 127.0.0.1:${port}`, '',
  ].join('\n'));
  const proc = spawn(registryBin, ['serve', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  proc.stderr.on('data', (d) => (log += d));
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/v2/`)).ok) return { proc, host: `127.0.0.1:${port}` };
    } catch {
      /* not up yet */
    }
    if (i > 300 || proc.exitCode !== null) throw new Error('docker-registry did not start:\n' + log);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function post(path, body) {
  const r = await fetch(lokal.base + path, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  const text = await r.text();
  assert.equal(r.status, 200, `${path}: ${text}`);
  return text;
}

before(async () => {
  assert.ok(existsSync(registryBin), 'docker-registry not found: run scripts/deps.sh (installs Debian\'s docker-registry)');
  lokal = await (await makeLokal({ prefix: 'lokal-web-registry-' })).start();
  ({ proc: registry, host: registryHost } = await startRegistry(join(lokal.work, 'registry')));
  // lokal pushes the model into the registry, then forgets it locally.
  const name = `${registryHost}/library/stories:latest`;
  await createModel(lokal.base, name, 'stories260K.gguf');
  assert.match(await post('/api/push', { model: name, insecure: true, stream: false }), /success/);
  const del = await fetch(lokal.base + '/api/delete', { method: 'DELETE', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ model: name }) });
  assert.equal(del.status, 200);
  browser = await chromium.launch({ executablePath: chromiumPath, headless: true, args: ['--no-sandbox'] });
});

after(async () => {
  await browser?.close();
  registry?.kill('SIGTERM');
  await lokal?.stop();
});

test('pull a model by name from a registry, with a progress bar', async () => {
  const context = await browser.newContext({ viewport: { width: 1200, height: 800 } });
  context.setDefaultTimeout(60000);
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(lokal.base + '/#/models');
  await page.waitForSelector('#pull-name');
  assert.equal(await page.locator('tr[data-model]').count(), 0, 'nothing installed yet');
  // The pull of a 1 MB model can be over between two polls: record what the
  // page showed while it ran.
  await page.evaluate(() => {
    window.__progress = [];
    new MutationObserver(() => {
      const p = document.querySelector('.models-page .progress');
      if (p) window.__progress.push(p.textContent);
    }).observe(document.body, { childList: true, subtree: true, characterData: true });
  });
  const name = `${registryHost}/library/stories:latest`;
  await page.fill('#pull-name', name);
  await page.check('#pull-insecure');
  await page.click('#pull');
  await page.waitForSelector(`tr[data-model="${name}"]`);
  await page.waitForSelector(`text=Pulled ${name}`);
  const progress = await page.evaluate(() => window.__progress);
  assert.ok(progress.some((s) => s.startsWith(`Pulling ${name}: pulling manifest`)), JSON.stringify(progress));
  assert.ok(progress.some((s) => /: pulling [0-9a-f]{12}/.test(s)), 'layer progress shown');
  await page.screenshot({ path: join(out, 'models-pulled.png') });
  // It runs.
  const r = JSON.parse(await post('/api/generate', { model: name, prompt: 'Once', stream: false, options: { num_predict: 3 } }));
  assert.equal(r.done, true);
  assert.deepEqual(errors, []);
  await context.close();
});

test('without the insecure box, a plain HTTP registry is an error shown on the page', async () => {
  const context = await browser.newContext({ viewport: { width: 1200, height: 800 } });
  context.setDefaultTimeout(60000);
  const page = await context.newPage();
  await page.goto(lokal.base + '/#/models');
  await page.fill('#pull-name', `${registryHost}/library/other:latest`);
  await page.click('#pull');
  await page.waitForSelector('.models-page .notice:has-text("Error")');
  assert.equal(await page.locator(`tr[data-model="${registryHost}/library/other:latest"]`).count(), 0);
  await context.close();
});
