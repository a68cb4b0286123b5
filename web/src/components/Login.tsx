// The sign-in screen, shown when the server has authentication on
// (LOKAL_AUTH=1) and /lokal/api/auth/me answers 401. The screen says why it
// is shown when that is not plain: `locked`, the session is valid but its
// encrypted chats are not unlocked on the server (it restarted since;
// LOKAL_ENCRYPT_CHATS); `changed`, the user changed their password, which
// ended their sessions.
import { useState } from 'preact/hooks';
import { ApiError, api, type Me } from '../api';
import { useT } from './context';

export type LoginReason = 'locked' | 'changed';

export function Login({ onSignedIn, reason }: { onSignedIn: (me: Me) => void; reason?: LoginReason }) {
  const t = useT();
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError('');
    try {
      const me = await api.login(name, password);
      setPassword('');
      onSignedIn({ ...me, auth: true });
    } catch (err) {
      const a = err as ApiError;
      if (a.status === 429) setError(t('tooManyAttempts', { n: a.retryAfter || 60 }));
      else if (a.status === 401) setError(t('signInFailed'));
      else setError(t('loadFailed', { error: a.message }));
    } finally {
      setBusy(false);
    }
  };

  return (
    <main class="login">
      <form class="login-form" onSubmit={submit}>
        <h1>{t('appName')}</h1>
        {reason === 'locked' && <p class="notice" id="login-locked">{t('chatsLocked')}</p>}
        {reason === 'changed' && <p class="notice" id="login-changed">{t('passwordChanged')}</p>}
        <label>
          {t('userName')}
          <input id="login-name" autocomplete="username" required value={name}
            onInput={(e) => setName((e.currentTarget as HTMLInputElement).value)} />
        </label>
        <label>
          {t('password')}
          <input id="login-password" type="password" autocomplete="current-password" required value={password}
            onInput={(e) => setPassword((e.currentTarget as HTMLInputElement).value)} />
        </label>
        {error && <p class="error" role="alert">{error}</p>}
        <button type="submit" id="login-submit" disabled={busy}>{t('signIn')}</button>
      </form>
    </main>
  );
}
