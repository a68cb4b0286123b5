// Per-chat system prompt and generation options (Ollama's option names).
import { useState } from 'preact/hooks';
import type { ChatSettings } from '../api';
import { useT } from './context';

const FIELDS = [
  { key: 'temperature', label: 'temperature', step: '0.05', min: 0, max: 2 },
  { key: 'num_ctx', label: 'contextLength', step: '256', min: 256, max: 1048576 },
  { key: 'num_predict', label: 'maxTokens', step: '1', min: -1, max: 1048576 },
  { key: 'seed', label: 'seed', step: '1', min: 0, max: 2147483647 },
] as const;

export function SettingsPanel(p: { settings: ChatSettings; onSave: (s: ChatSettings) => Promise<void> | void; onClose: () => void }) {
  const t = useT();
  const [system, setSystem] = useState(p.settings.system ?? '');
  const [opts, setOpts] = useState<Record<string, string>>(
    Object.fromEntries(Object.entries(p.settings.options ?? {}).map(([k, v]) => [k, String(v)])),
  );
  const save = async () => {
    const options: Record<string, number> = {};
    for (const f of FIELDS) {
      const v = opts[f.key];
      if (v !== undefined && v !== '' && Number.isFinite(Number(v))) options[f.key] = Number(v);
    }
    await p.onSave({ ...p.settings, system, options });
    p.onClose();
  };
  return (
    <div class="settings" role="dialog" aria-label={t('settings')}>
      <label class="block">
        {t('systemPrompt')}
        <textarea id="system-prompt" rows={3} value={system} onInput={(e) => setSystem((e.currentTarget as HTMLTextAreaElement).value)} />
      </label>
      <div class="grid">
        {FIELDS.map((f) => (
          <label key={f.key}>
            {t(f.label)}
            <input type="number" step={f.step} min={f.min} max={f.max} name={f.key} value={opts[f.key] ?? ''}
              onInput={(e) => setOpts({ ...opts, [f.key]: (e.currentTarget as HTMLInputElement).value })} />
          </label>
        ))}
      </div>
      <div class="row">
        <button type="button" class="primary" id="save-settings" onClick={save}>{t('apply')}</button>
        <button type="button" onClick={p.onClose}>{t('close')}</button>
      </div>
    </div>
  );
}
