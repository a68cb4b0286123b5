// Conversations: search (titles and content, on the server), pinned first,
// with rename, pin, folder, export and delete; export/import of all chats;
// language and theme; who is signed in, and sign-out.
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, type ChatSummary, type Folder } from '../api';
import type { Lang } from '../i18n';
import type { Theme } from '../prefs';
import { ChatList, type Row } from './ChatList';
import { useT } from './context';
import { useDialogs } from './Dialog';
import { PasswordForm } from './PasswordForm';

const PAGE = 200; // chats fetched at a time

interface Props {
  current: number | null;
  version: number;
  onOpen: (id: number | null) => void;
  onChanged: () => void;
  lang: Lang;
  setLang: (l: Lang) => void;
  theme: Theme;
  setTheme: (t: Theme) => void;
  onToggleMenu: () => void;
  user?: string; // signed in (LOKAL_AUTH=1): shown with a sign-out button
  onLogout?: () => void;
  onPasswordChanged?: () => void;
}

function download(url: string) {
  const a = document.createElement('a');
  a.href = url;
  a.download = '';
  document.body.appendChild(a);
  a.click();
  a.remove();
}

export function Sidebar(p: Props) {
  const t = useT();
  const dialogs = useDialogs();
  const [query, setQuery] = useState('');
  const [chats, setChats] = useState<ChatSummary[]>([]);
  const [error, setError] = useState('');
  const [notice, setNotice] = useState('');
  const [menuFor, setMenuFor] = useState<number | null>(null);
  const [changingPassword, setChangingPassword] = useState(false);
  const fileInput = useRef<HTMLInputElement>(null);

  const [total, setTotal] = useState(0);
  const [folder, setFolder] = useState('');
  const [folders, setFolders] = useState<Folder[]>([]);
  const loading = useRef(false);

  // The first page; more pages as the list is scrolled (ChatList's onEnd).
  useEffect(() => {
    const timer = setTimeout(() => {
      loading.current = true;
      api.listChats(query, PAGE, 0, folder).then(
        (r) => {
          setChats(r.chats);
          setTotal(r.total);
          setError('');
        },
        (e: Error) => setError(t('loadFailed', { error: e.message })),
      ).finally(() => (loading.current = false));
    }, query ? 200 : 0);
    return () => clearTimeout(timer);
  }, [query, folder, p.version]);

  // The filter offers every folder (the server counts them), also those of
  // chats further down than the pages loaded so far.
  useEffect(() => {
    api.folders().then((r) => setFolders(r.folders), () => setFolders([]));
  }, [p.version]);

  const listKey = useRef('');
  listKey.current = `${query}\n${folder}\n${p.version}`;
  const more = () => {
    if (loading.current || chats.length >= total) return;
    loading.current = true;
    const key = listKey.current;
    api.listChats(query, PAGE, chats.length, folder).then(
      (r) => {
        if (key !== listKey.current) return; // the search or filter changed meanwhile
        setChats((old) => {
          const seen = new Set(old.map((o) => o.id));
          return [...old, ...r.chats.filter((c) => !seen.has(c.id))];
        });
        setTotal(r.total);
      },
      (e: Error) => setError(t('loadFailed', { error: e.message })),
    ).finally(() => (loading.current = false));
  };

  const act = async (fn: () => Promise<unknown>) => {
    setMenuFor(null);
    try {
      await fn();
      p.onChanged();
    } catch (e) {
      setError((e as Error).message);
    }
  };

  const rename = (c: ChatSummary) =>
    act(async () => {
      const title = await dialogs.prompt(t('renamePrompt'), c.title);
      if (title !== null) await api.updateChat(c.id, { title });
    });
  const move = (c: ChatSummary) =>
    act(async () => {
      const folder = await dialogs.prompt(t('folderPrompt'), c.folder);
      if (folder !== null) await api.updateChat(c.id, { folder });
    });
  const remove = (c: ChatSummary) =>
    act(async () => {
      if (!(await dialogs.confirm(t('confirmDelete'), { confirmLabel: t('delete'), danger: true }))) return;
      await api.deleteChat(c.id);
      if (p.current === c.id) p.onOpen(null);
    });

  const onImport = async (e: Event) => {
    const input = e.currentTarget as HTMLInputElement;
    const file = input.files?.[0];
    input.value = '';
    if (!file) return;
    try {
      const r = await api.importChats(JSON.parse(await file.text()));
      setNotice(t('imported', { n: r.ids.length }));
      p.onChanged();
    } catch (err) {
      setNotice(t('importFailed', { error: (err as Error).message }));
    }
  };

  const pinned = chats.filter((c) => c.pinned);
  const rest = chats.filter((c) => !c.pinned);
  const rows: Row[] = [
    ...(pinned.length > 0 ? [{ key: 'h-pinned', head: t('pinned') }] : []),
    ...pinned.map((c) => ({ key: `c${c.id}`, render: () => item(c) })),
    ...(pinned.length > 0 && rest.length > 0 ? [{ key: 'h-recent', head: t('recent') }] : []),
    ...rest.map((c) => ({ key: `c${c.id}`, render: () => item(c) })),
  ];
  const item = (c: ChatSummary) => (
    <li key={c.id} class={`chat-item ${c.id === p.current ? 'active' : ''}`} data-chat-id={c.id}>
      <a href={`#/chat/${c.id}`} class="chat-link" title={c.title}>
        {c.folder && <span class="folder">{c.folder} / </span>}
        {c.title || t('untitled')}
      </a>
      <button type="button" class="icon more" aria-label={t('menu')} onClick={() => setMenuFor(menuFor === c.id ? null : c.id)}>
        ⋯
      </button>
      {menuFor === c.id && (
        <div class="popup" role="menu">
          <button type="button" role="menuitem" onClick={() => act(() => api.updateChat(c.id, { pinned: !c.pinned }))}>
            {c.pinned ? t('unpin') : t('pin')}
          </button>
          <button type="button" role="menuitem" onClick={() => rename(c)}>{t('rename')}</button>
          <button type="button" role="menuitem" onClick={() => move(c)}>{t('moveToFolder')}</button>
          <button type="button" role="menuitem" onClick={() => { setMenuFor(null); download(api.exportChatUrl(c.id, 'markdown')); }}>
            {t('exportMarkdown')}
          </button>
          <button type="button" role="menuitem" onClick={() => { setMenuFor(null); download(api.exportChatUrl(c.id, 'json')); }}>
            {t('exportJson')}
          </button>
          <button type="button" role="menuitem" class="danger" onClick={() => remove(c)}>{t('delete')}</button>
        </div>
      )}
    </li>
  );

  return (
    <aside class="sidebar">
      <div class="sidebar-head">
        <a class="brand" href="#/">{t('appName')}</a>
        <button type="button" class="primary" id="new-chat" onClick={() => p.onOpen(null)} title="Ctrl+Shift+O">
          {t('newChat')}
        </button>
        <button type="button" class="icon close-menu" aria-label={t('close')} onClick={p.onToggleMenu}>×</button>
      </div>
      <input
        id="chat-search"
        type="search"
        placeholder={t('search')}
        aria-label={t('search')}
        value={query}
        onInput={(e) => setQuery((e.currentTarget as HTMLInputElement).value)}
      />
      {error && <p class="error">{error}</p>}
      {(folders.length > 0 || folder) && (
        <select id="folder-filter" aria-label={t('folder')} value={folder}
          onChange={(e) => setFolder((e.currentTarget as HTMLSelectElement).value)}>
          <option value="">{t('allFolders')}</option>
          {folders.map((f) => <option key={f.name} value={f.name}>{t('folderCount', { name: f.name, n: f.chats })}</option>)}
          {folder && !folders.some((f) => f.name === folder) && <option value={folder}>{folder}</option>}
        </select>
      )}
      <ChatList rows={rows} label={t('chats')} onEnd={more} resetKey={`${query}\n${folder}`}>
        {chats.length === 0 && !error && <p class="muted">{t('noChats')}</p>}
      </ChatList>
      <div class="sidebar-foot">
        <a href="#/models" class="nav-link" id="nav-models">{t('models')}</a>
        <button type="button" id="export-all" onClick={() => download(api.exportAllUrl())}>{t('exportAll')}</button>
        <button type="button" id="import-chats" onClick={() => fileInput.current?.click()}>{t('importChats')}</button>
        <input ref={fileInput} type="file" accept="application/json,.json" hidden onChange={onImport} />
        {notice && <p class="notice" role="status">{notice}</p>}
        {p.user && (
          <div class="account">
            <span class="muted" id="signed-in-as">{t('signedInAs', { name: p.user })}</span>
            <button type="button" id="change-password" onClick={() => setChangingPassword(!changingPassword)}>
              {t('changePassword')}
            </button>
            <button type="button" id="logout" onClick={p.onLogout}>{t('signOut')}</button>
          </div>
        )}
        {p.user && changingPassword && (
          <PasswordForm onChanged={() => p.onPasswordChanged?.()} onClose={() => setChangingPassword(false)} />
        )}
        <div class="prefs">
          <label>
            {t('language')}{' '}
            <select id="lang" value={p.lang} onChange={(e) => p.setLang((e.currentTarget as HTMLSelectElement).value as Lang)}>
              <option value="en">English</option>
              <option value="de">Deutsch</option>
            </select>
          </label>
          <label>
            {t('theme')}{' '}
            <select id="theme" value={p.theme} onChange={(e) => p.setTheme((e.currentTarget as HTMLSelectElement).value as Theme)}>
              <option value="system">{t('themeSystem')}</option>
              <option value="light">{t('themeLight')}</option>
              <option value="dark">{t('themeDark')}</option>
            </select>
          </label>
        </div>
      </div>
    </aside>
  );
}
