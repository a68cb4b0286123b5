// Starts a real `lokal serve` for the JavaScript tests (web/tests/*.mjs and
// tests/js/): a free port on 127.0.0.1, a temporary HOME and models folder,
// no OLLAMA_* or LOKAL_API_KEY from the caller's environment. Only Node's
// standard library, so tests/js can import it without web/'s packages.
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const paths = {
  repo,
  shared: process.env.LOKAL_SHARED ?? resolve(repo, '../shared'),
  bin: process.env.LOKAL_BIN ?? join(repo, 'build/lokal'),
};

export function freePort() {
  return new Promise((ok, fail) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
    s.on('error', fail);
  });
}

// A lokal in its own temporary home. `env` adds settings (LOKAL_AUTH, ...);
// run `lokal(...)` before `start()` for set-up commands such as `user add`.
export async function makeLokal({ env = {}, prefix = 'lokal-js-' } = {}) {
  const work = mkdtempSync(join(tmpdir(), prefix));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const full = { ...process.env };
  for (const k of Object.keys(full)) if (k.startsWith('OLLAMA_') || k === 'LOKAL_API_KEY') delete full[k];
  Object.assign(full, { LOKAL_HOST: `127.0.0.1:${port}`, HOME: work, LOKAL_MODELS: join(work, 'models') }, env);
  let server = null;
  let log = '';
  const self = {
    work,
    port,
    base,
    env: full,
    log: () => log,
    // The CLI against this home (and this server, once started).
    lokal: (args, input) => execFileSync(paths.bin, args, { env: full, input, encoding: 'utf8' }).trim(),
    // Starts `lokal serve` and waits until /api/version answers (30 s at most).
    async start() {
      server = spawn(paths.bin, ['serve'], { env: full, stdio: ['ignore', 'ignore', 'pipe'] });
      server.stderr.on('data', (d) => (log += d));
      for (let i = 0; ; i++) {
        try {
          if ((await fetch(base + '/api/version')).ok) return self;
        } catch {
          /* not up yet */
        }
        if (i > 300 || server.exitCode !== null) throw new Error('lokal serve did not start:\n' + log);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    // Stops the server (SIGTERM, then waits for it), keeping the home: start() again to restart.
    async halt() {
      if (server && server.exitCode === null) {
        const exited = new Promise((ok) => server.once('exit', ok));
        server.kill('SIGTERM');
        await Promise.race([exited, new Promise((ok) => setTimeout(ok, 10000))]);
      }
    },
    // Stops the server and removes the home.
    async stop() {
      await self.halt();
      rmSync(work, { recursive: true, force: true });
    },
  };
  return self;
}

// Installs a GGUF from the shared models folder as `name`, as clients do:
// upload the blob, then /api/create. `headers` carries credentials.
export async function createModel(base, name, file, headers = {}) {
  const data = readFileSync(join(paths.shared, 'models', file));
  const digest = 'sha256:' + createHash('sha256').update(data).digest('hex');
  const blob = await fetch(`${base}/api/blobs/${digest}`, { method: 'POST', body: data, headers });
  if (!blob.ok) throw new Error(`blob upload: ${blob.status} ${await blob.text()}`);
  const r = await fetch(`${base}/api/create`, {
    method: 'POST',
    headers: { ...headers, 'Content-Type': 'application/json' },
    body: JSON.stringify({ model: name, files: { [file]: digest }, stream: false }),
  });
  if (!r.ok) throw new Error(`create ${name}: ${r.status} ${await r.text()}`);
}
