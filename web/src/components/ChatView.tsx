// A conversation: the branch shown, the composer, the model picker and the
// chat's settings. Generation runs here (generate.ts) and is saved as it goes.
import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { api, type Chat, type ChatSettings, type Message, type ModelInfo } from '../api';
import { AttachmentError, readAttachment, type Attachment } from '../attachments';
import { generate, titleFrom } from '../generate';
import { AttachmentChips } from './AttachmentChips';
import { prefs } from '../prefs';
import { contextUse } from '../stats';
import { buildTree, newestLeafFrom, pathTo, siblingsOf } from '../tree';
import { useT } from './context';
import { MessageView } from './MessageView';
import { SettingsPanel } from './SettingsPanel';
import { useMessageWindow } from './useMessageWindow';

interface Props {
  chatId: number | null;
  models: ModelInfo[];
  canManage: boolean; // may pull models (the hint when there are none)
  onCreated: (id: number) => void;
  onChanged: () => void;
  onMenu: () => void;
}

const DEFAULT_CTX = 4096; // lokal's (and Ollama's) num_ctx default

export function ChatView(p: Props) {
  const t = useT();
  const [chat, setChat] = useState<Chat | null>(null);
  const [error, setError] = useState('');
  const [model, setModel] = useState(prefs.model());
  // Once the user picked a model in this view, nothing that arrives later (the
  // stored chat's model) replaces it.
  const picked = useRef(false);
  const [caps, setCaps] = useState<string[]>([]);
  const [draft, setDraft] = useState('');
  const [files, setFiles] = useState<Attachment[]>([]);
  const fileInput = useRef<HTMLInputElement>(null);
  const [busy, setBusy] = useState(false);
  const [showSettings, setShowSettings] = useState(false);
  const [pendingSettings, setPendingSettings] = useState<ChatSettings>({}); // before the chat exists
  const abort = useRef<AbortController | null>(null);
  const liveId = useRef<number | null>(null);
  const bottom = useRef<HTMLDivElement>(null);
  const input = useRef<HTMLTextAreaElement>(null);

  useEffect(() => {
    if (p.chatId === null) return;
    api.getChat(p.chatId).then(
      (c) => {
        setChat(c);
        if (c.settings.model && !picked.current) setModel(c.settings.model);
      },
      (e: Error) => setError(t('loadFailed', { error: e.message })),
    );
  }, [p.chatId]);

  // The model must exist; otherwise take the first installed one. An update
  // function: this effect may run after a pick made since its render (Preact
  // runs effects after paint), and must judge that pick, not its own `model`.
  useEffect(() => {
    if (!p.models.length) return;
    setModel((cur) => (p.models.some((m) => m.name === cur) ? cur : p.models[0].name));
  }, [p.models, model]);

  useEffect(() => {
    if (!model) return;
    api.show(model).then((s) => setCaps(s.capabilities ?? []), () => setCaps([]));
  }, [model]);

  useEffect(() => () => abort.current?.abort(), []);
  useEffect(() => input.current?.focus(), []);

  const tree = useMemo(() => buildTree(chat?.messages ?? []), [chat?.messages]);
  const path = useMemo(() => (chat ? pathTo(tree, chat.current_message_id) : []), [tree, chat?.current_message_id]);
  // A long conversation keeps a window of its messages mounted (see the hook).
  const list = useRef<HTMLDivElement>(null);
  const { w, earlier, later, showEarlier, showLater } = useMessageWindow(path.length, list);
  // Follow a growing answer only while the reader is at the bottom: scrolling
  // up to read stays put.
  const atBottom = useRef(true);
  const onScroll = () => {
    const el = list.current;
    if (el) atBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < 48;
  };
  const lastLength = useRef(0);
  useEffect(() => {
    const added = path.length !== lastLength.current;
    lastLength.current = path.length;
    if (added || (atBottom.current && w.end === path.length)) bottom.current?.scrollIntoView({ block: 'end' });
  }, [path.length, path[path.length - 1]?.content]);

  const settings = chat?.settings ?? pendingSettings;
  const numCtx = settings.options?.num_ctx ?? DEFAULT_CTX;
  const lastAnswer = [...path].reverse().find((m) => m.role === 'assistant' && m.stats.prompt_eval_count !== undefined);
  const gauge = contextUse(lastAnswer?.stats, numCtx);

  async function run(userText: string | null, parentId: number | null, attachments: Attachment[] = []) {
    if (!model || busy) return;
    setBusy(true);
    setError('');
    let c = chat;
    try {
      if (!c) {
        const made = await api.createChat(titleFrom(userText ?? ''), { ...pendingSettings, model });
        c = { ...made, settings: { ...pendingSettings, model }, current_message_id: null, messages: [] };
        setChat(c);
        p.onCreated(made.id);
      } else if (c.settings.model !== model) {
        const s = { ...c.settings, model };
        await api.updateChat(c.id, { settings: s });
        c = { ...c, settings: s };
      }
      prefs.setModel(model);
      abort.current = new AbortController();
      await generate({
        chat: c,
        model,
        userText,
        attachments,
        parentId,
        think: caps.includes('thinking'),
        signal: abort.current.signal,
        onUpdate: (next) => {
          liveId.current = next.current_message_id;
          setChat(next);
        },
      });
      p.onChanged();
    } catch (e) {
      setError((e as Error).message);
    } finally {
      abort.current = null;
      liveId.current = null;
      setBusy(false);
      input.current?.focus();
    }
  }

  const send = () => {
    const text = draft.trim();
    if (!text || busy || !model) return;
    setDraft('');
    setFiles([]);
    void run(text, path.length ? path[path.length - 1].id : null, files);
  };
  const stop = () => abort.current?.abort();

  const onFiles = async (e: Event) => {
    const el = e.currentTarget as HTMLInputElement;
    const picked = Array.from(el.files ?? []);
    el.value = '';
    for (const f of picked) {
      try {
        const a = await readAttachment(f);
        if (a.type === 'image' && !caps.includes('vision')) throw new Error(t('noVision', { model }));
        setFiles((old) => [...old, a]);
      } catch (err) {
        setError(err instanceof AttachmentError ? t(err.key, err.vars) : (err as Error).message);
      }
    }
  };

  const switchTo = (siblingId: number) => {
    if (!chat) return;
    const leaf = newestLeafFrom(tree, siblingId);
    setChat({ ...chat, current_message_id: leaf });
    void api.updateChat(chat.id, { current_message_id: leaf ?? undefined }).catch((e: Error) => setError(e.message));
  };
  // Stable callbacks for the memoised messages; they call the latest closures.
  const latest = useRef({ run, switchTo });
  latest.current = { run, switchTo };
  const onSwitch = useCallback((id: number) => latest.current.switchTo(id), []);
  const onRegenerate = useCallback((x: Message) => void latest.current.run(null, x.parent_id), []);
  const onEdit = useCallback((x: Message, text: string) => void latest.current.run(text, x.parent_id), []);

  const saveSettings = async (s: ChatSettings) => {
    if (!chat) {
      setPendingSettings(s);
      return;
    }
    await api.updateChat(chat.id, { settings: { ...s, model } });
    setChat({ ...chat, settings: { ...s, model } });
  };

  const onKey = (e: KeyboardEvent) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      send();
    } else if (e.key === 'Escape' && busy) {
      e.preventDefault();
      stop();
    }
  };
  useEffect(() => {
    // Esc in an open dialog closes the dialog only.
    const on = (e: KeyboardEvent) => e.key === 'Escape' && busy && !(e.target as Element | null)?.closest?.('dialog') && stop();
    addEventListener('keydown', on);
    return () => removeEventListener('keydown', on);
  }, [busy]);

  return (
    <section class="chat">
      <div class="toolbar">
        <button type="button" class="icon menu-button" aria-label={t('menu')} onClick={p.onMenu}>☰</button>
        <label class="model-picker">
          <span class="sr-only">{t('model')}</span>
          <select id="model" value={model} disabled={busy} aria-label={t('model')}
            onChange={(e) => {
              picked.current = true;
              setModel((e.currentTarget as HTMLSelectElement).value);
            }}>
            {p.models.length === 0 && <option value="">{t('chooseModel')}</option>}
            {p.models.map((m) => (
              <option key={m.name} value={m.name}>
                {m.name}{m.details?.parameter_size ? ` (${m.details.parameter_size})` : ''}
              </option>
            ))}
          </select>
        </label>
        <span class="caps" title={t('capabilities')}>
          {caps.map((c) => <span key={c} class={`cap cap-${c}`}>{c}</span>)}
        </span>
        {gauge && (
          <span class="gauge" title={t('context', { used: gauge.used, max: numCtx })}>
            <meter min={0} max={1} value={gauge.ratio} />
            <span>{t('context', { used: gauge.used, max: numCtx })}</span>
          </span>
        )}
        <button type="button" id="chat-settings" onClick={() => setShowSettings(!showSettings)}>{t('settings')}</button>
      </div>
      {showSettings && (
        <SettingsPanel settings={settings} onSave={saveSettings} onClose={() => setShowSettings(false)} />
      )}
      <div class="messages" aria-live="polite" ref={list} onScroll={onScroll}>
        {p.models.length === 0 && <p class="muted">{t(p.canManage ? 'noModels' : 'noModelsUser')}</p>}
        {path.length === 0 && p.models.length > 0 && <p class="muted hint">{t('emptyHint')}</p>}
        {w.start > 0 && (
          <button type="button" class="link earlier" ref={earlier} onClick={showEarlier}>
            {t('earlierMessages', { n: w.start })}
          </button>
        )}
        {path.slice(w.start, w.end).map((m: Message) => (
          <MessageView key={m.id} msg={m} siblings={siblingsOf(tree, m)} live={busy && m.id === liveId.current}
            busy={busy} onSwitch={onSwitch} onRegenerate={onRegenerate} onEdit={onEdit} />
        ))}
        {w.end < path.length && (
          <button type="button" class="link later" ref={later} onClick={showLater}>
            {t('laterMessages', { n: path.length - w.end })}
          </button>
        )}
        {error && <p class="error" role="alert">{error}</p>}
        <div ref={bottom} />
      </div>
      <div class="composer">
        {files.length > 0 && (
          <AttachmentChips items={files} onRemove={(i) => setFiles(files.filter((_, j) => j !== i))} />
        )}
        <textarea id="prompt" ref={input} rows={2} value={draft} placeholder={t('placeholder', { model: model || '…' })}
          onInput={(e) => setDraft((e.currentTarget as HTMLTextAreaElement).value)} onKeyDown={onKey} />
        <button type="button" id="attach" class="icon" aria-label={t('attach')} title={t('attach')} disabled={busy}
          onClick={() => fileInput.current?.click()}>📎</button>
        <input ref={fileInput} id="attach-input" type="file" multiple hidden onChange={onFiles} />
        {busy ? (
          <button type="button" id="stop" class="danger" onClick={stop}>{t('stop')}</button>
        ) : (
          <button type="button" id="send" class="primary" disabled={!draft.trim() || !model} onClick={send}>{t('send')}</button>
        )}
        <p class="shortcuts muted">{t('shortcuts')}</p>
      </div>
    </section>
  );
}
