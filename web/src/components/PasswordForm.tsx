// Changing one's own password (LOKAL_AUTH=1): the current one, the new one
// twice. The server ends every session of the user on success (and with
// encrypted chats re-wraps their key under the new password), so the app
// goes back to the sign-in screen.
import { useState } from 'preact/hooks';
import { ApiError, api } from '../api';
import { useT } from './context';

export function PasswordForm(p: { onChanged: () => void; onClose: () => void }) {
  const t = useT();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [repeat, setRepeat] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);

  const submit = async (e: Event) => {
    e.preventDefault();
    if (next !== repeat) return setError(t('passwordsDiffer'));
    setBusy(true);
    setError('');
    try {
      await api.changePassword(current, next);
      p.onChanged();
    } catch (err) {
      const a = err as ApiError;
      if (a.status === 429) setError(t('tooManyAttempts', { n: a.retryAfter || 60 }));
      else if (a.status === 401) setError(t('wrongPassword'));
      else setError(a.message); // the server's reason, e.g. a password that is too short
    } finally {
      setBusy(false);
    }
  };

  const field = (id: string, label: string, value: string, set: (v: string) => void, autocomplete: string) => (
    <label>
      {label}
      <input id={id} type="password" autocomplete={autocomplete} required value={value}
        onInput={(e) => set((e.currentTarget as HTMLInputElement).value)} />
    </label>
  );
  return (
    <form class="password-form" onSubmit={submit} aria-label={t('changePassword')}>
      {field('current-password', t('currentPassword'), current, setCurrent, 'current-password')}
      {field('new-password', t('newPassword'), next, setNext, 'new-password')}
      {field('repeat-password', t('repeatPassword'), repeat, setRepeat, 'new-password')}
      {error && <p class="error" role="alert">{error}</p>}
      <div class="row">
        <button type="submit" class="primary" id="save-password" disabled={busy}>{t('changePassword')}</button>
        <button type="button" onClick={p.onClose}>{t('cancel')}</button>
      </div>
    </form>
  );
}
