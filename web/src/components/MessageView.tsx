// One message. Answers are Markdown (sanitised); questions are plain text.
// Memoised: while one answer streams, the others do not re-render.
import { memo } from 'preact/compat';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { Message } from '../api';
import { IncrementalMarkdown } from '../blocks';
import { renderMarkdown, renderPlain } from '../markdown';
import { renderDiagrams } from '../mermaid';
import { formatRate, tokensPerSecond } from '../stats';
import type { Siblings } from '../tree';
import { AttachmentChips } from './AttachmentChips';
import { useT } from './context';

interface Props {
  msg: Message;
  siblings: Siblings;
  live: boolean; // streaming in this page right now
  busy: boolean; // some answer is streaming: no edits meanwhile
  onSwitch: (siblingId: number) => void;
  onRegenerate: (msg: Message) => void;
  onEdit: (msg: Message, text: string) => void;
}

function onCopyClick(e: MouseEvent, copiedLabel: string) {
  const btn = (e.target as Element).closest('button.copy');
  if (!btn) return;
  const code = btn.closest('.code')?.querySelector('pre')?.textContent ?? '';
  void navigator.clipboard?.writeText(code).then(() => {
    const old = btn.textContent;
    btn.textContent = copiedLabel;
    setTimeout(() => (btn.textContent = old), 1200);
  });
}

// One element per block, keyed by position: Preact sets a block's innerHTML
// only when its HTML string changed, so finished blocks keep their DOM (and
// drawn diagrams) while the last one grows.
function Blocks({ html }: { html: string[] }) {
  return <>{html.map((h, i) => <div key={i} class="md-block" dangerouslySetInnerHTML={{ __html: h }} />)}</>;
}

export const MessageView = memo(function MessageView(p: Props) {
  const t = useT();
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState(p.msg.content);
  const m = p.msg;
  const copyLabel = t('copy');
  // While the answer streams, only its last block is rendered again (blocks.ts);
  // once it is done, the whole answer is rendered in one piece.
  const incremental = useMemo(
    () => ({
      content: new IncrementalMarkdown((src) => renderMarkdown(src, { copy: copyLabel, image: 'image' })),
      thinking: new IncrementalMarkdown((src) => renderMarkdown(src)),
    }),
    [copyLabel],
  );
  const html = useMemo(() => {
    if (m.role !== 'assistant') return [renderPlain(m.content)];
    return p.live ? incremental.content.blocks(m.content) : [renderMarkdown(m.content, { copy: copyLabel, image: 'image' })];
  }, [m.content, m.role, p.live, incremental]);
  const body = useRef<HTMLDivElement>(null);
  // Complete ```mermaid blocks become diagrams (cached per source, so a
  // streaming answer draws each block once).
  useEffect(() => {
    if (m.role === 'assistant' && html.some((h) => h.includes('mermaid-ready'))) void renderDiagrams(body.current, t('diagram'));
  }, [html, editing]);
  const thinkingHtml = useMemo(
    () => (!m.thinking ? [] : p.live ? incremental.thinking.blocks(m.thinking) : [renderMarkdown(m.thinking)]),
    [m.thinking, p.live, incremental],
  );
  const rate = tokensPerSecond(m.stats.eval_count, m.stats.eval_duration);
  const interrupted = m.status === 'streaming' && !p.live;
  const error = (m.stats as { error?: string }).error;

  return (
    <article class={`msg ${m.role} ${p.live ? 'live' : ''}`} data-message-id={m.id} data-status={m.status}>
      <header>
        <strong>{m.role === 'user' ? t('you') : m.model || t('assistant')}</strong>
        {p.siblings.count > 1 && (
          <span class="branches">
            <button type="button" class="icon prev-branch" aria-label={t('previousBranch')} disabled={p.busy || p.siblings.prev === null}
              onClick={() => p.siblings.prev !== null && p.onSwitch(p.siblings.prev)}>‹</button>
            <span class="branch-pos">{t('branch', { i: p.siblings.index + 1, n: p.siblings.count })}</span>
            <button type="button" class="icon next-branch" aria-label={t('nextBranch')} disabled={p.busy || p.siblings.next === null}
              onClick={() => p.siblings.next !== null && p.onSwitch(p.siblings.next)}>›</button>
          </span>
        )}
      </header>
      {m.thinking && (
        <details class="thinking" open={p.live && !m.content}>
          <summary>{p.live && !m.content ? t('thinking') : t('thoughts')}</summary>
          <div class="markdown"><Blocks html={thinkingHtml} /></div>
        </details>
      )}
      {editing ? (
        <div class="edit">
          <textarea value={draft} onInput={(e) => setDraft((e.currentTarget as HTMLTextAreaElement).value)} rows={4} />
          <div class="row">
            <button type="button" class="primary save-edit" disabled={!draft.trim()}
              onClick={() => { setEditing(false); p.onEdit(m, draft); }}>{t('save')}</button>
            <button type="button" onClick={() => setEditing(false)}>{t('cancel')}</button>
          </div>
        </div>
      ) : (
        <div ref={body} class={m.role === 'assistant' ? 'markdown body' : 'plain body'}
          onClick={(e) => onCopyClick(e as unknown as MouseEvent, t('copied'))}>
          <Blocks html={html} />
        </div>
      )}
      {p.live && !m.content && !m.thinking && <span class="cursor" aria-label={t('thinking')}>▍</span>}
      {m.attachments.length > 0 && <AttachmentChips items={m.attachments} />}
      <footer>
        {m.status === 'stopped' && <span class="badge">{t('stopped')}</span>}
        {interrupted && <span class="badge">{t('interrupted')}</span>}
        {error && <span class="badge error">{t('error', { error })}</span>}
        {m.role === 'assistant' && m.stats.eval_count !== undefined && (
          <span class="stats">
            {t('tokens', { n: m.stats.eval_count })} · {t('tokensPerSecond', { rate: formatRate(rate) })}
            {m.stats.prompt_eval_count !== undefined && ` · ${t('promptTokens', { n: m.stats.prompt_eval_count })}`}
          </span>
        )}
        {!p.busy && m.role === 'user' && !editing && (
          <button type="button" class="link edit-msg" onClick={() => { setDraft(m.content); setEditing(true); }}>{t('edit')}</button>
        )}
        {!p.busy && m.role === 'assistant' && (
          <button type="button" class="link regenerate" onClick={() => p.onRegenerate(m)}>{t('regenerate')}</button>
        )}
      </footer>
    </article>
  );
}, sameProps);

// Re-render only when what is shown changed: the sibling counts come as a new
// object on every update of the chat, and the callbacks are stable wrappers.
function sameProps(a: Props, b: Props): boolean {
  const s = a.siblings;
  const t = b.siblings;
  return a.msg === b.msg && a.live === b.live && a.busy === b.busy &&
    s.index === t.index && s.count === t.count && s.prev === t.prev && s.next === t.next &&
    a.onSwitch === b.onSwitch && a.onRegenerate === b.onRegenerate && a.onEdit === b.onEdit;
}
