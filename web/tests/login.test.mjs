// Browser test of sign-in (LOKAL_AUTH=1): chromium against a real `lokal
// serve` whose first admin was made with `lokal user add`, as a user would.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { createModel, makeLokal, paths } from './lokal-server.mjs';

const out = process.env.WEB_TEST_OUT ?? join(paths.repo, 'build/web-test');
const chromiumPath = process.env.CHROMIUM ?? '/usr/bin/chromium';
mkdirSync(out, { recursive: true });

let lokal, base, browser, adminKey;

before(async () => {
  lokal = await makeLokal({ prefix: 'lokal-web-auth-', env: { LOKAL_AUTH: '1' } });
  lokal.lokal(['user', 'add', '--admin', 'anna', '--password-stdin'], 'anna-password\n');
  lokal.lokal(['user', 'add', 'ben', '--password-stdin'], 'ben-password\n');
  lokal.lokal(['user', 'add', 'carl', '--password-stdin'], 'carl-password\n');
  adminKey = lokal.lokal(['key', 'create', '--user', 'anna', '--scope', 'admin']);
  await lokal.start();
  base = lokal.base;
  await createModel(base, 'stories', 'stories260K.gguf', { Authorization: `Bearer ${adminKey}` });
  browser = await chromium.launch({ executablePath: chromiumPath, headless: true, args: ['--no-sandbox'] });
});

after(async () => {
  await browser?.close();
  await lokal?.stop();
});

async function openPage(locale = 'en-US') {
  const context = await browser.newContext({ locale, viewport: { width: 1200, height: 800 } });
  context.setDefaultTimeout(60000);
  const page = await context.newPage();
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(String(e)));
  return page;
}

async function signIn(page, name, password) {
  await page.fill('#login-name', name);
  await page.fill('#login-password', password);
  await page.click('#login-submit');
}

