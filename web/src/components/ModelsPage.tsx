// Models: pull by name with progress, delete, and what is loaded (/api/ps).
// Pulling, creating and deleting are for those who may change the store
// (`canManage`: admins, or everyone without accounts); others see the lists.
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, streamPull, type ModelInfo } from '../api';
import { useT } from './context';
import { useDialogs } from './Dialog';
import { CreateModel } from './CreateModel';

function size(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let i = 0;
  let v = bytes;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${v.toFixed(v >= 10 || i === 0 ? 0 : 1)} ${units[i]}`;
}

export function ModelsPage(p: { models: ModelInfo[]; canManage: boolean; onChanged: () => void; onMenu: () => void }) {
  const t = useT();
  const dialogs = useDialogs();
  const [name, setName] = useState('');
  const [insecure, setInsecure] = useState(false);
  const [progress, setProgress] = useState<{ status: string; ratio: number | null } | null>(null);
  const [message, setMessage] = useState('');
  const [loaded, setLoaded] = useState<{ name: string; size: number; expires_at: string }[]>([]);
  const abort = useRef<AbortController | null>(null);

  const refreshPs = () => api.ps().then((r) => setLoaded(r.models ?? []), () => setLoaded([]));
  useEffect(() => {
    void refreshPs();
    const timer = setInterval(refreshPs, 5000);
    return () => {
      clearInterval(timer);
      abort.current?.abort();
    };
  }, []);

  const pull = async () => {
    const n = name.trim();
    if (!n) return;
    abort.current = new AbortController();
    setMessage('');
    setProgress({ status: '…', ratio: null });
    try {
      await streamPull(n, insecure, abort.current.signal, (s) =>
        setProgress({ status: s.status, ratio: s.total ? (s.completed ?? 0) / s.total : null }),
      );
      setMessage(t('pullDone', { name: n }));
      setName('');
      p.onChanged();
    } catch (e) {
      setMessage(t('error', { error: (e as Error).message }));
    } finally {
      setProgress(null);
      abort.current = null;
    }
  };

  const remove = async (m: string) => {
    if (!(await dialogs.confirm(t('confirmDeleteModel', { name: m }), { confirmLabel: t('delete'), danger: true }))) return;
    try {
      await api.deleteModel(m);
      p.onChanged();
    } catch (e) {
      setMessage(t('error', { error: (e as Error).message }));
    }
  };

  return (
    <section class="models-page">
      <div class="toolbar">
        <button type="button" class="icon menu-button" aria-label={t('menu')} onClick={p.onMenu}>☰</button>
        <h2>{t('models')}</h2>
      </div>
      {!p.canManage && <p class="muted notice" id="models-admin-only">{t('modelsAdminOnly')}</p>}
      {p.canManage && <div class="panel">
        <h3>{t('pullModel')}</h3>
        <div class="row">
          <input id="pull-name" value={name} placeholder={t('pullPlaceholder')} disabled={!!progress}
            onInput={(e) => setName((e.currentTarget as HTMLInputElement).value)}
            onKeyDown={(e) => e.key === 'Enter' && void pull()} />
          {progress ? (
            <button type="button" class="danger" onClick={() => abort.current?.abort()}>{t('stop')}</button>
          ) : (
            <button type="button" class="primary" id="pull" onClick={pull} disabled={!name.trim()}>{t('pull')}</button>
          )}
        </div>
        <label class="check">
          <input type="checkbox" id="pull-insecure" checked={insecure} disabled={!!progress}
            onChange={(e) => setInsecure((e.currentTarget as HTMLInputElement).checked)} />
          {t('pullInsecure')}
        </label>
        {progress && (
          <div class="progress" role="status">
            <progress max={1} value={progress.ratio ?? undefined} />
            <span>{t('pulling', { name, status: progress.status })}</span>
          </div>
        )}
        {message && <p class="notice" role="status">{message}</p>}
      </div>}
      {p.canManage && <CreateModel onCreated={p.onChanged} />}
      <div class="panel">
        <h3>{t('installed')}</h3>
        <table class="model-table">
          <tbody>
            {p.models.map((m) => (
              <tr key={m.name} data-model={m.name}>
                <td>{m.name}</td>
                <td>{m.details?.parameter_size ?? ''} {m.details?.quantization_level ?? ''}</td>
                <td>{size(m.size)}</td>
                {p.canManage && (
                  <td><button type="button" class="link danger delete-model" onClick={() => remove(m.name)}>{t('delete')}</button></td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
        {p.models.length === 0 && <p class="muted">{t(p.canManage ? 'noModels' : 'noModelsUser')}</p>}
      </div>
      <div class="panel">
        <h3>{t('loaded')}</h3>
        {loaded.length === 0 ? (
          <p class="muted">{t('noneLoaded')}</p>
        ) : (
          <ul>
            {loaded.map((m) => (
              <li key={m.name}>
                {m.name} · {size(m.size)} · {t('until', { time: new Date(m.expires_at).toLocaleTimeString() })}
              </li>
            ))}
          </ul>
        )}
      </div>
    </section>
  );
}
