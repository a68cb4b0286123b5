// The shell: sidebar with conversations, and the chat or the models page.
// Routes live in the URL hash (#/chat/12, #/models) so `/` is the only page
// the server has to know.
import { useCallback, useEffect, useState } from 'preact/hooks';
import { api, ApiError, setCsrfToken, type Me, type ModelInfo } from '../api';
import { type Lang } from '../i18n';
import { applyTheme, prefs, type Theme } from '../prefs';
import { ChatView } from './ChatView';
import { LangContext } from './context';
import { DialogHost } from './Dialog';
import { Login, type LoginReason } from './Login';
import { ModelsPage } from './ModelsPage';
import { Sidebar } from './Sidebar';

type Route = { page: 'chat'; id: number | null } | { page: 'models' };

function parseHash(h: string): Route {
  if (h.startsWith('#/models')) return { page: 'models' };
  const m = /^#\/chat\/(\d+)$/.exec(h);
  return { page: 'chat', id: m ? Number(m[1]) : null };
}

// The server's 401 for a session whose encrypted chats are not unlocked.
const CHATS_LOCKED = 'chats are encrypted: sign in with your password to unlock them';

// Asks the server who we are first: with authentication on, a 401 shows the
// sign-in screen; otherwise the app, with a sign-out entry when signed in.
export function App() {
  const [me, setMe] = useState<Me | null>(null);
  const [needLogin, setNeedLogin] = useState(false);
  const [reason, setReason] = useState<LoginReason | undefined>(); // why the sign-in screen shows
  useEffect(() => {
    api.me().then(
      (m) => {
        setCsrfToken(m.csrf_token);
        setMe(m);
      },
      (e: ApiError) => {
        if (e.status !== 401) return setMe({ auth: false });
        if (e.message === CHATS_LOCKED) setReason('locked');
        setNeedLogin(true);
      },
    );
  }, []);
  if (needLogin && !me) {
    return (
      <LangContext.Provider value={prefs.lang()}>
        <Login
          reason={reason}
          onSignedIn={(m) => {
            setCsrfToken(m.csrf_token);
            setNeedLogin(false);
            setMe(m);
          }}
        />
      </LangContext.Provider>
    );
  }
  if (!me) return null;
  const signedOut = (why?: LoginReason) => {
    setCsrfToken(undefined);
    setMe(null);
    setReason(why);
    setNeedLogin(true);
  };
  const logout = async () => {
    await api.logout().catch(() => undefined);
    signedOut();
  };
  // Without accounts the single local user manages models; signed in, only
  // admins may (the server answers 403 to a user's pull, create or delete).
  const canManage = !me.auth || me.role === 'admin';
  return (
    <Shell user={me.auth ? me.name : undefined} canManage={canManage} onLogout={logout}
      onPasswordChanged={() => signedOut('changed')} />
  );
}

function Shell({ user, canManage, onLogout, onPasswordChanged }: {
  user?: string;
  canManage: boolean;
  onLogout: () => void;
  onPasswordChanged: () => void;
}) {
  const [lang, setLang] = useState<Lang>(prefs.lang());
  const [theme, setTheme] = useState<Theme>(prefs.theme());
  const [route, setRoute] = useState<Route>(parseHash(location.hash));
  const [models, setModels] = useState<ModelInfo[]>([]);
  const [listVersion, setListVersion] = useState(0); // bump to reload the chat list
  const [menuOpen, setMenuOpen] = useState(false);
  // A new chat gets its id while it streams; the view keeps running (no
  // remount), only the URL and the sidebar's highlight follow.
  const [createdId, setCreatedId] = useState<number | null>(null);

  useEffect(() => {
    const on = () => {
      setRoute(parseHash(location.hash));
      setCreatedId(null);
      setMenuOpen(false);
    };
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);

  useEffect(() => {
    document.documentElement.lang = lang;
  }, [lang]);

  useEffect(() => {
    applyTheme(theme);
    const mq = matchMedia('(prefers-color-scheme: dark)');
    const on = () => applyTheme(theme);
    mq.addEventListener('change', on);
    return () => mq.removeEventListener('change', on);
  }, [theme]);

  const reloadModels = useCallback(() => {
    api.tags().then((r) => setModels(r.models ?? []), () => setModels([]));
  }, []);
  useEffect(reloadModels, [reloadModels]);

  const refreshList = useCallback(() => setListVersion((v) => v + 1), []);
  const openChat = useCallback((id: number | null) => {
    location.hash = id === null ? '#/' : `#/chat/${id}`;
  }, []);

  // Global shortcuts: new chat, search. (Send and stop live in the composer.)
  useEffect(() => {
    const on = (e: KeyboardEvent) => {
      const mod = e.ctrlKey || e.metaKey;
      if (mod && e.shiftKey && e.key.toLowerCase() === 'o') {
        e.preventDefault();
        openChat(null);
      } else if (mod && !e.shiftKey && e.key.toLowerCase() === 'k') {
        e.preventDefault();
        setMenuOpen(true);
        document.querySelector<HTMLInputElement>('#chat-search')?.focus();
      }
    };
    addEventListener('keydown', on);
    return () => removeEventListener('keydown', on);
  }, [openChat]);

  return (
    <LangContext.Provider value={lang}>
      <DialogHost>
        <div class={`layout ${menuOpen ? 'menu-open' : ''}`}>
          <Sidebar
            current={route.page === 'chat' ? (route.id ?? createdId) : null}
            version={listVersion}
            onOpen={openChat}
            onChanged={refreshList}
            lang={lang}
            setLang={(l) => {
              prefs.setLang(l);
              setLang(l);
            }}
            theme={theme}
            setTheme={(t) => {
              prefs.setTheme(t);
              setTheme(t);
            }}
            onToggleMenu={() => setMenuOpen(!menuOpen)}
            user={user}
            onLogout={onLogout}
            onPasswordChanged={onPasswordChanged}
          />
          <main class="main">
            {route.page === 'models' ? (
              <ModelsPage models={models} canManage={canManage} onChanged={reloadModels} onMenu={() => setMenuOpen(true)} />
            ) : (
              <ChatView
                key={route.id ?? 'new'}
                chatId={route.id}
                models={models}
                canManage={canManage}
                onCreated={(id) => {
                  refreshList();
                  setCreatedId(id);
                  history.replaceState(null, '', `#/chat/${id}`);
                }}
                onChanged={refreshList}
                onMenu={() => setMenuOpen(true)}
              />
            )}
          </main>
        </div>
      </DialogHost>
    </LangContext.Provider>
  );
}