test('sign in, chat as that user, sign out', async () => {
  const page = await openPage();
  await page.goto(base + '/');
  await page.waitForSelector('#login-submit');
  assert.equal(await page.textContent('#login-submit'), 'Sign in');
  await signIn(page, 'ben', 'wrong-password');
  await page.waitForSelector('.login-form .error');
  assert.equal(await page.textContent('.login-form .error'), 'Wrong user name or password.');
  await signIn(page, 'ben', 'ben-password');
  await page.waitForSelector('#signed-in-as');
  assert.equal(await page.textContent('#signed-in-as'), 'Signed in as ben');
  const cookies = await page.context().cookies();
  const session = cookies.find((c) => c.name === 'lokal_session');
  assert.ok(session && session.httpOnly && session.sameSite === 'Strict', 'HttpOnly, SameSite=Strict cookie');
  assert.equal(await page.evaluate(() => document.cookie), '', 'scripts cannot read the session');
  // Writing goes through: the UI sends the CSRF token with its session.
  await page.waitForSelector('#model option[value="stories:latest"]', { state: 'attached' });
  await page.selectOption('#model', 'stories:latest');
  await page.click('#chat-settings'); // stories260K has no end token for chat: keep the answer short
  await page.fill('input[name="num_predict"]', '20');
  await page.click('#save-settings');
  await page.fill('#prompt', 'Once upon a time');
  await page.press('#prompt', 'Enter');
  await page.waitForFunction(() => document.querySelector('.msg.assistant')?.dataset.status === 'done', null, { timeout: 60000 });
  await page.waitForFunction(() => /#\/chat\/\d+$/.test(location.hash));
  const id = page.url().split('/').pop();
  await page.screenshot({ path: join(out, 'signed-in.png') });
  // The chat is ben's: the admin's key does not find it.
  const r = await fetch(`${base}/lokal/api/chats/${id}`, { headers: { Authorization: `Bearer ${adminKey}` } });
  assert.equal(r.status, 404);
  await page.click('#logout');
  await page.waitForSelector('#login-submit');
  const after = await fetch(`${base}/lokal/api/auth/me`, { headers: { Cookie: `lokal_session=${session.value}` } });
  assert.equal(after.status, 401, 'the session ended on the server');
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test('a user sees the models but no pull, create or delete; an admin sees them', async () => {
  const page = await openPage();
  await page.goto(base + '/#/models');
  await signIn(page, 'ben', 'ben-password');
  await page.waitForSelector('tr[data-model="stories:latest"]');
  await page.waitForSelector('text=Loaded models');
  assert.equal(await page.textContent('#models-admin-only'), 'Only administrators can pull, create or delete models.');
  for (const sel of ['#pull-name', '#pull', '#gguf-file', '#create-model', '.delete-model']) {
    assert.equal(await page.locator(sel).count(), 0, `${sel} is not shown to a user`);
  }
  await page.screenshot({ path: join(out, 'models-user.png') });
  // The server refuses them anyway: the UI only stops offering them.
  const pull = await page.evaluate(async () => {
    const { csrf_token } = await (await fetch('/lokal/api/auth/me')).json();
    const r = await fetch('/api/pull', { method: 'POST', headers: { 'X-Lokal-CSRF': csrf_token, 'Content-Type': 'application/json' }, body: '{"model":"x"}' });
    return { status: r.status, body: await r.text() };
  });
  assert.equal(pull.status, 403, pull.body);
  await page.click('#logout');
  await page.waitForSelector('#login-submit');
  await signIn(page, 'anna', 'anna-password');
  await page.waitForSelector('#pull-name');
  assert.equal(await page.locator('#models-admin-only').count(), 0);
  assert.ok(await page.isVisible('#create-model'));
  assert.equal(await page.locator('tr[data-model="stories:latest"] .delete-model').count(), 1);
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test('a user changes their password: wrong current one, mismatch, then signed out to sign in anew', async () => {
  const page = await openPage();
  await page.goto(base + '/');
  await signIn(page, 'carl', 'carl-password');
  await page.waitForSelector('#signed-in-as');
  await page.click('#change-password');
  const fill = async (current, next, repeat) => {
    await page.fill('#current-password', current);
    await page.fill('#new-password', next);
    await page.fill('#repeat-password', repeat);
    await page.click('#save-password');
  };
  await fill('not-my-password', 'carl-new-password', 'carl-new-password');
  await page.waitForSelector('.password-form .error');
  assert.equal(await page.textContent('.password-form .error'), 'The current password is wrong.');
  await fill('carl-password', 'carl-new-password', 'carl-typo-password');
  await page.waitForFunction(() => document.querySelector('.password-form .error')?.textContent === 'The new passwords differ.');
  await fill('carl-password', 'carl-new-password', 'carl-new-password');
  await page.waitForSelector('#login-changed');
  assert.equal(await page.textContent('#login-changed'), 'Password changed. Sign in with the new one.');
  await signIn(page, 'carl', 'carl-password');
  await page.waitForSelector('.login-form .error');
  await signIn(page, 'carl', 'carl-new-password');
  await page.waitForSelector('#signed-in-as');
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test('the sign-in screen speaks German', async () => {
  const page = await openPage('de-DE');
  await page.goto(base + '/');
  await page.waitForSelector('#login-submit');
  assert.equal(await page.textContent('#login-submit'), 'Anmelden');
  await signIn(page, 'anna', 'falsches-passwort');
  await page.waitForSelector('.login-form .error');
  assert.equal(await page.textContent('.login-form .error'), 'Benutzername oder Passwort falsch.');
  await page.screenshot({ path: join(out, 'login-de.png') });
  await page.context().close();
});

test('encrypted chats (LOKAL_ENCRYPT_CHATS): readable after sign-in, and again after a restart', async () => {
  const enc = await makeLokal({ prefix: 'lokal-web-enc-', env: { LOKAL_AUTH: '1', LOKAL_ENCRYPT_CHATS: '1' } });
  try {
    enc.lokal(['user', 'add', '--admin', 'eva', '--password-stdin'], 'eva-password\n');
    await enc.start();
    const page = await openPage();
    await page.goto(enc.base + '/');
    await signIn(page, 'eva', 'eva-password');
    await page.waitForSelector('#signed-in-as');
    const made = await page.evaluate(async () => {
      const { csrf_token } = await (await fetch('/lokal/api/auth/me')).json();
      const r = await fetch('/lokal/api/chats', { method: 'POST', headers: { 'X-Lokal-CSRF': csrf_token, 'Content-Type': 'application/json' }, body: '{"title":"Sealed pelican"}' });
      return r.status;
    });
    assert.equal(made, 201);
    await page.reload();
    await page.waitForSelector('.chat-item >> text=Sealed pelican');
    // After a restart the session is still valid but its key is gone: the sign-in screen says why.
    await enc.halt();
    await enc.start();
    await page.reload();
    await page.waitForSelector('#login-locked');
    assert.equal(await page.textContent('#login-locked'), 'Your chats are encrypted: sign in again to unlock them.');
    await signIn(page, 'eva', 'eva-password');
    await page.waitForSelector('.chat-item >> text=Sealed pelican');
    await page.screenshot({ path: join(out, 'encrypted-signed-in.png') });
    assert.deepEqual(page.errors, []);
    await page.context().close();
  } finally {
    await enc.stop();
  }
});
