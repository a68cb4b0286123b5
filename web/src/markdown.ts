// Model output and imported chats are untrusted. They become HTML through
// markdown-it with raw HTML off, then DOMPurify; links may only be http(s),
// mailto or in-page, and images only data:/blob: URLs (a remote image would
// leak the conversation in its URL; the CSP blocks it too).
import DOMPurify from 'dompurify';
import hljs from 'highlight.js/lib/common';
import MarkdownIt from 'markdown-it';
import katexPlugin from '@vscode/markdown-it-katex';
import katex from 'katex';

export interface RenderLabels {
  copy: string;
  image: string;
}

const md = new MarkdownIt({ html: false, linkify: true, breaks: false, typographer: false });

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

// Whether a fence's closing line has arrived: an unclosed fence (a streaming
// answer) runs to the end of the text and its last line is content.
function fenceClosed(map: [number, number] | null, env: { src?: string; lines?: string[] }): boolean {
  if (!map || map[1] - 1 <= map[0] || env.src === undefined) return false;
  env.lines ??= env.src.split('\n');
  return /^[\s>]*([`~])\1{2,}\s*$/.test(env.lines[map[1] - 1] ?? '');
}

// Code blocks: highlighted, with a copy button (wired by event delegation;
// the CSP forbids inline handlers and DOMPurify would strip them anyway).
md.renderer.rules.fence = (tokens, idx, _opts, env) => {
  const token = tokens[idx];
  const lang = token.info.trim().split(/\s+/)[0]?.toLowerCase() ?? '';
  let body: string;
  if (lang && hljs.getLanguage(lang)) {
    body = hljs.highlight(token.content, { language: lang, ignoreIllegals: true }).value;
  } else {
    body = escapeHtml(token.content);
  }
  const labels = (env as { labels?: RenderLabels }).labels;
  const cls = lang === 'mermaid' ? ` mermaid-source${fenceClosed(token.map, env as { src?: string }) ? ' mermaid-ready' : ''}` : '';
  return (
    `<div class="code${cls}"><div class="code-head"><span>${escapeHtml(lang || 'text')}</span>` +
    `<button type="button" class="copy">${escapeHtml(labels?.copy ?? 'Copy')}</button></div>` +
    `<pre><code class="hljs">${body}</code></pre></div>\n`
  );
};

const katexUse = ((katexPlugin as unknown as { default?: unknown }).default ?? katexPlugin) as (
  m: MarkdownIt,
  o?: object,
) => MarkdownIt;
// trust: false keeps \href, \url and \htmlStyle out; errors render as text.
// `katex`: the one copy Mermaid shares (vite.config.ts), not the plugin's require().
md.use(katexUse, { katex, throwOnError: false, trust: false, maxSize: 50, maxExpand: 500 });

const SAFE_LINK = /^(https?:|mailto:|#)/i;
const SAFE_IMAGE = /^(data:image\/(png|jpeg|gif|webp);|blob:)/i;

let hooked = false;
function installHooks(): void {
  if (hooked) return;
  hooked = true;
  DOMPurify.addHook('afterSanitizeAttributes', (node) => {
    const el = node as Element;
    if (el.tagName === 'A') {
      const href = el.getAttribute('href') ?? '';
      if (!SAFE_LINK.test(href)) el.removeAttribute('href');
      else if (!href.startsWith('#')) {
        el.setAttribute('target', '_blank');
        el.setAttribute('rel', 'noopener noreferrer');
      }
    }
    if (el.tagName === 'IMG') {
      const src = el.getAttribute('src') ?? '';
      if (!SAFE_IMAGE.test(src)) {
        el.removeAttribute('src');
        el.removeAttribute('srcset');
        el.setAttribute('data-blocked', src.slice(0, 200));
      }
    }
  });
}

export function renderMarkdown(text: string, labels?: RenderLabels): string {
  installHooks();
  const html = md.render(text, { labels, src: text });
  return DOMPurify.sanitize(html, {
    USE_PROFILES: { html: true, mathMl: true, svg: false },
    FORBID_TAGS: ['style', 'form', 'input', 'textarea', 'select', 'iframe', 'object', 'embed', 'script'],
    FORBID_ATTR: ['srcset', 'formaction', 'action', 'xlink:href'],
    ALLOW_DATA_ATTR: false,
    ADD_ATTR: ['target'],
  });
}

// Plain text, escaped, for user messages (shown as typed).
export function renderPlain(text: string): string {
  return escapeHtml(text);
}
