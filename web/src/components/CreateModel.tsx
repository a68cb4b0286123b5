// Create a model from a GGUF file on this computer: upload it as a blob
// (the browser computes its sha256, as Ollama's clients do), then
// /api/create with the chosen name, system prompt and parameters.
import { useState } from 'preact/hooks';
import { api } from '../api';
import { useT } from './context';

async function sha256(file: File): Promise<string> {
  if (!crypto.subtle) throw new Error('no crypto.subtle');
  const hash = await crypto.subtle.digest('SHA-256', await file.arrayBuffer());
  return Array.from(new Uint8Array(hash), (b) => b.toString(16).padStart(2, '0')).join('');
}

export function CreateModel(p: { onCreated: () => void }) {
  const t = useT();
  const [name, setName] = useState('');
  const [system, setSystem] = useState('');
  const [temperature, setTemperature] = useState('');
  const [file, setFile] = useState<File | null>(null);
  const [status, setStatus] = useState('');
  const [busy, setBusy] = useState(false);

  const create = async () => {
    if (!file || !name.trim()) return;
    if (!window.isSecureContext || !crypto.subtle) {
      setStatus(t('needsSecureContext'));
      return;
    }
    setBusy(true);
    const n = name.trim();
    try {
      setStatus(t('creating', { name: n, status: 'sha256' }));
      const digest = `sha256:${await sha256(file)}`;
      setStatus(t('creating', { name: n, status: 'upload' }));
      await api.uploadBlob(digest, file);
      const body: Record<string, unknown> = { model: n, files: { [file.name]: digest }, stream: false };
      if (system.trim()) body.system = system;
      if (temperature !== '' && Number.isFinite(Number(temperature))) body.parameters = { temperature: Number(temperature) };
      await api.createModel(body);
      setStatus(t('created', { name: n }));
      setName('');
      p.onCreated();
    } catch (e) {
      setStatus(t('error', { error: (e as Error).message }));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div class="panel create-model">
      <h3>{t('createModel')}</h3>
      <div class="grid">
        <label>
          {t('ggufFile')}
          <input id="gguf-file" type="file" accept=".gguf" disabled={busy}
            onChange={(e) => setFile((e.currentTarget as HTMLInputElement).files?.[0] ?? null)} />
        </label>
        <label>
          {t('modelName')}
          <input id="create-name" value={name} disabled={busy} onInput={(e) => setName((e.currentTarget as HTMLInputElement).value)} />
        </label>
        <label>
          {t('systemPrompt')}
          <input id="create-system" value={system} disabled={busy} onInput={(e) => setSystem((e.currentTarget as HTMLInputElement).value)} />
        </label>
        <label>
          {t('temperature')}
          <input id="create-temperature" type="number" step="0.05" min="0" max="2" value={temperature} disabled={busy}
            onInput={(e) => setTemperature((e.currentTarget as HTMLInputElement).value)} />
        </label>
      </div>
      <button type="button" class="primary" id="create-model" disabled={busy || !file || !name.trim()} onClick={create}>
        {t('create')}
      </button>
      {status && <p class="notice" role="status">{status}</p>}
    </div>
  );
}
